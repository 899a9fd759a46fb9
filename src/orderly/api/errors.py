"""One JSON shape for every error the API gives: {"error": {"code", "message", "field"}}.

Domain errors keep their own status, code and field; ninja's and pydantic's errors are translated so that a client
sees the field at fault as a dotted path (`items[0].quantity`, `customer.email`).
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from orderly.core.exceptions import DomainError

logger = logging.getLogger(__name__)

# The name every operation gives its JSON body parameter; stripped from error paths.
BODY_PARAM = "payload"

MESSAGES = {
    400: "The request is malformed.",
    401: "A valid API token is required: send the header 'Authorization: Bearer <token>'.",
    403: "Your role may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    422: "The request is invalid.",
}


class ErrorDetail(Schema):
    code: str = Field(description="Stable, machine-readable reason, e.g. `invalid`, `unknown_sku`, `forbidden`.")
    message: str = Field(description="What went wrong and, where possible, how to fix it.")
    field: str | None = Field(description="The input at fault as a dotted path (`items[0].quantity`), or null.")


class ErrorOut(Schema):
    error: ErrorDetail


def error_responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation declares in the OpenAPI schema."""
    return dict.fromkeys(codes, ErrorOut)


def error_response(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json")


def field_path(loc: Iterable[Any]) -> str:
    """('items', 0, 'quantity') → 'items[0].quantity'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _location(loc: tuple) -> tuple[str, str]:
    """Split ninja's error location into its source (body, query, path, header) and the field path inside it."""
    source, rest = (loc[0], tuple(loc[1:])) if loc else ("body", ())
    if source == "body" and rest[:1] == (BODY_PARAM,):
        rest = rest[1:]
    return source, field_path(rest)


def _describe(error: dict) -> tuple[str, str, str | None]:
    """The code, message and field for one pydantic error as ninja reports it."""
    source, field = _location(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    if not field:
        if source == "body":
            return "invalid", "The request body must be a JSON object.", None
        return "invalid", f"The request {source} is invalid: {error.get('msg', '')}.", None
    if kind == "missing":
        return "required", f"{field} is required.", field
    if kind == "extra_forbidden":
        return "unknown_field", f"{field} is not a field this request accepts.", field
    if kind == "value_error" and isinstance(error.get("ctx"), dict) and "error" in error["ctx"]:
        # Our own validators word their errors to follow the field's name.
        return "invalid", f"{field} {str(error['ctx']['error']).rstrip('.')}.", field
    return "invalid", f"{field}: {error.get('msg', 'is invalid').rstrip('.')}.", field


def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    code, message, field = _describe(exc.errors[0]) if exc.errors else ("invalid", MESSAGES[422], None)
    return error_response(422, code, message, field)


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    message = exc.message
    if exc.field and exc.field.lower() not in message.lower():
        # A page shows the message next to its field; an API client reads it alone, so it names the field.
        message = f"{exc.field}: {message}"
    return error_response(exc.status, exc.code, message, exc.field)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        response = error_response(401, "unauthenticated", MESSAGES[401])
        response["WWW-Authenticate"] = 'Bearer realm="orderly"'
        return response
    if isinstance(exc, AuthorizationError):
        return error_response(403, "forbidden", MESSAGES[403])
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(400, "malformed_json", "The request body is not valid JSON.", None)
    status = exc.status_code if 400 <= exc.status_code < 500 else 400
    return error_response(status, "invalid", str(exc) or MESSAGES.get(status, MESSAGES[400]))


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", MESSAGES[404])


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "too_large", MESSAGES[413])
    return error_response(400, "bad_request", MESSAGES[400])


def _on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests racing to create the same unique thing: the loser is told, not crashed.
    logger.warning("Integrity error answered with 409 on %s %s: %s", request.method, request.path, exc)
    return error_response(409, "conflict", "The request conflicts with data written at the same time; retry it.")


def _on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input the validation let through but the database refused: a validation gap, answered as bad input.
    logger.error("Database refused input on %s %s: %s", request.method, request.path, exc)
    return error_response(422, "invalid", "A value is out of the range the database accepts.")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error on %s %s", request.method, request.path)
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


def install(api) -> None:
    """Make every error `api` gives take the one JSON shape."""
    api.add_exception_handler(Exception, _on_unexpected)
    api.add_exception_handler(DomainError, _on_domain_error)
    api.add_exception_handler(NinjaValidationError, _on_validation_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_not_found)
    api.add_exception_handler(SuspiciousOperation, _on_suspicious)
    api.add_exception_handler(IntegrityError, _on_integrity_error)
    api.add_exception_handler(DataError, _on_data_error)


def not_found_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any path under the API that names no endpoint."""
    return error_response(404, "not_found", f"No API endpoint at {request.path}.")


not_found_view.csrf_exempt = True


def json_not_allowed(view):
    """Wrap an endpoint's view so that a method it does not serve gets a JSON 405 (with its Allow header)."""

    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            replacement = error_response(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed or 'another method'}."
            )
            replacement["Allow"] = allowed
            return replacement
        return response

    wrapped.csrf_exempt = True
    return wrapped
