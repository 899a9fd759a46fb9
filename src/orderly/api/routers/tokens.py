"""A person's own API tokens: /tokens (list, create), /tokens/{prefix}/revoke.

Every role manages its own tokens, with any of its tokens; another person's tokens are not found
(`orderly token list` and `revoke` manage everyone's).
"""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from orderly.api.auth import can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.tokens import TokenCreated, TokenIn, TokenOut, TokenPage, TokenQuery, token_dict, token_page
from orderly.core.paging import paginate
from orderly.core.selectors import token_list
from orderly.core.services import token_create, token_revoke

router = Router(tags=["tokens"])


@router.get(
    "/tokens",
    response={200: TokenPage, **error_responses(401, 403, 422)},
    auth=can_read,
    summary="List your API tokens",
)
def list_tokens(request: HttpRequest, query: Query[TokenQuery]):
    """Your tokens, newest first, revoked and expired ones included: prefix, name, dates and status (never the
    token itself)."""
    return token_page(
        paginate(token_list(user=request.auth), page=query.page, page_size=query.page_size), timezone.now()
    )


@router.post(
    "/tokens",
    response={201: TokenCreated, **error_responses(400, 401, 403, 409, 413, 422)},
    auth=can_read,
    summary="Create an API token",
)
def create_token(request: HttpRequest, payload: TokenIn, idempotency_key: str | None = IdempotencyKey):
    """A new token for you, with your role, named and optionally expiring. The answer holds the token itself, once:
    only its hash is kept. A repeat with the same Idempotency-Key makes no second token and answers with the first
    one's record, its `token` null."""

    def run():
        token, raw = token_create(
            username=request.auth.username, name=payload.name, expires_in_days=payload.expires_in_days
        )
        return {**token_dict(token, timezone.now()), "token": raw}

    return respond(
        request,
        idempotency_key,
        run=run,
        schema=TokenCreated,
        status=201,
        stored=lambda answer: {**answer, "token": None},
    )


@router.post(
    "/tokens/{prefix}/revoke",
    response={200: TokenOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    auth=can_read,
    summary="Revoke an API token",
)
def revoke_token(request: HttpRequest, prefix: str, idempotency_key: str | None = IdempotencyKey):
    """Revoke one of your tokens, named by its prefix: from now on it is refused (401). Refused with 409 and code
    `already_revoked` for a token revoked before."""

    def run():
        return token_dict(token_revoke(prefix=prefix, user=request.auth), timezone.now())

    return respond(request, idempotency_key, run=run, schema=TokenOut, status=200)
