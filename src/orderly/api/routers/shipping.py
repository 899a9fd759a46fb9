"""The shipping endpoints of /api/v1."""

from ninja import Router

router = Router(tags=["shipping"])
