"""Every write endpoint walked with hostile values: no IntegrityError or DataError may reach the API.

Each write operation of the OpenAPI schema starts from a valid request against a world where it succeeds; then
every value of its body, and every parameter of its path, is replaced in turn by values a client could send (wrong
types, zero, negatives, numbers past any column's range, long and odd text, dates at the ends of the calendar).
Each request runs in a savepoint rolled back after it, so each meets the same world. Every answer must be a
success or an error in the one shape, and the database must never have refused a write the services let through:
`orderly.core.faults` counts those, and the count must stay zero.
"""

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
from django.db import transaction

from orderly.channels.models import SalesChannel
from orderly.core import faults
from orderly.core.actors import Actor
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_receive
from orderly.notifications.services import email_queue, email_send
from orderly.orders.services import order_archive
from orderly.plans.models import PackagingPlan
from orderly.plans.services import allocation_save, pick_complete, plan_create
from orderly.production.services import masterdata
from orderly.production.services.scheduling import roast_schedule
from orderly.shipping.models import Fulfillment
from tests.api.helpers import ApiClient, error_of, order_body
from tests.factories import ProductFactory, UserFactory, VariantFactory, address, make_order, make_token
from tests.production.helpers import roastery

SYSTEM = Actor.system()
DAY = dt.date(2026, 12, 1)
WEBHOOK_SECRET = "walk-secret"
CSV = (
    "order_id,customer_name,sku,quantity,unit_price,ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"
    "W1,Ann,ESP-250,2,9.50,Ann,Main 1,1011 AA,Amsterdam,NL\n"
)
HOSTILE = [
    None,
    True,
    -1,
    0,
    2**31,
    2**63,
    10**30,
    -(10**30),
    0.5,
    1e308,
    "",
    "x" * 5000,
    "-0",
    "1e400",
    "99999999999999999999.999",
    "0.0000001",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01",
    [],
    {},
    [{"x": 1}],
]
PATH_HOSTILE = ["0", "-1", "9" * 25, "x" * 300, "OR-" + "9" * 30, "Ä", "OR-000001 "]


