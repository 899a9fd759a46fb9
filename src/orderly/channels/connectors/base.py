"""The one interface every channel connector implements, the shop-neutral order it produces, and the HTTP helper.

A new kind of channel is one new module in this package defining `Connector(BaseConnector)`; `get_connector`
finds it by the channel's kind.
"""

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from orderly.channels.connectors import parsing
from orderly.core.egress import AddressRefused, GuardedTransport
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError


class ChannelError(DomainError):
    """The shop could not be reached or gave an answer we cannot use; the sync run records the reason."""

    code = ErrorCode.CHANNEL_ERROR


class WebhookRefused(DomainError):
    """A webhook delivery without a valid signature. Nothing is written."""

    code = ErrorCode.WEBHOOK_REFUSED


@dataclass
class ExternalOrder:
    """One order as a shop sent it, in our terms. Addresses and items use the orders core's field names.

    The shop's own figures are the truth and are taken, never recomputed:
    - `items`: dicts as `orders.services.validation.item` takes them. `unit_price` is the shop's unit price and
      `discount` the line's whole discount (coupons and automatic discounts allocated to the line), both on the
      order's tax basis (tax included when `prices_include_tax`). `tax_lines` lists the shop's taxes on the line
      as [{"title", "rate" (percent, e.g. "9.975"), "amount" (for the whole line)}]; `tax_rate` is their sum.
      `identifiers["line_id"]` is the shop's id of the line, which `fulfillments` and `refunds` name. Lines that
      need no stock or shipping (gift cards, tips) carry `options` {"allocate": False, "fulfil": False}.
    - `charges`: shipping lines and fees as [{"kind": "shipping"|"fee", "title", "code", "amount" (before its
      discount, on the order's tax basis; a fee may be negative), "discount", "tax_lines": [...] as items'}].
    - `discount_codes`: [{"code", "type", "amount"}], shown on the order, never subtracted again.
    - `stated_total` / `stated_tax`: what the shop says the customer was charged, in `currency`; the import
      checks its own total against them.
    - `payment`: the shop's money state, {"state": the shop's word, "paid": money captured, "refunded": money paid
      back} in `currency`; None when the shop says nothing about payment.
    - `fulfillments`: parcels the shop fulfilled itself, [{"external_id", "carrier", "tracking_number",
      "tracking_url", "created_at", "lines": [{"line_id", "quantity"}] (empty: every line in full)}].
    - `refunds`: units the shop refunded, [{"external_id", "lines": [{"line_id", "quantity", "restock": bool}]}].
    - `charge_refunds`: money the shop paid back for charges, all refunds so far, [{"position": the charge's place
      in `charges` from 1 (None when the shop does not say which), "kind": "shipping"|"fee", "amount": in the terms
      of the charge's total}].
    - `shop_money`: when the customer paid in another currency than the shop's, the shop's own figures
      {"currency", "total", "tax", "subtotal", "discount", "shipping"}; `currency` is the customer's.
    """

    external_id: str
    external_ref: str = ""
    external_status: str = ""
    updated_at: str = ""  # the shop's change time (ISO 8601), the cursor's unit
    order_date: str | None = None
    customer: dict = field(default_factory=dict)
    shipping_address: dict | None = None
    billing_address: dict | None = None
    currency: str = "EUR"
    items: list[dict] = field(default_factory=list)
    notes: str = ""
    prices_include_tax: bool = False
    charges: list[dict] = field(default_factory=list)
    discount_codes: list[dict] = field(default_factory=list)
    stated_total: str = ""
    stated_tax: str = ""
    payment: dict | None = None
    fulfillments: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    charge_refunds: list[dict] = field(default_factory=list)
    is_test: bool = False
    delivery_method: str = ""  # the shop's delivery method (its first shipping line's code, else title)
    shop_money: dict = field(default_factory=dict)

    def digest(self) -> str:
        """A fingerprint of everything we keep, so an unchanged order is skipped without touching it (computed once:
        the fields hold plain JSON values, so no deep copy is needed)."""
        if cached := self.__dict__.get("_digest"):
            return cached
        data = {k: v for k, v in vars(self).items() if k not in ("updated_at", "_digest")}
        value = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        self.__dict__["_digest"] = value
        return value


@dataclass
class Malformed:
    """An entry in a shop's answer that is not a usable order; the run records it as failed with the reason."""

    external_id: str
    reason: str
    updated_at: str = ""
    raw: object = None  # the entry as the shop sent it, kept on the error order


@dataclass
class Unchanged:
    """An entry the shop has not changed since the last sync took it (same id and change time): not parsed at all,
    counted as skipped, and still moving the cursor."""

    external_id: str
    updated_at: str


@dataclass
class Page:
    orders: list  # ExternalOrder | Malformed | Unchanged
    cursor: str  # where the next sync starts once this page is committed


@dataclass
class PageRequest:
    """One page of a pull to ask the shop for (picklable: a reader process asks for the later pages)."""

    url: str
    params: dict | None = None
    number: int = 1  # the page's number, for shops that page by number


@dataclass
class WebhookMessage:
    delivery_id: str
    topic: str
    orders: list  # ExternalOrder | Malformed


