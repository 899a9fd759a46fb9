"""Request and response bodies of the API token endpoints: a person's own tokens, never the token itself except
once, in the answer that creates it."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import InputSchema, OutputSchema, PageMeta, page_meta
from orderly.core.models import ApiToken, TokenStatus
from orderly.core.services import MAX_TOKEN_DAYS

# ---- requests ------------------------------------------------------------------------------------------------


class TokenIn(InputSchema):
    name: str = Field("", description="What the token is for; at most 100 characters", examples=["Shop sync"])
    expires_in_days: int | None = Field(
        None,
        strict=True,
        description=f"Refused after this many days, 1 to {MAX_TOKEN_DAYS}; left out or null: valid until revoked",
        examples=[90],
    )


class TokenQuery(Schema):
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


# ---- responses -----------------------------------------------------------------------------------------------


class TokenOut(OutputSchema):
    prefix: str = Field(description="The token's first 12 characters: its name when listed and revoked")
    name: str
    status: str = Field(description="active, expired or revoked", json_schema_extra={"enum": TokenStatus.values})
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Last accepted, to the minute; null: never used")
    expires_at: dt.datetime | None = Field(description="Null: valid until revoked")
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str | None = Field(
        description="The token, shown only in this answer: keep it. Null when the answer is replayed for a repeated "
        "Idempotency-Key, since Orderly keeps no copy of it (revoke that token and create another if it was lost)."
    )


class TokenPage(PageMeta):
    items: list[TokenOut] = Field(description="Newest first")


def token_dict(token: ApiToken, now: dt.datetime) -> dict:
    return {
        "prefix": token.prefix,
        "name": token.name,
        "status": token.status_at(now),
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def token_page(page, now: dt.datetime) -> dict:
    return {**page_meta(page), "items": [token_dict(token, now) for token in page.items]}
