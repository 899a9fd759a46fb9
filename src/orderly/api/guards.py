"""Checks on raw input that run before any endpoint parses it."""

import functools
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from orderly.api.errors import error_response, field_path


def _nul_path(value, path: tuple = ()) -> tuple | None:
    """The path to the first string (or key) holding a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return (*path, key)
            if (found := _nul_path(item, (*path, key))) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_path(item, (*path, index))) is not None:
                return found
    return None


def _nul_field(request: HttpRequest, path_params: dict) -> str | None:
    for name, value in [*path_params.items(), *request.GET.lists()]:
        if _nul_path(value) is not None or "\x00" in name:
            return name
    # A NUL in a JSON string can only arrive escaped; look closer only when the escape is there.
    if b"\\u0000" in request.body:
        try:
            found = _nul_path(json.loads(request.body))
        except ValueError:
            return None  # the endpoint answers malformed JSON itself
        if found is not None:
            return field_path(found) or None
    return None


def reject_nul(run):
    """Refuse NUL characters anywhere in the path, query or JSON body.

    No text field has a use for them, and PostgreSQL cannot store them: let through, they would fail the write.
    """

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args, **kwargs):
        try:
            field = _nul_field(request, kwargs)
        except RequestDataTooBig:
            return error_response(413, "too_large", "The request body is too large.")
        if field is not None:
            return error_response(422, "invalid", f"{field} contains a NUL character.", field)
        return run(request, *args, **kwargs)

    return guarded