class BaseConnector:
    kind = ""
    timeout = httpx.Timeout(15.0, connect=5.0)
    max_attempts = 4  # per request: the first try and three retries
    backoff_base = 0.5  # seconds; doubled per retry
    max_retry_after = 60.0  # a longer Retry-After fails the run; the next scheduled sync picks it up

    # Set by the sync: given {external id: change time} of a page, the ids whose last sync saw that same change time.
    unchanged: Callable[[dict[str, str]], set[str]] | None = None

    def __init__(self, channel, credentials: dict, *, client: httpx.Client | None = None, sleep: Callable = time.sleep):
        self.channel = channel
        self.credentials = credentials
        self.settings = channel.settings or {}
        self._client = client
        self.client_given = client is not None  # a test's client: the requests must stay in this process
        self._prefetcher: ThreadPoolExecutor | None = None
        self.sleep = sleep

    # -- what a connector offers; pull connectors override the first two ---------------------------------------
    def fetch_pages(self, *, cursor: str) -> Iterator[Page]:
        raise ChannelError(
            f"A {self.kind} channel does not pull orders.", code=ErrorCode.CHANNEL_KIND_UNSUPPORTED,
            channel=self.channel.name, kind=self.kind, action="pull",
        )  # fmt: skip

    def fetch_order(self, external_id: str) -> ExternalOrder | Malformed | None:
        raise ChannelError(
            f"A {self.kind} channel cannot re-pull an order.", code=ErrorCode.CHANNEL_KIND_UNSUPPORTED,
            channel=self.channel.name, kind=self.kind, action="pull_order",
        )  # fmt: skip

    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        raise WebhookRefused(f"A {self.kind} channel takes no webhooks.")

    def push_shipped(self, *, external_id: str, tracking_number: str, carrier: str, tracking_url: str) -> None:
        """Tell the shop the order shipped. Kinds with no shop to tell do nothing."""

    def parse_entries(self, entries: list, parse: Callable, stamp_of: Callable[[dict], str]) -> list:
        """A page's entries parsed with `parse`, except those `unchanged` names (Unchanged, never parsed): a re-sync
        of orders the shop has not touched costs the page's JSON and one query, not the mapping of every order."""
        if self.unchanged is None:
            return [parse(entry) for entry in entries]
        keys, stamps = self.stamps_of(entries, stamp_of)
        return self.parse_except(entries, keys, stamps, self.unchanged(stamps) if stamps else set(), parse)

    @staticmethod
    def stamps_of(entries: list, stamp_of: Callable[[dict], str]) -> tuple[list, dict[str, str]]:
        """Each entry's id (None where it has none to read) and {id: change time} of those that have both."""
        keys, stamps = [], {}
        for entry in entries:
            try:
                key = parsing.required_id(entry)
                stamps[key] = stamp_of(entry)
            except (parsing.BadPayload, AttributeError, TypeError):
                key = None  # parse() reports what is wrong with it
            keys.append(key)
        return keys, stamps

    @staticmethod
    def parse_except(entries: list, keys: list, stamps: dict[str, str], skip: set[str], parse: Callable) -> list:
        """The entries parsed, but those whose id is in `skip`, which stay Unchanged."""
        return [
            Unchanged(external_id=key, updated_at=stamps[key]) if key in skip else parse(entry)
            for key, entry in zip(keys, entries, strict=True)
        ]

    # -- HTTP with explicit timeouts and retries -----------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False, transport=GuardedTransport())
        return self._client

    def close(self) -> None:
        if self._prefetcher is not None:
            self._prefetcher.shutdown(wait=True)
            self._prefetcher = None
        if self._client is not None:
            self._client.close()

    def get_json_soon(self, url: str, **kwargs) -> Future:
        """get_json on a helper thread, so the next page downloads while this one is parsed and written; its
        result (or ChannelError) comes out of `.result()`. The thread touches neither the database nor Django."""
        if self._prefetcher is None:
            self._prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.kind}-fetch")
        return self._prefetcher.submit(self.get_json, url, **kwargs)

    def request(self, method: str, url: str, *, missing_ok: bool = False, **kwargs) -> httpx.Response | None:
        """Send with retries: 429 waits its Retry-After, 5xx and network errors back off exponentially.

        Raises ChannelError with the reason after the last attempt, or at once for other 4xx answers; a 404 is
        None when `missing_ok`.
        """
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                last = f"{method} {url} timed out"
            except httpx.RequestError as exc:  # connection refused or reset, bad encoding, too many redirects
                if isinstance(exc.__cause__, AddressRefused):  # not the shop's passing trouble: no retry
                    raise ChannelError(f"{method} {url} was not sent: {exc}") from None
                last = f"{method} {url} failed: {exc.__class__.__name__}"
            else:
                if response.status_code == 429:
                    wait = retry_after(response.headers.get("Retry-After"), default=self.backoff_base * 2**attempt)
                    if wait > self.max_retry_after:
                        raise ChannelError(f"The shop asked to wait {wait:.0f}s (rate limit); trying at the next sync.")
                    last = f"{method} {url} rate-limited (429)"
                    if attempt < self.max_attempts:
                        self.sleep(wait)
                    continue
                if response.status_code == 404 and missing_ok:
                    return None
                if response.status_code >= 500:
                    last = f"{method} {url} answered {response.status_code}"
                elif response.status_code >= 400:
                    raise ChannelError(f"{method} {url} was refused: {response.status_code} {_short(response)}")
                else:
                    return response
            if attempt < self.max_attempts:
                self.sleep(self.backoff_base * 2 ** (attempt - 1))
        raise ChannelError(f"{last}, {self.max_attempts} attempts.")

    def get_json(self, url: str, **kwargs) -> tuple[object, httpx.Response | None]:
        response = self.request("GET", url, **kwargs)
        if response is None:
            return None, None
        try:
            return response.json(), response
        except (ValueError, RecursionError):
            raise ChannelError(f"GET {url} answered with something that is not JSON.") from None


def retry_after(value: str | None, *, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds, possibly fractional as Shopify sends, or an HTTP date)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return default


def _short(response: httpx.Response) -> str:
    return response.text[:200].replace("\n", " ")
