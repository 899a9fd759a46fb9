"""Types shared by the API's request and response bodies."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

# Money and quantities leave the API as decimal strings ("18.53") so that no client rounds them through a float.
Money = Annotated[str, Field(json_schema_extra={"format": "decimal"}, examples=["18.53"])]
Amount = Annotated[str, Field(json_schema_extra={"format": "decimal"}, examples=["0.250"])]

# Money arrives as a JSON number or a decimal string; the services check its range and decimals.
MoneyIn = Annotated[Decimal, Field(examples=["8.50"])]


def _to_utc(value: dt.datetime) -> dt.datetime:
    """A time without an offset is taken as UTC; one that cannot be expressed in UTC is refused."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is out of the range of dates Orderly can store") from None


def _iso_text_only(value):
    """A time arrives as ISO 8601 text; a bare number (which pydantic would read as seconds since 1970) is refused."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("must be an ISO 8601 date and time such as 2026-11-30T14:05:00+01:00, not a number")
    return value


UtcDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_text_only),
    AfterValidator(_to_utc),
    Field(description="ISO 8601 date and time; without an offset it is taken as UTC."),
]

JsonObject = dict[str, Any]

# Ids are 64-bit in the database; a bigger number names nothing and must not reach a query.
MAX_ID = 2**63 - 1


class InputSchema(Schema):
    """A request body: fields it does not know are refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class OutputSchema(BaseModel):
    """A response body, built from plain data (not from model instances, so without ninja's attribute lookups)."""


class PagedQuery(Schema):
    """The paging parameters of a list that pages by cursor, for its query schema to extend with its filters."""

    page: int = Field(1, description="A page by its number; for deep pages follow `next` (by cursor) instead")
    page_size: int = Field(50, description="1 to 200")
    cursor: str = Field(
        "",
        max_length=1000,
        description="The page a `next` or `previous` link points at; stable while rows are added. Keep the filters "
        "and sort of the request that gave it.",
    )
    count: Literal["", "exact"] = Field(
        "", description="exact: count every match (slower); by default `total` stops at 10,000"
    )

    def paging(self, keys: tuple[str, ...]) -> dict:
        """paginate's paging arguments for a list sorted by `keys`: by cursor when one is given, else by number."""
        return {
            "page": None if self.cursor else self.page,
            "page_size": self.page_size,
            "exact_count": self.count == "exact",
            "keys": keys,
            "cursor": self.cursor or None,
        }


class PageMeta(OutputSchema):
    total: int = Field(
        description="How many match, over all pages: exact when `total_exact`; otherwise at least this many (the "
        "count stops at 10,000 unless the request asks for `count=exact`)."
    )
    total_exact: bool = Field(True, description="Whether `total` and `pages` are exact or lower bounds.")
    page: int | None = Field(description="The page's number; null for a page asked for by `cursor`.")
    page_size: int
    pages: int = Field(description="How many pages; a lower bound unless `total_exact`.")
    next: str | None = Field(None, description="The URL of the next page (by cursor), or null on the last page.")
    previous: str | None = Field(
        None, description="The URL of the previous page (by cursor) where the list pages by cursor, or null."
    )


def page_meta(page, request=None) -> dict:
    """The page's figures; with the request, the links to the pages next to it when the page carries cursors."""
    meta = {
        "total": page.total,
        "total_exact": page.total_exact,
        "page": page.page,
        "page_size": page.page_size,
        "pages": page.pages,
        "next": None,
        "previous": None,
    }
    if request is not None:
        meta["next"] = _link(request, page.next_cursor)
        meta["previous"] = _link(request, page.previous_cursor)
    return meta


def _link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params.pop("page", None)
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
