"""The overview's query string → the orders selector's filters, and back into the filter form."""

import datetime as dt
from dataclasses import dataclass, field

from orderly.core.exceptions import ValidationError
from orderly.orders.selectors import DEFAULT_SORT, OrderFilters

ARCHIVED = {"hide": False, "only": True, "all": None}
TEST = ARCHIVED  # the shops' test orders, hidden by default like archived ones
HAS_ERROR = {"": None, "yes": True, "no": False}
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
SORT_LABELS = {
    "-date": "Newest first",
    "date": "Oldest first",
    "-number": "Number, high to low",
    "number": "Number, low to high",
    "-total": "Total, high to low",
    "total": "Total, low to high",
}
FILTER_KEYS = (
    "q",
    "status",
    "stage",
    "fulfillment_status",
    "payment_status",
    "channel",
    "customer_type",
    "has_error",
    "error_code",
    "archived",
    "test",
    "date_from",
    "date_to",
)


@dataclass
class OverviewQuery:
    filters: OrderFilters
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    values: dict = field(default_factory=dict)  # what the filter form shows, as typed
    cursor: str = ""  # a deep page's place in the list (orderly.core.paging); `page` then only numbers it
    exact_count: bool = False  # count every match, past the usual 10,000

    @property
    def is_filtered(self) -> bool:
        return any(self.values.get(key) not in ("", "hide") for key in FILTER_KEYS)


def _date(raw: str, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{name} {raw!r} is not a date (YYYY-MM-DD).", field=name) from None


def _positive_int(raw: str, name: str, default: int | None) -> int | None:
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError(f"{name} must be a whole number, not {raw!r}.", field=name)
    return int(raw)


def _one_of(raw: str, name: str, choices: dict):
    if raw not in choices:
        options = ", ".join(repr(key) for key in choices)
        raise ValidationError(f"{name} must be one of {options}, not {raw!r}.", field=name)
    return choices[raw]


def parse_overview(params) -> tuple[OverviewQuery, ValidationError | None]:
    """Read the overview's parameters. On bad input: the defaults, the values as typed, and the error."""
    values = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    values["archived"] = values["archived"] or "hide"
    values["test"] = values["test"] or "hide"
    values["sort"] = params.get("sort", "").strip() or DEFAULT_SORT
    values["page_size"] = params.get("page_size", "").strip() or str(DEFAULT_PAGE_SIZE)
    try:
        page_size = _positive_int(values["page_size"], "page_size", DEFAULT_PAGE_SIZE)
        if page_size not in PAGE_SIZES:
            raise ValidationError(
                f"page_size must be one of {', '.join(map(str, PAGE_SIZES))}, not {page_size}.", field="page_size"
            )
        filters = OrderFilters(
            q=values["q"][:200],
            status=values["status"],
            stage=values["stage"],
            fulfillment_status=values["fulfillment_status"],
            payment_status=values["payment_status"],
            channel=_positive_int(values["channel"], "channel", None),
            customer_type=values["customer_type"],
            has_error=_one_of(values["has_error"], "has_error", HAS_ERROR),
            error_code=values["error_code"][:64],
            archived=_one_of(values["archived"], "archived", ARCHIVED),
            test=_one_of(values["test"], "test", TEST),
            date_from=_date(values["date_from"], "date_from"),
            date_to=_date(values["date_to"], "date_to"),
            sort=values["sort"],
        )
        page = _positive_int(params.get("page", "").strip(), "page", 1) or 1
    except ValidationError as exc:
        return OverviewQuery(filters=OrderFilters(), values=values), exc
    return OverviewQuery(
        filters=filters,
        page=page,
        page_size=page_size,
        values=values,
        cursor=params.get("cursor", "").strip(),
        exact_count=params.get("count", "") == "exact",
    ), None
