"""Page-number paging with a fixed number of queries: one count, one page."""

from dataclasses import dataclass
from math import ceil

from orderly.core.exceptions import ValidationError

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(queryset, *, page: int = 1, page_size: int = 50) -> Page:
    """Slice an ordered queryset; the caller's ordering must end on a unique column."""
    if page < 1:
        raise ValidationError("page must be 1 or more.", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.", field="page_size")
    total = queryset.count()
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size]) if start < total else []
    return Page(items=items, total=total, page=page, page_size=page_size)
