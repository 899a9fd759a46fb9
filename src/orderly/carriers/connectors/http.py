"""HTTP for carrier connectors: one call, its failures turned into CarrierErrors, never an httpx or JSON exception.

A booking is not retried here: whether a failed call may be repeated depends on what it did (a timeout after a
booking was sent may have bought a label), so the error says `retryable` and `outcome_unknown` and the carriers
service decides, asking `find_booked` first. Messages name the carrier, the method and the path, never the query
string (a label file's address may carry a signed token) nor the credentials.
"""

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from orderly.carriers.connectors.base import (
    CarrierAuthFailed,
    CarrierError,
    CarrierRateLimited,
    CarrierRefused,
    CarrierUnavailable,
)
from orderly.core.egress import AddressRefused, GuardedTransport

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
DEFAULT_RETRY_AFTER = 30.0
AUTH_FIX = "Enter the account's API keys again."
TEXT_LIMIT = 500

# Reads the carrier's error body: (its text for the merchant, the part of the parcel it names as Orderly calls it).
ErrorReader = Callable[[object], tuple[str, str]]


def timeout_of(setting: object, default: httpx.Timeout) -> httpx.Timeout:
    """An account's `timeout` setting (seconds, a number or its text) as a timeout; `default` when absent or not a
    positive number."""
    try:
        seconds = float(setting)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return httpx.Timeout(seconds) if 0 < seconds < 3600 else default


def make_client(timeout: httpx.Timeout | float | None = None) -> httpx.Client:
    """The client a connector uses when none is given: connections checked by the egress guard, no redirects."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=False,
        transport=GuardedTransport(),
    )


def retry_after(value: str | None, *, default: float = DEFAULT_RETRY_AFTER, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; `default` when absent or
    unreadable."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else default  # NaN is unreadable
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:
        return default
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CarrierHttp:
    """Calls to one carrier account's API: base URL, credentials, error wording.

    `name` is the carrier's name in messages ("Sendcloud"); `auth` the (user, password) of HTTP Basic auth;
    `read_error` reads the carrier's documented error body into (text, field).
    """

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        auth: tuple[str, str],
        read_error: ErrorReader,
        client: httpx.Client | None = None,
        timeout: httpx.Timeout | float | None = None,
    ):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth = httpx.BasicAuth(*auth)
        self.read_error = read_error
        self.owns_client = client is None
        self.client = client if client is not None else make_client(timeout)

    def close(self) -> None:
        """Close the client this made (a client given by the caller stays the caller's to close)."""
        if self.owns_client:
            self.client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        params: dict | None = None,
        headers: dict | None = None,
        authenticate: bool = True,
        accept: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one request and answer its 2xx response (or one whose status is in `accept`).

        Raises CarrierUnavailable (no connection, timeout, 5xx), CarrierRateLimited (429), CarrierAuthFailed
        (401/403) or CarrierRefused (other 4xx, with the carrier's text and the field it names). A call other than
        GET that times out or fails after it was sent has `outcome_unknown`: the carrier may have acted on it.
        """
        what = f"{method} {httpx.URL(self.url(path)).path}"
        mutating = method != "GET"
        try:
            response = self.client.request(
                method,
                self.url(path),
                json=json_body,
                params=params,
                headers={"Accept": "application/json", **(headers or {})},
                auth=self.auth if authenticate else None,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if isinstance(error.__cause__, AddressRefused):
                raise CarrierUnavailable(
                    f"{self.name} was not called ({what}): {error.__cause__}",
                    fix="Check the account's base URL.",
                ) from None
            raise CarrierUnavailable(
                f"{self.name} could not be reached ({what}).", fix="Try again later.", retryable=True
            ) from None
        except httpx.TimeoutException:
            raise CarrierUnavailable(
                f"{self.name} did not answer in time ({what}).",
                fix="Try again later; Orderly looks for the booking before booking again.",
                retryable=True,
                outcome_unknown=mutating,
            ) from None
        except httpx.HTTPError as error:  # reset, protocol error, bad encoding
            raise CarrierUnavailable(
                f"{self.name} broke off the answer ({what}: {error.__class__.__name__}).",
                fix="Try again later.",
                retryable=True,
                outcome_unknown=mutating,
            ) from None
        status = response.status_code
        if 200 <= status < 300 or status in accept:
            return response
        text, field = self.error_text(response)
        if status == 429:
            wait = retry_after(response.headers.get("Retry-After"))
            raise CarrierRateLimited(
                f"{self.name} asked Orderly to slow down ({what}); try again in {wait:.0f} s.",
                fix="Try again later.",
                carrier_text=text,
                status=status,
                retryable=True,
                retry_after=wait,
            )
        if status in (401, 403):
            raise CarrierAuthFailed(
                f"{self.name} refused the account's credentials ({status}).",
                fix=AUTH_FIX,
                carrier_text=text,
                status=status,
            )
        if status >= 500:
            raise CarrierUnavailable(
                f"{self.name} failed to answer ({what}: {status}).",
                fix="Try again later.",
                carrier_text=text,
                status=status,
                retryable=True,
                outcome_unknown=mutating,
            )
        raise CarrierRefused(
            f"{self.name} refused the request: {text}" if text else f"{self.name} refused the request ({status}).",
            fix="Correct what the carrier names and try again.",
            carrier_text=text,
            status=status,
            field=field,
        )

    def error_text(self, response: httpx.Response) -> tuple[str, str]:
        """The carrier's words and named field from an error answer; its raw text when the body is not its JSON."""
        try:
            body = response.json()
        except (ValueError, RecursionError):
            return shorten(response.text), ""
        try:
            text, field = self.read_error(body)
        except (AttributeError, KeyError, TypeError, IndexError, ValueError):
            text, field = "", ""
        return shorten(text or json.dumps(body)), field

    def json(self, response: httpx.Response, *, mutating: bool | None = None) -> dict:
        """The response's JSON object; CarrierUnavailable naming the call when it is not one."""
        method = response.request.method
        what = f"{method} {response.request.url.path}"
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise CarrierUnavailable(
                f"{self.name} answered {what} with something that is not its JSON.",
                fix="Try again later; Orderly looks for the booking before booking again.",
                carrier_text=shorten(response.text, 200),
                status=response.status_code,
                retryable=True,
                outcome_unknown=(method != "GET") if mutating is None else mutating,
            )
        return body

    def malformed(self, response: httpx.Response, reason: str) -> CarrierError:
        """The error for a JSON answer that lacks what the carrier documents (`reason` says what)."""
        method = response.request.method
        return CarrierUnavailable(
            f"{self.name} answered {method} {response.request.url.path} without {reason}.",
            fix="Try again later; Orderly looks for the booking before booking again.",
            carrier_text=shorten(response.text, 200),
            status=response.status_code,
            retryable=True,
            outcome_unknown=method != "GET",
        )


def header(headers: dict[str, str], name: str) -> str:
    """A header's value from a plain dict whatever the case of its keys ('' when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def mapping(value: object) -> dict:
    """`value` when it is a JSON object, else an empty one: a carrier's answer read without trusting its types."""
    return value if isinstance(value, dict) else {}
