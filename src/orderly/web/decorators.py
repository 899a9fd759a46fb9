"""Who may see and do what in the web pages: every page needs a login, changes need a role.

The one decorator every view wears also turns away input no database can hold, before any view reads it.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from django_htmx.http import HttpResponseClientRedirect

from orderly.core.roles import ROLE_RANK, Role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def forbidden(request, message: str) -> TemplateResponse:
    return TemplateResponse(request, "web/403.html", {"message": message}, status=403)


def bad_request(request, message: str) -> TemplateResponse:
    return TemplateResponse(request, "web/400.html", {"message": message}, status=400)


def unstorable_part(request) -> str | None:
    """Which part of the request holds a NUL character, which no database text column can store; None if none."""
    if "\x00" in request.path:
        return "address"
    for source in (request.GET, request.POST):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return "field " + key.replace("\x00", "\\0")[:100]
    return None


def role_required(role: str = "viewer", *, write: str | None = None):
    """Require a login and `role` for the view; with `write`, POSTs need that role as well.

    `@role_required()` is a page anyone logged in may read; `@role_required(write="operator")` is a page
    viewers may read but only operators may post to; `@role_required("manager")` is a page (a form) only
    managers may open at all.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                login = redirect_to_login(request.get_full_path())
                if request.htmx:
                    # A partial swap would put the login page inside the results; send the whole window there.
                    return HttpResponseClientRedirect(login["Location"])
                return login
            needed = role if request.method in SAFE_METHODS else max_role(role, write)
            if not user.can(needed):
                return forbidden(request, f"This needs the {needed} role; you are signed in as a {user.role}.")
            if part := unstorable_part(request):
                return bad_request(request, f"The {part} holds a NUL character, which Orderly cannot store.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def max_role(first: str, second: str | None) -> str:
    if second is None:
        return first
    return first if ROLE_RANK[Role(first)] >= ROLE_RANK[Role(second)] else second
