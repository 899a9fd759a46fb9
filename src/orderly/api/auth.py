"""Bearer-token authentication and the role each operation needs.

Every operation names the least role it needs (`auth=can_read`, `can_change_orders`, `can_change_catalog`,
`can_administer`); the check lives here only: no token or a bad one → 401, a role too low → 403.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from orderly.core.exceptions import PermissionDenied
from orderly.core.roles import Role
from orderly.core.services import token_authenticate

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


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, checked against the stored hashes; the request's user needs `role`."""

    def __init__(self, role: str):
        self.role = Role(role)
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        found = token_authenticate(raw=token.strip())
        if found is None:
            return None
        require_role(found.user, self.role)
        return found.user


can_read = BearerToken(Role.VIEWER)
can_change_orders = BearerToken(Role.OPERATOR)
can_change_catalog = BearerToken(Role.MANAGER)
can_administer = BearerToken(Role.ADMIN)
