"""Roles, ordered by what they may do; each role may do all a lower one may."""

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"  # reads everything
    OPERATOR = "operator", "Operator"  # also changes orders
    MANAGER = "manager", "Manager"  # also the catalog and settings
    ADMIN = "admin", "Admin"  # everything, including users


ROLE_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def role_allows(role: str, required: str) -> bool:
    """True when `role` ranks at or above `required`."""
    return ROLE_RANK.get(Role(role), -1) >= ROLE_RANK[Role(required)] if role in Role.values else False
