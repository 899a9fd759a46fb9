"""Every inventory and plan endpoint under every role: 401 without a token, 403 below its role — changing
nothing — and success at and above it."""

import datetime as dt

import pytest

from orderly.core.actors import Actor
from orderly.core.roles import ROLE_RANK, Role
from orderly.inventory.services import stock_receive
from orderly.plans.models import PackagingPlan
from orderly.plans.services import allocation_save, packaging_plan_execute, pick_complete, plan_create
from tests.api.helpers import error_of
from tests.api.test_plans import state
from tests.factories import ProductFactory, VariantFactory, make_order

ROLES = ["viewer", "operator", "manager", "admin"]

# method, path, least role, body, success status
ENDPOINTS = [
    ("GET", "/inventory", "viewer", None, 200),
    ("GET", "/inventory/lots", "viewer", None, 200),
    ("GET", "/inventory/ledger", "viewer", None, 200),
    ("POST", "/inventory/receipts", "operator", {"kind": "loose", "product": "Espresso blend", "quantity": 2}, 201),
    ("POST", "/inventory/adjustments", "manager", {"lot": "LOT-000002", "quantity": "-0.5", "reason": "Spilt"}, 201),
    ("GET", "/plans", "viewer", None, 200),
    ("POST", "/plans", "operator", {"orders": ["{spare}"], "fulfillment_date": "2026-11-26"}, 201),
    ("GET", "/plans/{plan}", "viewer", None, 200),
    ("POST", "/plans/{plan}/orders", "operator", {"orders": ["{spare}"]}, 200),
    ("DELETE", "/plans/{plan}/orders/{cafe}", "operator", None, 200),
    ("POST", "/plans/{plan}/cancel", "operator", None, 409),  # refused while an order is completed
    ("GET", "/plans/{plan}/allocation", "viewer", None, 200),
    ("PUT", "/plans/{plan}/allocation", "operator", {"allocate_all": True}, 200),
    ("GET", "/plans/{plan}/packaging-plans", "viewer", None, 200),
    ("GET", "/packaging-plans/{planned}", "viewer", None, 200),
    ("PATCH", "/packaging-plans/{planned}", "operator", {"units": 1}, 200),
    ("POST", "/packaging-plans/{planned}/execute", "operator", None, 200),
    ("POST", "/packaging-plans/{planned}/archive", "operator", None, 200),
    ("GET", "/plans/{plan}/pick-list", "viewer", None, 200),
    ("POST", "/plans/{plan}/pick-list/{anna}/return", "operator", None, 200),
    ("POST", "/plans/{plan}/pick-list/{cafe}/complete", "operator", None, 409),  # not fully allocated
]
IDS = [f"{method} {path}" for method, path, *_ in ENDPOINTS]


@pytest.fixture
def world(db):
    """A plan of Anna's order (completed on the pick list) and Café Noord's (short of stock), a spare order, and a
    planned packaging plan with the loose stock to execute it."""
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product, package_size="0.250")
    system = Actor.system()
    stock_receive(kind="packaged", sku="ESP-250", quantity=4, lot_date="2026-11-01", actor=system)
    stock_receive(kind="loose", product="Espresso blend", quantity="10", lot_date="2026-11-02", actor=system)
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 4}])
    cafe = make_order(items=[{"sku": "ESP-250", "quantity": 8}])
    spare = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    plan = plan_create(orders=[anna.number, cafe.number], fulfillment_date=dt.date(2026, 11, 25), actor=system)
    allocation_save(plan=plan, lines=[{"sku": "ESP-250", "quantity": 4}], actor=system)
    pick_complete(plan=plan, order=anna.number, actor=system)
    planned = PackagingPlan.objects.get(status="planned")
    return {"plan": plan.number, "anna": anna.number, "cafe": cafe.number, "spare": spare.number,
            "planned": planned.number}  # fmt: skip


def _call(api, world, method, path, body, role):
    if body is not None:
        body = {key: [v.format(**world) for v in value] if isinstance(value, list) else value
                for key, value in body.items()}  # fmt: skip
    return api.call(method, path.format(**world), body, role=role)


@pytest.mark.parametrize(("method", "path", "least", "body", "success"), ENDPOINTS, ids=IDS)
def test_without_a_token_every_endpoint_answers_401_and_changes_nothing(api, world, method, path, least, body, success):
    before = state()

    response = _call(api, world, method, path, body, None)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert state() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "least", "body", "success"), ENDPOINTS, ids=IDS)
def test_each_role_gets_what_its_rank_allows(api, world, method, path, least, body, success, role):
    before = state()

    response = _call(api, world, method, path, body, role)

    if ROLE_RANK[Role(role)] < ROLE_RANK[Role(least)]:
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
        assert state() == before
    else:
        assert response.status_code == success, response.content


def test_a_packaging_plan_executed_twice_is_refused_the_second_time(api, world):
    packaging_plan_execute(packaging=world["planned"], actor=Actor.system())
    before = state()

    response = api.post(f"/packaging-plans/{world['planned']}/execute", role="operator")

    assert response.status_code == 409
    assert error_of(response)["code"] == "transition_not_allowed"
    assert state() == before
