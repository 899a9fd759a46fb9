"""Green coffee set aside for many roast batches at once: one lock, all or nothing, a ledger line per batch."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import raw_holds, raw_release, stock_receive

D = Decimal
ACTOR = Actor.system()
pytestmark = pytest.mark.django_db


def _state() -> tuple:
    return (
        list(Lot.objects.order_by("id").values_list("number", "held")),
        sorted(Hold.objects.values_list("reference", "lot__number", "quantity")),
        Movement.objects.filter(kind="hold").count(),
    )


def test_many_batches_hold_their_green_in_one_go_with_a_ledger_line_each():
    brazil = stock_receive(kind="raw", lot_name="Brazil", quantity="100", actor=ACTOR)
    kenya = stock_receive(kind="raw", lot_name="Kenya", quantity="50", actor=ACTOR)

    raw_holds(
        holds=[
            ("RB-000001", [(brazil.pk, D("36")), (kenya.pk, D("10"))]),
            ("RB-000002", [(brazil.pk, D("24")), (brazil.pk, D("4"))]),  # two draws on one lot add up
            ("RB-000003", [(kenya.pk, D("0"))]),  # nothing to hold
        ],
        actor=ACTOR,
    )

    assert _state() == (
        [(brazil.number, D("64.000")), (kenya.number, D("10.000"))],
        [
            ("RB-000001", brazil.number, D("36.000")),
            ("RB-000001", kenya.number, D("10.000")),
            ("RB-000002", brazil.number, D("28.000")),
        ],
        3,
    )
    assert sorted(Movement.objects.filter(kind="hold").values_list("reference", "held_change")) == [
        ("RB-000001", D("10.000")),
        ("RB-000001", D("36.000")),
        ("RB-000002", D("28.000")),
    ]
    assert raw_release(reference="RB-000002", actor=ACTOR) == D("28.000")
    assert Lot.objects.get(pk=brazil.pk).held == D("36.000")


def test_what_all_the_batches_want_of_a_lot_together_must_be_there_or_nothing_is_held():
    brazil = stock_receive(kind="raw", lot_name="Brazil", quantity="50", actor=ACTOR)
    kenya = stock_receive(kind="raw", lot_name="Kenya", quantity="50", actor=ACTOR)
    before = _state()

    with pytest.raises(Conflict) as refused:
        raw_holds(
            holds=[("RB-000001", [(kenya.pk, D("5")), (brazil.pk, D("30"))]), ("RB-000002", [(brazil.pk, D("24"))])],
            actor=ACTOR,
        )

    assert (refused.value.code, refused.value.detail) == (
        "green_short",
        {"lot": brazil.number, "requested": "54", "available": "50.000"},
    )
    assert _state() == before


def test_the_queries_do_not_grow_with_the_batches_or_lots():
    lots = [stock_receive(kind="raw", lot_name=f"Lot {i}", quantity="100", actor=ACTOR) for i in range(12)]

    def count(batches: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            raw_holds(
                holds=[(f"RB-{batches}{n:04d}", [(lots[n % len(lots)].pk, D("1"))]) for n in range(batches)],
                actor=ACTOR,
            )
        return len(captured.captured_queries)

    assert count(2) == count(12)