@pytest.fixture(scope="module")
def walking(django_db_setup, django_db_blocker):
    """(an API client with a token per role, the world): built once for the walks that run one after another in
    this process, in a transaction rolled back after the last of them. Each walk runs in its test's savepoint and
    each of its requests in one of its own, so every walk meets the world as it was built."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = {role: UserFactory(username=role, role=role) for role in ("viewer", "operator", "manager", "admin")}
        api = ApiClient({role: make_token(user) for role, user in users.items()})
        variant = VariantFactory(
            sku="ESP-250", name="Espresso blend 250 g", product=ProductFactory(name="Espresso blend")
        )
        yield api, _world(api, variant)
        transaction.set_rollback(True)


def _world(api, variant):
    """A world where every write succeeds once: orders in each state an action needs, stock, a plan with an order
    picked, one ready to pick and one waiting for a packaging plan, a second plan, a fulfilled and invoiced order,
    three channels with a mapping and a shop's order. The keys name what the paths and bodies use."""
    VariantFactory(sku="ESP-1000", name="Espresso blend 1 kg", product=variant.product, package_size="1.000")
    stock_receive(kind="packaged", sku="ESP-250", quantity=40, lot_date="2026-01-01", position="A-01", actor=SYSTEM)
    stock_receive(kind="loose", product="Espresso blend", quantity="10", lot_date="2026-01-02", actor=SYSTEM)
    open_order = make_order(items=[{"sku": "ESP-250", "quantity": 3}])
    draft = make_order(items=[{"sku": "ESP-250", "quantity": 1}], status="draft")
    archived = order_archive(order=make_order(items=[{"sku": "ESP-250", "quantity": 1}]), actor=SYSTEM)
    spare = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    picked, ready, packing, other = (
        make_order(items=[{"sku": sku, "quantity": units}])
        for sku, units in (("ESP-250", 2), ("ESP-250", 1), ("ESP-1000", 1), ("ESP-250", 1))
    )
    plan = plan_create(orders=[picked.number, ready.number, packing.number], fulfillment_date=DAY, actor=SYSTEM)
    allocation_save(plan=plan, allocate_all=True, actor=SYSTEM)
    pick_complete(plan=plan, order=picked.number, actor=SYSTEM)
    second_plan = plan_create(orders=[other.number], fulfillment_date=DAY, actor=SYSTEM)
    shipped = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    fulfillment = api.post(f"/orders/{shipped.number}/fulfillments", {"carrier": "PostNL", "tracking_number": "3S1"})
    invoice = api.post(f"/orders/{shipped.number}/invoices")
    shopify = api.post(
        "/channels",
        {"name": "Walk shop", "kind": "shopify", "settings": {"base_url": "http://127.0.0.1:9"},
         "credentials": {"access_token": "t", "webhook_secret": "s"}},
    ).json()  # fmt: skip
    generic = api.post(
        "/channels", {"name": "Walk hook", "kind": "webhook", "credentials": {"webhook_secret": WEBHOOK_SECRET}}
    ).json()
    csv = api.post("/channels", {"name": "Walk file", "kind": "csv"}).json()
    api.post(f"/channels/{shopify['id']}/mappings", {"external_sku": "SHOP-ESP", "variant_sku": "ESP-250"})
    shop_channel = SalesChannel.objects.get(pk=shopify["id"])
    from_shop = make_order(items=[{"sku": "ESP-250", "quantity": 1}], channel=shop_channel, external_id="9001")
    assert (fulfillment.status_code, invoice.status_code) == (201, 201)
    email = email_queue(fulfillment_id=Fulfillment.objects.get().pk, kind="shipped", actor=SYSTEM)
    assert email_send(message_id=email.pk).status == "sent"
    courier = api.post(
        "/carriers",
        {"name": "Walk courier", "kind": "own", "credentials": {"webhook_secret": WEBHOOK_SECRET},
         "methods": [{"code": "standard", "name": "Standard", "countries": ["NL", "BE"], "max_weight_kg": "20"}]},
    ).json()  # fmt: skip
    spare_courier = api.post("/carriers", {"name": "Spare courier", "kind": "own"}).json()
    rule = api.post("/shipping-rules", {"country": "NL", "carrier": "Walk courier", "method": "standard"}).json()
    labelled = api.post(f"/fulfillments/{fulfillment.json()['number']}/label", {})
    to_label = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    unlabelled = api.post(f"/orders/{to_label.number}/fulfillments", {})
    assert (labelled.status_code, unlabelled.status_code) == (200, 201)
    roasts = _roastery()
    batches = _batches(shop_channel)
    return {
        **batches,
        **roasts,
        "own_token": api.tokens["admin"][:12],
        "open": open_order.number,
        "open_item": open_order.items.get().pk,
        "draft": draft.number,
        "archived": archived.number,
        "spare": spare.number,
        "plan": plan.number,
        "picked": picked.number,
        "ready": ready.number,
        "packaging": PackagingPlan.objects.get(plan=plan).number,
        "second_plan": second_plan.number,
        "shipped": shipped.number,
        "shipped_item": shipped.items.get().pk,
        "fulfillment": fulfillment.json()["number"],
        "unlabelled": unlabelled.json()["number"],
        "tracking_number": labelled.json()["tracking_number"],
        "courier": courier["id"],
        "spare_courier": spare_courier["id"],
        "rule": rule["id"],
        "invoice": invoice.json()["number"],
        "shopify": shopify["id"],
        "generic": generic["id"],
        "csv": csv["id"],
        "from_shop": from_shop.number,
        "product": variant.product_id,
        "lot": Lot.objects.filter(variant__sku="ESP-250").get().number,
        "email": email.pk,
    }


def _batches(shop_channel) -> dict:
    """A new order for a batch, and a failed batch (both its orders drafts) whose orders can be reprocessed,
    removed and synchronized."""
    from orderly.batches.services import batch_create, batch_process

    new = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    draft = make_order(items=[{"sku": "ESP-250", "quantity": 1}], status="draft")
    shop_draft = make_order(
        items=[{"sku": "ESP-250", "quantity": 1}], status="draft", channel=shop_channel, external_id="9002"
    )
    batch = batch_create(orders=[draft.number, shop_draft.number], actor=SYSTEM)
    batch_process(batch_id=batch.pk)
    return {
        "batch_new": new.number,
        "order_batch": batch.number,
        "batch_draft": draft.number,
        "batch_shop": shop_draft.number,
    }


