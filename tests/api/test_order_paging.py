"""The API orders list by cursor, its bounded count, and its answers held to the response schemas."""

import base64
import datetime as dt
import json
from urllib.parse import quote

import pytest

from orderly.api.schemas.orders import OrderOut, OrderPage
from orderly.core import paging
from tests.api.helpers import error_of
from tests.factories import VariantFactory, make_order

START = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def five(db):
    variant = VariantFactory(sku="ESP-250")
    return [
        make_order(items=[{"sku": variant.sku, "quantity": 1}], order_date=START + dt.timedelta(days=day)).number
        for day in range(5)
    ]


def _get(api, url):
    response = api.get(url.removeprefix("http://testserver/api/v1"), role="viewer")
    assert response.status_code == 200, response.content
    return response.json()


def test_next_links_walk_every_order_once_while_new_orders_arrive(api, five):
    first = _get(api, "/orders?page_size=2")
    make_order(order_date=START + dt.timedelta(days=30))  # newest of all: would shift an offset by one
    second = _get(api, first["next"])
    third = _get(api, second["next"])

    walked = [[order["number"] for order in page["items"]] for page in (first, second, third)]
    assert walked == [[five[4], five[3]], [five[2], five[1]], [five[0]]]
    assert (first["page"], second["page"], third["page"]) == (1, None, None)
    assert third["next"] is None
    assert second["next"].startswith("http://testserver/api/v1/orders?page_size=2&cursor=")
    back = _get(api, third["previous"])
    assert [order["number"] for order in back["items"]] == [five[2], five[1]]


def test_cursor_keeps_the_sort_it_was_given_for(api, five):
    first = _get(api, "/orders?page_size=2&sort=number")
    second = _get(api, first["next"])

    assert [order["number"] for order in second["items"]] == five[2:4]
    cursor = first["next"].split("cursor=")[1]
    response = api.get(f"/orders?page_size=2&sort=-total&cursor={cursor}", role="viewer")
    assert response.status_code == 422 and error_of(response)["field"] == "cursor"


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


NEWEST_FIRST = ["-order_date", "-id"]
MADE_UP_CURSORS = {
    "not base64 of JSON": "garbage",
    "an empty list": _cursor(),
    "not a date": _cursor("a", NEWEST_FIRST, ["not a date", 1]),
    "an id past 64 bits": _cursor("a", NEWEST_FIRST, ["2025-03-01T09:00:00+00:00", 10**30]),
    "an id of 1e999": '["a",["-order_date","-id"],["2025-03-01T09:00:00+00:00",1e999]]',
    "a date without a zone": _cursor("a", NEWEST_FIRST, ["2025-03-01T09:00:00", 1]),
    "a date at the end of time": _cursor("b", NEWEST_FIRST, ["9999-12-31T23:59:59-12:00", 1]),
    "another direction": _cursor("x", NEWEST_FIRST, ["2025-03-01T09:00:00+00:00", 1]),
    "a field that is not there": _cursor("a", ["-order_date", "-nothing"], ["2025-03-01T09:00:00+00:00", 1]),
    "non-ASCII": "é" * 8,
}


@pytest.mark.parametrize("case", MADE_UP_CURSORS)
def test_a_cursor_this_list_did_not_give_is_refused_naming_it(api, five, case):
    cursor = MADE_UP_CURSORS[case]
    if cursor.startswith("["):
        cursor = base64.urlsafe_b64encode(cursor.encode()).decode()
    response = api.get(f"/orders?cursor={quote(cursor)}", role="viewer")

    assert response.status_code == 422
    assert error_of(response)["field"] == "cursor"


def test_total_stops_at_the_count_limit_unless_the_exact_count_is_asked(api, five, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)

    bounded = _get(api, "/orders?page_size=2")
    exact = _get(api, "/orders?page_size=2&count=exact")

    assert (bounded["total"], bounded["total_exact"], bounded["pages"]) == (3, False, 2)
    assert (exact["total"], exact["total_exact"], exact["pages"]) == (5, True, 3)
    assert len(bounded["items"]) == 2 and bounded["next"] is not None


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


def test_list_and_detail_answers_hold_to_their_schemas(api, five):
    listed = _get(api, "/orders?page_size=3")
    detail = _get(api, f"/orders/{five[0]}")

    _same_keys(OrderPage.model_validate(listed).model_dump(), listed)
    _same_keys(OrderOut.model_validate(detail).model_dump(), detail)
    assert detail["number"] == five[0]
    assert detail["order_date"] == "2025-03-01T09:00:00Z"


def test_an_orders_detail_runs_four_queries_whatever_its_size(api, db, django_assert_num_queries):
    variants = [VariantFactory() for _ in range(6)]
    small = make_order(items=[{"sku": variants[0].sku, "quantity": 1}])
    large = make_order(items=[{"sku": variant.sku, "quantity": 2} for variant in variants])
    api.get(f"/orders/{small.number}", role="viewer")  # the token's last use is recorded once, not per request

    # the token with its user, the order with its channel and addresses, its items, its charges
    with django_assert_num_queries(4):
        assert len(_get(api, f"/orders/{small.number}")["items"]) == 1
    with django_assert_num_queries(4):
        assert len(_get(api, f"/orders/{large.number}")["items"]) == 6


def test_a_page_of_the_list_runs_five_queries_whatever_its_size(api, five, django_assert_num_queries):
    _get(api, "/orders?page_size=1")

    # the token, the bounded count, the page with channels and addresses, its items, its charges
    with django_assert_num_queries(5):
        assert len(_get(api, "/orders?page_size=2")["items"]) == 2
    with django_assert_num_queries(5):
        assert len(_get(api, "/orders?page_size=5")["items"]) == 5
