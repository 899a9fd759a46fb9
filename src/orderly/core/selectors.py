"""Reads of people and tokens shared by the API, the web pages and the command."""

from django.db.models import QuerySet

from orderly.core.exceptions import NotFound
from orderly.core.models import ApiToken, User


def token_list(*, user: User | None = None, username: str | None = None) -> QuerySet[ApiToken]:
    """API tokens, newest first, with their users: `user`'s, or those of the user named `username`, or everyone's."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if username is not None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise NotFound(f"No user named {username!r}.", field="username", resource="user", key=username) from None
    if user is not None:
        tokens = tokens.filter(user=user)
    return tokens
