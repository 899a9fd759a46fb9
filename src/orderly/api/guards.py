"""Checks on raw input that run before any endpoint parses it."""

import functools
import json
import re

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from orderly.api.errors import error_response, field_path, too_large
from orderly.core.error_codes import ErrorCode

# NUL, and halves of a surrogate pair standing alone (JSON can spell them; no text encoding can store them).
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
# How either can arrive in a JSON body: escaped.
UNSTORABLE_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")
# Far more than any order needs; deeper JSON would only exhaust the stack of whatever walks it next.
MAX_DEPTH = 20


def _first_problem(data) -> tuple[str, tuple] | None:
    """("text" or "depth", path) of the first unstorable string or too-deep value in parsed JSON, or None.

    Walks with its own stack, in document order, so that deep input cannot exhaust Python's.
    """
    stack = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return "depth", path[: MAX_DEPTH + 1]
        if isinstance(value, str):
            if UNSTORABLE.search(value):
                return "text", path
        elif isinstance(value, dict):
            for key in value:
                if UNSTORABLE.search(key):
                    return "text", (*path, key)
            stack.extend(((item, (*path, key)) for key, item in reversed(value.items())))
        elif isinstance(value, list):
            stack.extend(((item, (*path, index)) for index, item in reversed(list(enumerate(value)))))
    return None


def _problem(request: HttpRequest, path_params: dict) -> tuple[str, str] | None:
    """(field, what is wrong with it) for the first bad value in the path, query or body, or None."""
    for name, value in [*path_params.items(), *request.GET.lists()]:
        if UNSTORABLE.search(name) or _first_problem(value) is not None:
            return name, "contains a NUL character or broken Unicode"
    if request.content_type in ("text/csv", "multipart/form-data"):
        return None  # a file: its reader refuses what it cannot use, with the line and column
    body = request.body
    # Parse here only when the body could hold a problem; the endpoint parses it again.
    if UNSTORABLE_ESCAPE.search(body) or body.count(b"{") + body.count(b"[") > MAX_DEPTH:
        try:
            found = _first_problem(json.loads(body))
        except (ValueError, RecursionError):
            return None  # the endpoint answers malformed JSON itself
        if found is not None:
            kind, path = found
            if kind == "depth":
                return field_path(path), f"is nested more than {MAX_DEPTH} levels deep"
            return field_path(path), "contains a NUL character or broken Unicode"
    return None


def reject_unstorable_input(run):
    """Refuse NUL characters and lone surrogates anywhere in the path, query or JSON body, and absurdly deep JSON.

    No text field has a use for those characters and the database cannot store them: let through, they would fail
    the write with a server error rather than a clear answer.
    """

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args, **kwargs):
        try:
            problem = _problem(request, kwargs)
        except RequestDataTooBig:
            return too_large()
        if problem is not None:
            field, what = problem
            return error_response(ErrorCode.INVALID, f"{field or 'The request body'} {what}.", field or None)
        return run(request, *args, **kwargs)

    return guarded
