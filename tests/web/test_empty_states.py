"""Every overview with no rows says whether there are none at all or a filter hides them."""

import pytest

from tests.web.helpers import text

pytestmark = pytest.mark.django_db

OVERVIEWS = [
    ("/products/", {"q": "nothing-like-this"}, "products"),
    ("/plans/", {"status": "open"}, "fulfillment plans"),
    ("/inventory/", {"q": "nothing-like-this"}, "stock rows"),
    ("/inventory/lots/", {"q": "nothing-like-this"}, "lots"),
    ("/inventory/ledger/", {"sku": "NOPE-1"}, "stock movements"),
    ("/roasts/schedules/", {"status": "scheduled"}, "roast batches"),
]


@pytest.mark.parametrize(("path", "filters", "things"), OVERVIEWS)
def test_an_empty_overview_says_whether_a_filter_hides_the_rows(op, path, filters, things):
    unfiltered = text(op.get(path))
    assert f"There are no {things} yet." in unfiltered or "There is no stock yet." in unfiltered
    assert "match these filters" not in unfiltered

    filtered = op.get(path, filters)
    assert filtered.status_code == 200
    assert f"No {things} match these filters. Clear the filters to see every one." in text(filtered)
    assert f'<a href="{path}">Clear the filters</a>' in filtered.content.decode()


def test_paging_or_sorting_alone_is_no_filter(op):
    assert "There are no products yet." in text(op.get("/products/", {"page": "1", "sort": "name"}))
