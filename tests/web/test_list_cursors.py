"""The overviews of lists that grow without bound link deep pages by cursor: invoices, the stock ledger, the sync
log, the updates to the shops, batches, roast schedules and the e-mail log. Next → reads every row once while rows
are added, ← Previous leads back, and a made-up cursor is named on the page with a way back to the first page."""

import re
from html import unescape

import pytest

from orderly.web.views import common
from tests.list_rows import LISTS, ListCase
from tests.web.helpers import text

PAGE_SIZE = 3


@pytest.fixture(params=list(LISTS))
def case(request, db, monkeypatch) -> ListCase:
    monkeypatch.setattr(common, "PAGE_SIZE", PAGE_SIZE)
    built = LISTS[request.param]()
    built.rows = [built.make(place) for place in range(7)]
    return built


def _link(response, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" [^>]*rel="{rel}"', response.content.decode())
    return unescape(found.group(1)) if found else None


def _keys(case: ListCase, response) -> list:
    assert response.status_code == 200, text(response)
    return [getattr(row, case.key) for row in response.context["page"].items]


def _walk(viewer, case: ListCase, first, meanwhile=lambda: None) -> list:
    pages = [first]
    meanwhile()
    while link := _link(pages[-1], "next"):
        pages.append(viewer.get(case.web_url + link))
    return pages


def test_next_reads_every_row_once_while_rows_are_added(viewer, case):
    everything = [key for page in _walk(viewer, case, viewer.get(case.web_url)) for key in _keys(case, page)]
    assert everything[:7] == case.rows
    # A row first in the list, added after the first page was read: it would move every later page's rows by one.
    pages = _walk(viewer, case, viewer.get(case.web_url), meanwhile=lambda: case.make(-1))

    assert [key for page in pages for key in _keys(case, page)] == everything
    assert all("cursor=" in _link(page, "prev") for page in pages[2:])
    assert f"Page 3 of {len(pages)}" in text(pages[2])
    back = viewer.get(case.web_url + _link(pages[2], "prev"))
    assert _keys(case, back) == _keys(case, pages[1])
    assert "cursor=" not in _link(pages[1], "prev") and "page=1" in _link(pages[1], "prev")


def test_a_made_up_cursor_is_named_with_a_way_back(viewer, case):
    response = viewer.get(case.web_url, {"page": "2", "cursor": "not-one-of-ours"})

    assert response.status_code in (400, 422)  # as each overview answers filters it cannot use
    assert "This page cannot be shown: cursor is not one this list gave out for this sort" in text(response)
    assert "Go to the first page" in text(response)
    assert response.context["page"] is None
