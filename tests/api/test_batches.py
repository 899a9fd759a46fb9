import re

import pytest

from orderly.batches.models import Batch
from orderly.batches.services import batch_process
from tests.api.helpers import error_of
from tests.batches.fake_carrier import FakeCarriers
from tests.batches.helpers import break_address
from tests.factories import make_order
from tests.shipping.helpers import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers(monkeypatch):
    return FakeCarriers().install(monkeypatch)


def _process(number: str) -> None:
    batch_process(batch_id=Batch.objects.get(number=number).pk, worker="api-test")


def test_create_process_and_read_a_batch(api, variant, carriers):
    receive("ESP-250", 10)
    good = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    bad = break_address(make_order(items=[{"sku": "ESP-250", "quantity": 1}]))

    created = api.post("/batches", {"orders": [good.number, bad.number]}, role="operator")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["status"], body["created_by"], body["counts"]) == (
        "BA-000001", "processing", "operator", {"succeeded": 0, "failed": 0, "waiting": 2},
    )  # fmt: skip
    _process("BA-000001")
    batch = api.get("/batches/BA-000001", role="viewer").json()
    assert batch["status"] == "failed"
    assert batch["counts"] == {"succeeded": 1, "failed": 1, "waiting": 0}
    first, second = batch["orders"]
    assert (first["number"], first["outcome"], first["reason"], first["step"]) == (good.number, "succeeded", "", "told")
    assert re.fullmatch(r"FF-\d{6}", first["fulfillment"]) and first["tracking_number"].startswith("3STEST")
    assert (second["outcome"], second["fulfillment"], second["tracking_number"]) == ("failed", None, "")
    assert second["reason"] == (
        "The shipping address is incomplete: it has no postal code, which an address in NL needs."
    )
    assert second["fix"] == "Correct the shipping address (postal code) on the order, then reprocess it."
    listed = api.get("/batches?status=failed", role="viewer").json()
    assert (listed["total"], [b["number"] for b in listed["items"]]) == (1, ["BA-000001"])
    assert api.get("/batches?status=finished").json()["total"] == 0


def test_a_filter_selects_orders_and_refusals_name_each_order(api, variant, carriers):
    one = make_order(items=[{"sku": "ESP-250", "quantity": 1}], external_ref="FILTER-ME")
    created = api.post("/batches", {"filter": {"q": "FILTER-ME"}})
    assert created.status_code == 201
    assert [o["number"] for o in created.json()["orders"]] == [one.number]

    refused = api.post("/batches", {"orders": [one.number, "OR-999999"]})

    error = error_of(refused)
    assert (refused.status_code, error["code"], error["field"]) == (422, "batch_orders_refused", "orders")
    assert error["detail"]["refused"] == [
        {"order": one.number, "reason": f"{one.number} is in batch BA-000001, which is not finished."},
        {"order": "OR-999999", "reason": "OR-999999 does not exist."},
    ]
    assert Batch.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "orders"),
        ({"orders": []}, "orders"),
        ({"orders": "OR-000001"}, "orders"),
        ({"orders": [12]}, "orders[0]"),
        ({"filter": {"status": "shipped"}}, "filter.status"),
        ({"orders": ["OR-000001"], "filter": {}}, "orders"),
        ({"orders": ["OR-000001"], "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_refused_naming_the_field(api, variant, body, field):
    response = api.post("/batches", body)
    error = error_of(response)
    assert response.status_code in (400, 422)
    assert error["field"] == field, error
    assert Batch.objects.count() == 0


def test_reprocess_remove_and_documents(api, variant, carriers):
    receive("ESP-250", 2)
    good = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    short = make_order(items=[{"sku": "ESP-250", "quantity": 5}])
    number = api.post("/batches", {"orders": [good.number, short.number]}).json()["number"]
    _process(number)

    refused = api.post(f"/batches/{number}/reprocess", {"orders": [good.number]})
    assert error_of(refused)["code"] == "batch_order_not_failed"
    reprocessed = api.post(f"/batches/{number}/reprocess", {})
    assert (reprocessed.status_code, reprocessed.json()["status"]) == (200, "processing")
    _process(number)
    assert api.get(f"/batches/{number}").json()["status"] == "failed"

    pdf = api.get(f"/batches/{number}/pick-pack.pdf", role="viewer")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    zpl = api.get(f"/batches/{number}/labels?format=zpl", role="viewer")
    assert zpl.status_code == 200 and zpl.content.count(b"^XA") == 1
    bad_format = api.get(f"/batches/{number}/labels?format=png")
    assert (bad_format.status_code, error_of(bad_format)["field"]) == (422, "format")

    removed = api.delete(f"/batches/{number}/orders/{short.number}", role="operator")
    assert (removed.status_code, removed.json()["status"], removed.json()["order_count"]) == (200, "finished", 1)
    again = api.delete(f"/batches/{number}/orders/{good.number}")
    assert (again.status_code, error_of(again)["code"]) == (409, "batch_not_failed")
    assert api.post(f"/batches/{number}/reprocess", {}, role="viewer").status_code == 403
    missing = api.get("/batches/BA-999999")
    assert (missing.status_code, error_of(missing)["detail"]) == (404, {"resource": "batch", "key": "BA-999999"})


def test_synchronize_an_order_of_the_batch(api, variant, carriers):
    from orderly.channels.models import SalesChannel

    shop = SalesChannel.objects.get(pk=api.post(
        "/channels", {"name": "Sync shop", "kind": "shopify", "settings": {"base_url": "http://127.0.0.1:9"},
                      "credentials": {"access_token": "t", "webhook_secret": "s"}},
    ).json()["id"])  # fmt: skip
    from_shop = make_order(items=[{"sku": "ESP-250", "quantity": 1}], channel=shop, external_id="7001")
    manual = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    number = api.post("/batches", {"orders": [from_shop.number, manual.number]}).json()["number"]

    queued = api.post(f"/batches/{number}/orders/{from_shop.number}/synchronize", role="operator")
    refused = api.post(f"/batches/{number}/orders/{manual.number}/synchronize")
    outside = api.post(f"/batches/{number}/orders/OR-123456/synchronize")

    assert (queued.status_code, queued.json()["kind"], queued.json()["status"]) == (202, "order", "queued")
    assert refused.status_code == 422 and error_of(refused)["code"] == "channel_kind_unsupported"
    assert (outside.status_code, error_of(outside)["detail"]) == (404, {"resource": "batch_order", "key": "OR-123456"})
