"""What every request under /api/ goes through before the API's own views: the rate limits, and an answer in the
API's JSON error shape for an error Django gives outside them (a refused Host header, say), never a web page.

The limits (settings `ORDERLY_API_RATE_…`, README's configuration table) count per API token when the request
carries a valid one, otherwise per client address: token guessing, the inbound webhooks and the docs count by
address. A request past its limit gets 429 `rate_limited` with a Retry-After header, before the API reads anything
else of it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from orderly.api.auth import caller
from orderly.api.errors import error_response, not_found_view, too_large
from orderly.core.error_codes import ErrorCode
from orderly.core.ratelimit import Limited, Scope, rate_hit
from orderly.core.throttle import client_address

API_PREFIX = "/api/"


def rate_limited(limited: Limited) -> HttpResponse:
    response = error_response(ErrorCode.RATE_LIMITED, limited.message(), detail=limited.detail())
    response["Retry-After"] = str(limited.retry_after)
    return response


def api_rate_check(request: HttpRequest) -> Limited | None:
    """Count the request against its token's limit, or its address's when it carries no valid token."""
    window = settings.ORDERLY_API_RATE_WINDOW
    token_limit, address_limit = settings.ORDERLY_API_RATE_TOKEN, settings.ORDERLY_API_RATE_ADDRESS
    if not token_limit and not address_limit:
        return None
    token = caller(request)
    if token is not None:
        return rate_hit(scope=Scope.TOKEN, key=str(token.pk), limit=token_limit, window_seconds=window)
    return rate_hit(scope=Scope.ADDRESS, key=client_address(request), limit=address_limit, window_seconds=window)


def _as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error answered as a web page by Django itself (outside the API's views), in the API's error shape."""
    if response.status_code < 400 or not response.get("Content-Type", "").startswith("text/html"):
        return response
    if response.status_code == 404:
        return not_found_view(request)
    if response.status_code == 403:
        return error_response(
            ErrorCode.FORBIDDEN, "This request is not allowed.", detail={"role": None, "required_role": None}
        )
    if response.status_code == 405:
        allowed = sorted(method.strip() for method in response.get("Allow", "").split(",") if method.strip())
        replacement = error_response(
            ErrorCode.METHOD_NOT_ALLOWED,
            f"{request.method} is not allowed here.",
            detail={"method": request.method, "allowed": allowed},
        )
        replacement["Allow"] = response.get("Allow", "")
        return replacement
    if response.status_code == 413:
        return too_large()
    if response.status_code >= 500:
        return error_response(ErrorCode.SERVER_ERROR, "Something went wrong on our side; it has been logged.")
    return error_response(ErrorCode.BAD_REQUEST, "The request is malformed.")


class ApiMiddleware:
    """Rate limits and JSON errors for every path under /api/; other paths pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX) and request.path_info != API_PREFIX.rstrip("/"):
            return self.get_response(request)
        limited = api_rate_check(request)
        if limited is not None:
            return rate_limited(limited)
        return _as_json(request, self.get_response(request))