def _roastery() -> dict:
    """A roaster's master data for its own product (the other walks' stock stays theirs), a plan whose roast is
    scheduled (RB-000001) and one still to schedule."""
    house = ProductFactory(name="House roast")
    VariantFactory(sku="HOU-250", name="House roast 250 g", product=house, package_size="0.250")
    _, profile, lot = roastery(product=house, green_kg=500)
    VariantFactory(sku="DEC-250", name="Decaf 250 g", product=ProductFactory(name="Decaf"))  # no profile group yet
    masterdata.machine_create(data={"name": "Giesen 6", "min_batch_kg": "2", "max_batch_kg": "6", "batches_per_day": 4})
    plans = []
    for _ in range(2):
        order = make_order(items=[{"sku": "HOU-250", "quantity": 80}])
        plans.append(plan_create(orders=[order.number], fulfillment_date=DAY, actor=SYSTEM))
        allocation_save(plan=plans[-1], allocate_all=True, actor=SYSTEM)
    (batch, *_) = roast_schedule(plan=plans[0], on=DAY, actor=SYSTEM)
    return {
        "machine": "Probat 12",
        "profile": profile.name,
        "group": profile.group.name,
        "green_lot": lot.number,
        "roast_plan": plans[1].number,
        "batch": batch.number,
        "batch_green": str(batch.green_kg),
        "batch_out": str(batch.expected_kg),
    }


def _order_create(w):
    item = {"sku": "ESP-250", "quantity": 2, "unit_price": "8.50", "tax_rate": "9", "discount": "0.50",
            "purchase_price": "3.10", "commission": "0.20", "adjustments": [{"label": "Gift wrap", "amount": "1.00"}],
            "identifiers": {"grind": "whole"}, "options": {"allocate": True, "fulfil": True, "cover": True,
            "invoice": True}, "delivery_type": "ship", "expected_on": "2026-02-01", "metadata": {"k": "v"}}  # fmt: skip
    return order_body(
        items=[item], billing_address=address(), status="open", notes="Ring twice", external_ref="PO-1",
        order_date="2026-01-05T09:30:00Z",
    )  # fmt: skip


def _order_patch(w):
    return {
        "customer": {"name": "Anna", "email": "anna@example.com", "type": "wholesale"},
        "shipping_address": address(),
        "billing_address": address(city="Utrecht"),
        "currency": "EUR",
        "notes": "Leave at the door",
        "external_ref": "PO-2",
        "order_date": "2026-01-06T10:00:00Z",
        "items": [{"id": w["open_item"], "sku": "ESP-250", "quantity": 4, "unit_price": "8.00", "tax_rate": "9"}],
    }


def _generic_order(w):
    return {
        "id": "W-1",
        "number": "1",
        "status": "open",
        "customer": {"name": "Cleo", "email": "cleo@example.com", "type": "retail"},
        "shipping_address": {
            "name": "Cleo",
            "line1": "Rue 1",
            "postal_code": "75001",
            "city": "Paris",
            "country": "FR",
        },
        "items": [{"sku": "ESP-250", "quantity": 2, "unit_price": "9.50"}],
    }


