import pytest
from django.test import Client

from orderly.batches.models import Batch
from orderly.batches.services import batch_process
from tests.batches.fake_carrier import FakeCarriers
from tests.batches.helpers import break_address
from tests.factories import UserFactory, make_order
from tests.shipping.helpers import receive, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(db):
    client = Client()
    client.force_login(UserFactory(username="olga", role="operator"))
    return client


@pytest.fixture
def carriers(monkeypatch):
    return FakeCarriers().install(monkeypatch)


def test_process_ticked_orders_then_reprocess_and_download(browser, carriers):
    variant("ESP-250")
    receive("ESP-250", 10)
    good = make_order(items=[{"sku": "ESP-250", "quantity": 1}])
    bad = break_address(make_order(items=[{"sku": "ESP-250", "quantity": 1}]))

    overview = browser.get("/orders/")
    assert b'<button type="submit" name="bulk_action" value="process">Process as a batch</button>' in overview.content
    response = browser.post(
        "/orders/bulk/", {"orders": [good.number, bad.number], "filter": "", "bulk_action": "process"}
    )

    assert response.status_code == 302 and response["Location"] == "/orders/batches/BA-000001/"
    page = browser.get("/orders/batches/BA-000001/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "0 succeeded, 0 failed, 2 waiting, of 2." in page
    batch_process(batch_id=Batch.objects.get().pk, worker="web-test")
    page = browser.get("/orders/batches/BA-000001/").content.decode()
    assert "1 succeeded, 1 failed, 0 waiting, of 2." in page and 'hx-trigger="every 2s"' not in page
    assert "Correct the shipping address (postal code) on the order, then reprocess it." in page
    listing = browser.get("/orders/batches/?status=failed").content.decode()
    assert "BA-000001" in listing and "olga" in listing

    pdf = browser.get("/orders/batches/BA-000001/pick-pack.pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    zpl = browser.get("/orders/batches/BA-000001/labels/?format=zpl")
    assert zpl.status_code == 200 and zpl.content.count(b"^XA") == 1

    removed = browser.post(f"/orders/batches/BA-000001/orders/{bad.number}/remove/", follow=True)
    assert f"{bad.number} removed from batch BA-000001." in removed.content.decode()
    assert Batch.objects.get().status == "finished"


def test_all_matching_the_filter_and_refusals_are_told(browser, carriers):
    variant("ESP-250")
    make_order(items=[{"sku": "ESP-250", "quantity": 1}], external_ref="PICK-ME")
    make_order(items=[{"sku": "ESP-250", "quantity": 1}])

    response = browser.post("/orders/batches/process/", {"all_matching": "1", "filter": "q=PICK-ME"})
    assert response.status_code == 302
    assert Batch.objects.get().order_count == 1

    again = browser.post("/orders/batches/process/", {"all_matching": "1", "filter": "q=PICK-ME"}, follow=True)
    assert "which is not finished." in again.content.decode()
    assert Batch.objects.count() == 1
    viewer = Client()
    viewer.force_login(UserFactory(username="vic", role="viewer"))
    assert viewer.post("/orders/batches/process/", {"orders": ["OR-000001"]}).status_code == 403
