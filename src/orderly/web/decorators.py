"""Who may see and do what in the web pages: every page needs a login, changes need a role."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse

from orderly.core.roles import ROLE_RANK, Role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def forbidden(request, message: str) -> TemplateResponse:
    return TemplateResponse(request, "web/403.html", {"message": message}, status=403)


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
                return redirect_to_login(request.get_full_path())
            needed = role if request.method in SAFE_METHODS else max_role(role, write)
            if not user.can(needed):
                return forbidden(request, f"This needs the {needed} role; you are signed in as a {user.role}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def max_role(first: str, second: str | None) -> str:
    if second is None:
        return first
    return first if ROLE_RANK[Role(first)] >= ROLE_RANK[Role(second)] else second