# (method, path as the schema names it) → (the path's parameters, the valid body or None) for the world `w`.
WALKS = {
    ("post", "/orders"): lambda w: ({}, _order_create(w)),
    ("patch", "/orders/{number}"): lambda w: ({"number": w["open"]}, _order_patch(w)),
    ("delete", "/orders/{number}"): lambda w: ({"number": w["open"]}, None),
    ("post", "/orders/{number}/notes"): lambda w: ({"number": w["open"]}, {"text": "Called the customer"}),
    ("post", "/orders/{number}/open"): lambda w: ({"number": w["draft"]}, None),
    ("post", "/orders/{number}/cancel"): lambda w: ({"number": w["open"]}, None),
    ("post", "/orders/{number}/archive"): lambda w: ({"number": w["open"]}, None),
    ("post", "/orders/{number}/unarchive"): lambda w: ({"number": w["archived"]}, None),
    ("post", "/orders/{number}/reset"): lambda w: ({"number": w["open"]}, None),
    ("post", "/orders/{number}/synchronize"): lambda w: ({"number": w["from_shop"]}, None),
    ("post", "/orders/{number}/invoices"): lambda w: ({"number": w["open"]}, None),
    ("post", "/products"): lambda w: (
        {},
        {
            "name": "Filter blend",
            "description": "Light",
            "unit": "kg",
            "is_active": True,
            "variants": [
                {
                    "sku": "FIL-250",
                    "name": "Filter 250 g",
                    "package_size": "0.25",
                    "weight": "0.27",
                    "price": "7.50",
                    "tax_rate": "9",
                    "is_active": True,
                }
            ],
        },
    ),  # fmt: skip
    ("patch", "/products/{product_id}"): lambda w: (
        {"product_id": w["product"]},
        {"name": "Espresso blend", "description": "Dark", "unit": "kg", "is_active": True},
    ),
    ("post", "/products/{product_id}/variants"): lambda w: (
        {"product_id": w["product"]},
        {
            "sku": "ESP-500",
            "name": "Espresso 500 g",
            "package_size": "0.5",
            "weight": "0.52",
            "price": "15.00",
            "tax_rate": "9",
            "is_active": True,
        },
    ),  # fmt: skip
    ("patch", "/variants/{sku}"): lambda w: (
        {"sku": "ESP-250"},
        {
            "sku": "ESP-250",
            "name": "Espresso 250 g",
            "package_size": "0.25",
            "weight": "0.27",
            "price": "8.50",
            "tax_rate": "9",
            "is_active": True,
        },
    ),  # fmt: skip
    ("post", "/channels"): lambda w: (
        {},
        {
            "name": "Second shop",
            "kind": "woocommerce",
            "enabled": True,
            "settings": {
                "base_url": "https://shop.example.com",
                "sync_interval_minutes": 15,
                "status_map": {"on-hold": "hold"},
            },
            "credentials": {"consumer_key": "ck", "consumer_secret": "cs", "webhook_secret": "ws"},
        },
    ),  # fmt: skip
    ("patch", "/channels/{channel_id}"): lambda w: (
        {"channel_id": w["shopify"]},
        {
            "name": "Walk shop 2",
            "enabled": False,
            "settings": {"base_url": "https://s.example.com"},
            "credentials": {"access_token": "t2"},
        },
    ),  # fmt: skip
    ("post", "/channels/{channel_id}/mappings"): lambda w: (
        {"channel_id": w["shopify"]},
        {"external_sku": "SHOP-1000", "variant_sku": "ESP-1000"},
    ),
    ("delete", "/channels/{channel_id}/mappings/{external_sku}"): lambda w: (
        {"channel_id": w["shopify"], "external_sku": "SHOP-ESP"},
        None,
    ),
    ("post", "/channels/sync"): lambda w: ({}, None),
    ("post", "/channels/{channel_id}/sync"): lambda w: ({"channel_id": w["shopify"]}, None),
    ("post", "/channels/{channel_id}/import"): lambda w: ({"channel_id": w["csv"]}, CSV.encode()),
    ("post", "/channels/{channel_id}/webhook"): lambda w: ({"channel_id": w["generic"]}, _generic_order(w)),
    ("post", "/inventory/receipts"): lambda w: (
        {},
        {
            "kind": "packaged",
            "sku": "ESP-250",
            "quantity": "6",
            "lot_date": "2026-01-03",
            "position": "A-02",
            "note": "Roasted Monday",
        },
    ),  # fmt: skip
    ("post", "/inventory/adjustments"): lambda w: ({}, {"lot": w["lot"], "quantity": "-1", "reason": "Torn bag"}),
    ("post", "/machines"): lambda w: (
        {},
        {"name": "Loring S15", "min_batch_kg": "4", "max_batch_kg": "15", "batches_per_day": 10, "is_active": True},
    ),
    ("patch", "/machines/{name}"): lambda w: ({"name": w["machine"]}, {"batches_per_day": 6, "max_batch_kg": "14"}),
    ("post", "/profile-groups"): lambda w: ({}, {"name": "Decaf roasts", "product": "Decaf"}),
    ("patch", "/profile-groups/{name}"): lambda w: ({"name": w["group"]}, {"name": "Espresso roasts"}),
    ("post", "/profiles"): lambda w: (
        {},
        {
            "group": w["group"],
            "name": "Espresso light",
            "machines": [w["machine"]],
            "green_lots": [w["green_lot"]],
            "batch_kg": "12",
            "end_kg": "10.4",
        },
    ),  # fmt: skip
    ("patch", "/profiles/{name}"): lambda w: ({"name": w["profile"]}, {"batch_kg": "11", "weight_loss": "14.5"}),
    ("put", "/plans/{number}/order-conversion"): lambda w: (
        {"number": w["roast_plan"]},
        {"rows": [{"product": "House roast", "machine": "Giesen 6", "batch_kg": "6", "weight_loss": "15"}]},
    ),
    ("post", "/plans/{number}/roast-schedules"): lambda w: ({"number": w["roast_plan"]}, {"date": "2026-12-01"}),
    ("patch", "/roast-batches/{number}"): lambda w: ({"number": w["batch"]}, {"date": "2026-12-03", "batches": 1}),
    ("post", "/roast-batches/{number}/complete"): lambda w: (
        {"number": w["batch"]},
        {"green_used_kg": w["batch_green"], "roasted_out_kg": w["batch_out"]},
    ),
    ("post", "/roast-batches/{number}/cancel"): lambda w: ({"number": w["batch"]}, None),
    ("post", "/tokens"): lambda w: ({}, {"name": "Walk script", "expires_in_days": 30}),
    ("post", "/tokens/{prefix}/revoke"): lambda w: ({"prefix": w["own_token"]}, None),
    ("post", "/batches"): lambda w: ({}, {"orders": [w["batch_new"]]}),
    ("post", "/batches/{number}/reprocess"): lambda w: ({"number": w["order_batch"]}, {"orders": [w["batch_draft"]]}),
    ("delete", "/batches/{number}/orders/{order}"): lambda w: (
        {"number": w["order_batch"], "order": w["batch_draft"]},
        None,
    ),
    ("post", "/batches/{number}/orders/{order}/synchronize"): lambda w: (
        {"number": w["order_batch"], "order": w["batch_shop"]},
        None,
    ),
    ("post", "/plans"): lambda w: ({}, {"orders": [w["spare"]], "fulfillment_date": "2026-12-02"}),
    ("post", "/plans/{number}/orders"): lambda w: ({"number": w["plan"]}, {"orders": [w["spare"]]}),
    ("delete", "/plans/{number}/orders/{order}"): lambda w: ({"number": w["plan"], "order": w["ready"]}, None),
    ("post", "/plans/{number}/cancel"): lambda w: ({"number": w["second_plan"]}, None),
    ("put", "/plans/{number}/allocation"): lambda w: (
        {"number": w["second_plan"]},
        {"lines": [{"sku": "ESP-250", "quantity": 1}], "allocate_all": False},
    ),
    ("patch", "/packaging-plans/{number}"): lambda w: ({"number": w["packaging"]}, {"units": 2}),
    ("post", "/packaging-plans/{number}/execute"): lambda w: ({"number": w["packaging"]}, None),
    ("post", "/packaging-plans/{number}/archive"): lambda w: ({"number": w["packaging"]}, None),
    ("post", "/plans/{number}/pick-list/{order}/complete"): lambda w: (
        {"number": w["plan"], "order": w["ready"]},
        None,
    ),
    ("post", "/plans/{number}/pick-list/{order}/return"): lambda w: (
        {"number": w["plan"], "order": w["picked"]},
        None,
    ),
    ("post", "/orders/{number}/fulfillments"): lambda w: (
        {"number": w["open"]},
        {
            "items": [{"item": w["open_item"], "quantity": 1}],
            "shipping_address": address(),
            "carrier": "PostNL",
            "tracking_number": "3SABC1",
        },
    ),  # fmt: skip
    ("post", "/fulfillments/{fulfillment}/cancel"): lambda w: ({"fulfillment": w["fulfillment"]}, None),
    ("post", "/fulfillments/{fulfillment}/lost"): lambda w: ({"fulfillment": w["fulfillment"]}, None),
    ("post", "/carriers"): lambda w: (
        {},
        {
            "name": "Second courier",
            "kind": "own",
            "enabled": True,
            "settings": {"tracking_url": "https://t.example/{tracking_number}", "carrier_name": "Courier"},
            "credentials": {"webhook_secret": "ws"},
            "sender_address": address(),
            "methods": [{"code": "next-day", "name": "Next day", "countries": ["NL", "BE"], "max_weight_kg": "10"}],
        },
    ),  # fmt: skip
    ("patch", "/carriers/{carrier_id}"): lambda w: (
        {"carrier_id": w["courier"]},
        {
            "name": "Walk courier 2",
            "enabled": True,
            "settings": {"carrier_name": "Walker"},
            "credentials": {"webhook_secret": "ws2"},
            "sender_address": address(),
            "methods": [{"code": "standard", "name": "Standard", "countries": ["NL"], "max_weight_kg": "25"}],
        },
    ),  # fmt: skip
    ("delete", "/carriers/{carrier_id}"): lambda w: ({"carrier_id": w["spare_courier"]}, None),
    ("post", "/carriers/{carrier_id}/webhook"): lambda w: (
        {"carrier_id": w["courier"]},
        {
            "events": [
                {
                    "tracking_number": w["tracking_number"],
                    "status": "in_transit",
                    "carrier_status": "Sorted",
                    "occurred_at": "2026-12-01T10:00:00+00:00",
                    "event_id": "walk-1",
                }
            ]
        },
    ),  # fmt: skip
    ("post", "/shipping-rules"): lambda w: (
        {},
        {
            "country": "BE",
            "channel": None,
            "delivery_method": "Express",
            "carrier": "Walk courier",
            "method": "standard",
        },
    ),  # fmt: skip
    ("patch", "/shipping-rules/{rule_id}"): lambda w: (
        {"rule_id": w["rule"]},
        {"country": "NL", "delivery_method": "Standard", "carrier": "Walk courier", "method": "standard"},
    ),
    ("delete", "/shipping-rules/{rule_id}"): lambda w: ({"rule_id": w["rule"]}, None),
    ("post", "/fulfillments/{fulfillment}/label"): lambda w: (
        {"fulfillment": w["unlabelled"]},
        {"carrier": "Walk courier", "method": "standard"},
    ),
    ("post", "/fulfillments/{fulfillment}/label/void"): lambda w: ({"fulfillment": w["fulfillment"]}, None),
    ("post", "/orders/{number}/returns"): lambda w: (
        {"number": w["shipped"]},
        {"items": [{"item": w["shipped_item"], "quantity": 1}], "reason": "Damaged", "restock": True},
    ),
    ("post", "/orders/{number}/payments"): lambda w: (
        {"number": w["open"]},
        {"amount": "5.00", "method": "card", "reference": "TX-1", "kind": "payment"},
    ),
    ("post", "/emails/{email_id}/resend"): lambda w: ({"email_id": w["email"]}, None),
    ("put", "/email-templates/{kind}"): lambda w: (
        {"kind": "shipped"},
        {"subject": "Order {{ order_number }} shipped", "body": "Hello {{ customer_name }},\n{{ tracking_link }}"},
    ),
    ("post", "/invoices/{number}/credit-notes"): lambda w: (
        {"number": w["invoice"]},
        {"items": [{"item": w["shipped_item"], "quantity": 1}], "reason": "Price corrected", "charges": []},
    ),
}


