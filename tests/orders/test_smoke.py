from decimal import Decimal

from tests.factories import make_order


def test_order_create_numbers_and_totals(db):
    order = make_order()
    assert order.number == "OR-000001"
    assert order.total == Decimal("18.53")
    assert order.events.count() == 1
