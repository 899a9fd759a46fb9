"""GET /lots/{number}/trace and /orders/{number}/items/{item}/trace: green coffee → roast → roasted lot →
packaged lot → order, both ways."""

from datetime import date

import pytest

from orderly.plans.models import PackagingPlan
from orderly.plans.services import allocation_save, packaging_plan_execute, plan_create
from orderly.production.services import batches as roasts
from orderly.production.services.scheduling import roast_schedule
from orderly.shipping.services import fulfillment_create
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import ACTOR, roastery

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    """100 bags of 250 g ordered; roasted from Brazil Santos (36 kg → 30.6 kg), 25 kg packed into 100 bags, 40 of
    them shipped, 60 still held for the order."""
    _, _, green = roastery()
    order = order_of(("ESP-250", 100))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
    allocation_save(plan=plan, actor=ACTOR)
    [batch] = roast_schedule(plan=plan, on=date(2026, 11, 28), actor=ACTOR)
    batch = roasts.roast_batch_complete(batch=batch, green_used_kg="36", roasted_out_kg="30.6", actor=ACTOR)
    packaging = PackagingPlan.objects.get(plan=plan)
    packaging_plan_execute(packaging=packaging, actor=ACTOR)
    packaging.refresh_from_db()
    item = order.items.get()
    fulfillment = fulfillment_create(order=order, items=[{"item": item.pk, "quantity": 40}], actor=ACTOR)
    return {"green": green.number, "roasted": batch.lot.number, "packaged": packaging.lot.number,
            "packaging": packaging.number, "order": order.number, "item": item.pk, "plan": plan.number,
            "fulfillment": fulfillment.number}  # fmt: skip


def expected(c, *, lot_kind: str | None, orders=None) -> dict:
    green = {"number": c["green"], "kind": "raw", "item": "Brazil Santos 2026", "lot_date": "2026-01-01",
             "on_hand": "64", "made_by": None}  # fmt: skip
    roasted = {"number": c["roasted"], "kind": "loose", "item": "Espresso blend", "lot_date": "2026-11-28",
               "on_hand": "5.6", "made_by": "RB-000001"}  # fmt: skip
    packaged = {"number": c["packaged"], "kind": "packaged", "item": "ESP-250", "lot_date": packaged_date(c),
                "on_hand": "60", "made_by": c["packaging"]}  # fmt: skip
    start = {"raw": green, "loose": roasted, "packaged": packaged}.get(lot_kind)
    return {
        "lot": start,
        "green_lots": [green],
        "roast_batches": [
            {
                "number": "RB-000001",
                "status": "completed",
                "date": "2026-11-28",
                "profile": "Espresso blend medium",
                "machine": "Probat 12",
                "product": "Espresso blend",
                "lot": c["roasted"],
                "green": [{"green_lot": c["green"], "kg": "36"}],
            }
        ],  # fmt: skip
        "roasted_lots": [roasted],
        "packaged_lots": [packaged],
        "orders": orders
        if orders is not None
        else [
            {
                "order": c["order"],
                "item": c["item"],
                "sku": "ESP-250",
                "quantity": "60",
                "how": "held",
                "reference": c["plan"],
                "lot": c["packaged"],
            },
            {
                "order": c["order"],
                "item": c["item"],
                "sku": "ESP-250",
                "quantity": "40",
                "how": "shipped",
                "reference": c["fulfillment"],
                "lot": c["packaged"],
            },
        ],  # fmt: skip
    }


def packaged_date(c) -> str:
    from orderly.inventory.models import Lot

    return Lot.objects.get(number=c["packaged"]).lot_date.isoformat()


def test_from_a_green_lot_forward_to_the_orders(api, chain):
    answer = api.get(f"/lots/{chain['green']}/trace", role="viewer")
    assert answer.status_code == 200
    assert answer.json() == expected(chain, lot_kind="raw")


def test_from_a_packaged_lot_back_to_the_green_coffee(api, chain):
    answer = api.get(f"/lots/{chain['packaged'].lower()}/trace", role="viewer")
    assert answer.status_code == 200
    assert answer.json() == expected(chain, lot_kind="packaged")


def test_from_a_roasted_lot_both_ways(api, chain):
    assert api.get(f"/lots/{chain['roasted']}/trace", role="viewer").json() == expected(chain, lot_kind="loose")


def test_from_an_order_item_back(api, chain):
    answer = api.get(f"/orders/{chain['order']}/items/{chain['item']}/trace", role="viewer")
    assert answer.status_code == 200
    assert answer.json() == expected(chain, lot_kind=None)


def test_a_scheduled_roast_shows_in_its_green_lots_trace(api, db):
    _, _, green = roastery()
    order = order_of(("ESP-250", 100))
    plan = plan_create(orders=[order.number], fulfillment_date=FULFILLMENT_DATE, actor=ACTOR)
    allocation_save(plan=plan, actor=ACTOR)
    roast_schedule(plan=plan, on=date(2026, 11, 28), actor=ACTOR)
    body = api.get(f"/lots/{green.number}/trace", role="viewer").json()
    assert [(b["number"], b["status"], b["green"], b["lot"]) for b in body["roast_batches"]] == [
        ("RB-000001", "scheduled", [{"green_lot": green.number, "kg": "36"}], None)
    ]
    assert (body["roasted_lots"], body["packaged_lots"], body["orders"]) == ([], [], [])


def test_unknown_lot_order_and_item_are_404_naming_the_field(api, chain):
    assert api.get("/lots/LOT-999999/trace", role="viewer").json()["error"]["field"] == "lot"
    assert api.get("/lots/LOT-999999/trace", role="viewer").status_code == 404
    answer = api.get(f"/orders/{chain['order']}/items/999999/trace", role="viewer")
    assert (answer.status_code, answer.json()["error"]["field"]) == (404, "item")
    assert api.get("/orders/OR-999999/items/1/trace", role="viewer").status_code == 404


def test_the_trace_needs_a_token(client, chain):
    assert client.get(f"/api/v1/lots/{chain['green']}/trace").status_code == 401
