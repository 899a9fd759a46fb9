"""Who is calling, settled before anything reads or validates the request.

Every operation of the API needs a token unless it is marked `@public` (`orderly.api.auth`: an inbound webhook,
proved by its signature over the raw body instead). `authenticate_first` wraps each operation at its entry, ahead
of the input guards and of ninja's parsing and validation: an operation that needs a token answers 401 (no valid
token) or 403 (a role too low) without its query, path or body being looked at, so an anonymous caller cannot make
the server parse megabytes or learn anything from a validation error.

The token is looked up once per request (`caller`) and kept on it: the rate limits, this gate and the operation's
own `auth=` all ask the same lookup.
"""

import functools
import inspect

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from orderly.api.auth import caller, is_public, require_role
from orderly.api.errors import unauthenticated
from orderly.core.exceptions import PermissionDenied
from orderly.core.roles import Role


def _operation_of(run):
    """The ninja Operation whose `run` method is at the bottom of the decorators wrapped around it."""
    method = inspect.unwrap(run)
    operation = getattr(method, "__self__", None)
    if operation is None or not hasattr(operation, "auth_callbacks"):
        raise ImproperlyConfigured("authenticate_first must wrap a ninja operation's run (mode='view').")
    return operation


def authenticate_first(run):
    """Ninja view decorator (mode="view", added last so it runs first): refuse a request without a valid token
    (401) or whose token's role is too low for the operation (403) before any other check reads its input.

    An operation that is neither `@public` nor declares an `auth=` still needs a valid token (failing closed);
    `tests/api/test_auth_first.py` checks that every operation is one or the other."""
    operation = _operation_of(run)

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if is_public(operation):
            return run(request, *args, **kwargs)
        token = caller(request)
        if token is None:
            return unauthenticated()
        try:
            for callback in operation.auth_callbacks:
                # The refusal the operation's own auth gives (403), answered before the input is read.
                require_role(token.user, getattr(callback, "role", Role.VIEWER))
        except PermissionDenied as refused:
            return operation.api.on_exception(request, refused)
        return run(request, *args, **kwargs)

    return guarded
