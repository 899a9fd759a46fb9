"""The lists that grow without bound page by cursor: invoices, the stock ledger, a channel's sync log, batches, roast
batches and the e-mail log. For each: following `next` reads every row exactly once while rows are added, `previous`
leads back, a cursor it did not give out is a 422 naming `cursor`, and the answer holds to its documented schema."""

import base64
import json
from urllib.parse import quote

import pytest

from orderly.core import paging
from tests.api.helpers import error_of
from tests.list_rows import API_LISTS, LISTS, ListCase


@pytest.fixture(params=API_LISTS)
def case(request, db) -> ListCase:
    return LISTS[request.param]()


def _get(api, url: str) -> dict:
    response = api.get(url.removeprefix("http://testserver/api/v1"), role="viewer")
    assert response.status_code == 200, response.content
    return response.json()


def _keys(case: ListCase, page: dict) -> list:
    return [item[case.key] for item in page["items"]]


def _listed(case: ListCase) -> list:
    """The whole list as one page shows it."""
    return _keys(case, _get(case.api, f"{case.url}?page_size=200"))


@pytest.fixture
def filled(api, case) -> ListCase:
    case.api = api
    case.rows = [case.make(place) for place in range(7)]
    return case


def test_next_reads_every_row_once_while_rows_are_added(filled):
    case = filled
    before = _listed(case)
    assert before[:7] == case.rows

    pages = [_get(case.api, f"{case.url}?page_size=3")]
    added = case.make(-1)  # first in the list: it would move every later page's rows by one
    while pages[-1]["next"]:
        pages.append(_get(case.api, pages[-1]["next"]))

    walked = [key for page in pages for key in _keys(case, page)]
    assert walked == before
    assert [page["page"] for page in pages] == [1] + [None] * (len(pages) - 1)
    assert pages[1]["next"].startswith(f"http://testserver/api/v1{case.url}?page_size=3&cursor=")
    back = _get(case.api, pages[2]["previous"])
    assert _keys(case, back) == _keys(case, pages[1])
    assert _listed(case)[0] == added


def test_previous_from_the_second_page_by_cursor_is_the_first(filled):
    case = filled
    first = _get(case.api, f"{case.url}?page_size=3")
    second = _get(case.api, first["next"])
    back = _get(case.api, second["previous"])

    assert first["previous"] is None
    assert _keys(case, back) == _keys(case, first) and back["previous"] is None


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


MADE_UP = {
    "not base64 of JSON": "garbage",
    "an empty list": _cursor(),
    "another list's keys": _cursor("a", ["-order_date", "-id"], ["2026-03-01T09:00:00+00:00", 1]),
    "an id past 64 bits": _cursor("a", ["-id"], [10**30]),
    "too long": "a" * 1001,
    "non-ASCII": "é" * 8,
}


@pytest.mark.parametrize("made_up", MADE_UP)
def test_a_cursor_the_list_did_not_give_is_a_422_naming_it(filled, made_up):
    response = filled.api.get(f"{filled.url}?cursor={quote(MADE_UP[made_up])}", role="viewer")

    assert response.status_code == 422
    assert error_of(response)["field"] == "cursor"


def test_a_cursor_with_values_this_list_cannot_hold_is_a_422(filled):
    first = _get(filled.api, f"{filled.url}?page_size=2")
    direction, keys, values = json.loads(base64.urlsafe_b64decode(first["next"].split("cursor=")[1] + "==="))
    for bad in ("not a value", 10**30, None, 1e300):
        cursor = _cursor(direction, keys, [bad] * len(values))
        response = filled.api.get(f"{filled.url}?cursor={quote(cursor)}", role="viewer")
        assert (response.status_code, error_of(response)["field"]) == (422, "cursor"), bad


def _same_keys(model, data) -> None:
    """Every key the answer has is one the schema declares, and the other way round, at every depth."""
    if isinstance(data, dict) and isinstance(model, dict):
        assert set(data) == set(model), set(data) ^ set(model)
        for key in data:
            _same_keys(model[key], data[key])
    elif isinstance(data, list):
        assert len(data) == len(model)
        for inner_model, inner in zip(model, data, strict=True):
            _same_keys(inner_model, inner)


def test_pages_hold_to_their_schema_by_number_and_by_cursor(filled):
    first = _get(filled.api, f"{filled.url}?page_size=3")
    second = _get(filled.api, first["next"])

    for page in (first, second):
        _same_keys(filled.schema.model_validate(page).model_dump(), page)
    assert (second["page"], second["page_size"], len(second["items"])) == (None, 3, 3)


def test_total_stops_at_the_count_limit_unless_counted_exactly(filled, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)

    bounded = _get(filled.api, f"{filled.url}?page_size=2")
    exact = _get(filled.api, f"{filled.url}?page_size=2&count=exact")

    assert (bounded["total"], bounded["total_exact"]) == (3, False)
    assert exact["total_exact"] is True and exact["total"] >= 7
    assert bounded["next"] is not None
