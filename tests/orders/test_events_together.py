"""Timeline events recorded together: kept while the block runs, written in one statement at its end in the order
they were recorded, dropped when the block raises."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orderly.core.actors import Actor
from orderly.orders import events
from orderly.orders.models import OrderEvent
from tests.factories import make_order

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def _timeline(order) -> list[tuple[str, str]]:
    return list(
        OrderEvent.objects.filter(order=order, kind__in=["stage_changed", "archived", "shipped"])
        .order_by("id")
        .values_list("kind", "message")
    )


def test_events_recorded_together_are_written_in_one_statement_in_their_order():
    order = make_order()
    note = events.Note("shipped", lambda lines: f"Shipped {len(lines)} line(s).")

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured, events.recorded_together():
            events.stage_changed(order, SYSTEM, "new", "in_progress")
            note.write(order.pk, SYSTEM)
            with events.recorded_together():  # an inner block leaves the writing to the outer one
                events.archived(order, SYSTEM)
            assert captured.captured_queries == []  # nothing written yet
        assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]

    assert _timeline(order) == [
        ("stage_changed", "Stage changed from New to In progress."),
        ("shipped", "Shipped 0 line(s)."),
        ("archived", "Order archived."),
    ]


def test_events_of_a_block_that_raises_are_dropped_and_the_next_are_written_at_once():
    order = make_order()

    with pytest.raises(RuntimeError), transaction.atomic(), events.recorded_together():
        events.archived(order, SYSTEM)
        raise RuntimeError("the step failed")
    events.stage_changed(order, SYSTEM, "new", "in_progress")  # outside a block: written as it is recorded

    assert _timeline(order) == [("stage_changed", "Stage changed from New to In progress.")]
