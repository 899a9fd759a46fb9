"""Bearer-token authentication and the role each operation needs.

Every operation names the least role it needs (`auth=can_read`, `can_change_orders`, `can_change_catalog`,
`can_administer`) or is marked `@public`; the check lives here only: no token or a bad one → 401, a role too low →
403. `orderly.api.gate` applies it at the operation's entry, before its input is read.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from orderly.core.exceptions import PermissionDenied
from orderly.core.models import ApiToken
from orderly.core.roles import Role
from orderly.core.services import token_authenticate

_LOOKUP = "_orderly_caller"
PUBLIC_FLAG = "orderly_public"

WHAT_ROLE_ALLOWS = {
    Role.VIEWER: "read",
    Role.OPERATOR: "change orders",
    Role.MANAGER: "change the catalog",
    Role.ADMIN: "administer Orderly",
}


def require_role(user, role: str) -> None:
    """Raise PermissionDenied (403) unless `user` holds `role` or a higher one."""
    if not user.can(role):
        raise PermissionDenied(
            f"Your role ({user.role}) may not {WHAT_ROLE_ALLOWS[Role(role)]}; this needs {role} or above.",
            role=str(user.role),
            required_role=str(role),
        )


def public(view):
    """Mark an operation that takes no token; declare it with `auth=None` and `openapi_extra={"security": []}` too.
    For what proves itself otherwise (an inbound webhook, by its signature over the raw body): every operation not
    marked so is refused with 401 before its input is read (`orderly.api.gate`).

        @router.post("/{int:carrier_id}/webhook", auth=None, ...)
        @public
        def carrier_webhook(request, carrier_id: int): ...
    """
    setattr(view, PUBLIC_FLAG, True)
    return view


def is_public(operation) -> bool:
    """Whether the ninja operation was marked `@public`."""
    return bool(getattr(operation.view_func, PUBLIC_FLAG, False))


def bearer_token(request: HttpRequest) -> str | None:
    """The raw token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()


def caller(request: HttpRequest) -> ApiToken | None:
    """The live API token the request carries (its user loaded), or None: looked up once per request and kept on
    it, for the rate limits, the gate in front of every operation (`orderly.api.gate`) and the operation's auth."""
    raw = bearer_token(request)
    cached = getattr(request, _LOOKUP, None)
    if cached is not None and cached[0] == raw:
        return cached[1]
    token = token_authenticate(raw=raw) if raw is not None else None
    setattr(request, _LOOKUP, (raw, token))
    return token


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, checked against the stored hashes; the request's user needs `role`."""

    def __init__(self, role: str):
        self.role = Role(role)
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        found = caller(request) if token.strip() == bearer_token(request) else token_authenticate(raw=token.strip())
        if found is None:
            return None
        require_role(found.user, self.role)
        return found.user


can_read = BearerToken(Role.VIEWER)
can_change_orders = BearerToken(Role.OPERATOR)
can_change_catalog = BearerToken(Role.MANAGER)
can_administer = BearerToken(Role.ADMIN)
