"""An IntegrityError or DataError reaching the API: still answered in the one shape, but logged at ERROR with the
request's path and counted, as the bug it is."""

import logging

import pytest
from django.db import DataError, IntegrityError

from orderly.core import faults
from orderly.orders import services
from orderly.orders.models import OrderEvent
from tests.api.helpers import error_of
from tests.factories import make_order

pytestmark = pytest.mark.database_refusal


@pytest.mark.parametrize(
    ("error", "kind", "status", "code", "message"),
    [
        (
            IntegrityError('duplicate key value violates unique constraint "orders_note"'),
            faults.INTEGRITY_ERROR,
            409,
            "write_conflict",
            "The request conflicts with data written at the same time; retry it.",
        ),
        (
            DataError("numeric field overflow"),
            faults.DATA_ERROR,
            422,
            "invalid",
            "A value is out of the range the database accepts.",
        ),
    ],
)
def test_a_database_refusal_is_answered_logged_and_counted(
    api, variant, monkeypatch, caplog, error, kind, status, code, message
):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    events = OrderEvent.objects.count()

    def refused(**kwargs):
        raise error

    monkeypatch.setattr(services, "order_note_add", refused)
    before = faults.fault_counts()

    with caplog.at_level(logging.ERROR, logger=faults.__name__):
        response = api.post(f"/orders/{order.number}/notes", {"text": "Called"}, role="operator")

    assert response.status_code == status
    assert error_of(response) == {"code": code, "message": message, "field": None, "detail": {}}
    assert faults.fault_counts() == {**before, kind: before[kind] + 1}
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == faults.__name__]
    assert logged == [
        (
            "ERROR",
            f"{type(error).__name__} reached POST /api/v1/orders/{order.number}/notes: {error}. "
            "A service should have refused this input with its own error first.",
        )
    ]
    assert OrderEvent.objects.count() == events


def test_an_unknown_kind_of_fault_is_refused():
    with pytest.raises(ValueError, match="Unknown fault kind 'timeout'"):
        faults.fault_record("timeout", method="GET", path="/", error=RuntimeError("slow"))
