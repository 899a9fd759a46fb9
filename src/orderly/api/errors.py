"""One JSON shape for every error the API gives: {"error": {"code", "message", "field", "detail"}}.

The code comes from the one catalogue (`orderly.core.error_codes.ErrorCode`), which fixes the HTTP status and the
keys of `detail`. Domain errors keep their code, field and detail; ninja's and pydantic's errors are translated so
that a client sees the field at fault as a dotted path (`items[0].quantity`, `customer.email`).

An IntegrityError or DataError reaching an endpoint is a bug: some service let through input the database then
refused. It is still answered in the one shape (409 `write_conflict`, 422 `invalid`), and logged at ERROR with the
request's path and counted (`orderly.core.faults`), so that it gets fixed in the service.
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from orderly.core import faults
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import DomainError

logger = logging.getLogger(__name__)

# The name every operation gives its JSON body parameter; stripped from error paths.
BODY_PARAM = "payload"


class ErrorBody(Schema):
    code: ErrorCode = Field(description="Stable, machine-readable reason from the catalogue of error codes.")
    message: str = Field(description="What went wrong and, where possible, how to fix it.")
    field: str | None = Field(description="The input at fault as a dotted path (`items[0].quantity`), or null.")
    detail: dict[str, Any] = Field(
        description="The data of the refusal (which SKU, how many were needed and available, the current and "
        "attempted state…). Its keys depend on `code`: each error answer below lists them per code, with an "
        "example, as does the README's 'Error codes'. Empty for codes that carry no data."
    )


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation declares in the OpenAPI schema (each documented with its codes)."""
    return dict.fromkeys(statuses, ErrorOut)


def error_response(
    code: ErrorCode, message: str, field: str | None = None, detail: dict[str, Any] | None = None
) -> HttpResponse:
    """The answer for `code` (with its status from the catalogue)."""
    body = {"error": {"code": code, "message": message, "field": field, "detail": detail or {}}}
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=code.status, content_type="application/json")


def too_large() -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(ErrorCode.TOO_LARGE, "The request body is too large.", detail={"max_bytes": limit})


def unauthenticated() -> HttpResponse:
    response = error_response(
        ErrorCode.UNAUTHENTICATED,
        "A valid API token is required: send the header 'Authorization: Bearer <token>'.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="orderly"'
    return response


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


def _describe(error: dict) -> tuple[ErrorCode, str, str | None]:
    """The code, message and field for one pydantic error as ninja reports it."""
    source, field = _location(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    if not field:
        if source == "body":
            return ErrorCode.INVALID, "The request body must be a JSON object.", None
        return ErrorCode.INVALID, f"The request {source} is invalid: {error.get('msg', '')}.", None
    if kind == "missing":
        return ErrorCode.REQUIRED, f"{field} is required.", field
    if kind == "extra_forbidden":
        return ErrorCode.UNKNOWN_FIELD, f"{field} is not a field this request accepts.", field
    if kind == "value_error" and isinstance(error.get("ctx"), dict) and "error" in error["ctx"]:
        # Our own validators word their errors to follow the field's name.
        return ErrorCode.INVALID, f"{field} {str(error['ctx']['error']).rstrip('.')}.", field
    return ErrorCode.INVALID, f"{field}: {error.get('msg', 'is invalid').rstrip('.')}.", field


def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    if not exc.errors:
        return error_response(ErrorCode.INVALID, "The request is invalid.")
    return error_response(*_describe(exc.errors[0]))


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    message = exc.message
    if exc.field and exc.field.lower() not in message.lower():
        # A page shows the message next to its field; an API client reads it alone, so it names the field.
        message = f"{exc.field}: {message}"
    return error_response(exc.code, message, exc.field, exc.detail)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return unauthenticated()
    if isinstance(exc, AuthorizationError) or exc.status_code == 403:
        return error_response(
            ErrorCode.FORBIDDEN, "Your role may not do this.", detail={"role": None, "required_role": None}
        )
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(ErrorCode.MALFORMED_JSON, "The request body is not valid JSON.")
    return error_response(ErrorCode.BAD_REQUEST, str(exc) or "The request is malformed.")


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found_view(request)


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    return error_response(ErrorCode.BAD_REQUEST, "The request is malformed.")


def _on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests racing to create the same unique thing, or a check a service lacks: answered, logged, counted.
    faults.fault_record(faults.INTEGRITY_ERROR, method=request.method, path=request.path, error=exc)
    return error_response(
        ErrorCode.WRITE_CONFLICT, "The request conflicts with data written at the same time; retry it."
    )


def _on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input the validation let through but the database refused: a validation gap, answered as bad input.
    faults.fault_record(faults.DATA_ERROR, method=request.method, path=request.path, error=exc)
    return error_response(ErrorCode.INVALID, "A value is out of the range the database accepts.")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error on %s %s", request.method, request.path)
    return error_response(ErrorCode.SERVER_ERROR, "Something went wrong on our side; it has been logged.")


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
    return error_response(
        ErrorCode.UNKNOWN_ENDPOINT, f"No API endpoint at {request.path}.", detail={"path": request.path}
    )


not_found_view.csrf_exempt = True


def json_not_allowed(view):
    """Wrap an endpoint's view so that a method it does not serve gets a JSON 405 (with its Allow header)."""

    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            methods = sorted(method.strip() for method in allowed.split(",") if method.strip())
            replacement = error_response(
                ErrorCode.METHOD_NOT_ALLOWED,
                f"{request.method} is not allowed here; use {', '.join(methods) or 'another method'}.",
                detail={"method": request.method, "allowed": methods},
            )
            replacement["Allow"] = allowed
            return replacement
        return response

    wrapped.csrf_exempt = True
    return wrapped