def _places(value, path=()):
    """Every place in a JSON value (the whole value, each key of an object, each element of a list), as paths."""
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _places(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _places(inner, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def _send(api, method, template, params, body, delivery):
    path = template.format(**{name: quote(str(value), safe="") for name, value in params.items()})
    headers = {}
    if template.endswith("/webhook") and body is not None:
        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"X-Orderly-Signature": signature, "X-Orderly-Delivery": delivery}
        body = raw
    return api.call(method.upper(), path, body, **headers)


def _walk(api, method, template, params, body):
    """The status of every request sent (the valid one first), and (what was sent, status, answer) of each that
    made the database refuse a write or answered 5xx."""
    requests = [(params, body, "valid")]
    if body is not None and not isinstance(body, bytes):
        requests += [(params, _replaced(body, p, v), f"{list(p)} = {v!r:.40}") for p in _places(body) for v in HOSTILE]
    for name in params:
        requests += [({**params, name: v}, body, f"{name} = {v!r:.40}") for v in PATH_HOSTILE]
    offenders, statuses = [], []
    for number, (sent_params, sent_body, what) in enumerate(requests):
        before = faults.fault_counts()
        savepoint = transaction.savepoint()
        try:
            response = _send(api, method, template, sent_params, sent_body, delivery=f"walk-{number}")
        finally:
            reached = faults.fault_counts() != before
            transaction.savepoint_rollback(savepoint)
        statuses.append(response.status_code)
        if reached or response.status_code >= 500:
            offenders.append((what, response.status_code, response.content[:300]))
        elif response.status_code >= 400:
            error_of(response)
    return statuses, offenders


def test_every_write_operation_is_walked(db):
    from orderly.api.v1 import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    writes = {
        (method, path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes == set(WALKS)


@pytest.mark.parametrize(("method", "template"), sorted(WALKS), ids=lambda part: part)
def test_no_input_reaches_the_database_unchecked(db, walking, method, template):
    api, world = walking
    params, body = WALKS[(method, template)](world)

    statuses, offenders = _walk(api, method, template, params, body)

    assert 200 <= statuses[0] < 300  # the walk starts from a request that succeeds
    assert len(statuses) > len(params) * len(PATH_HOSTILE)
    assert offenders == []
