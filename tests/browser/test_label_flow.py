"""Labels in Chromium: order page → Mark as fulfilled → Fulfill items → Book label → Download label (the PDF) →
the carrier's webhook arrives → the order page shows the parcel in transit and the step on the timeline."""

import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from orderly.carriers.models import CarrierAccount
from tests.carriers.helpers import WEBHOOK_SECRET, own_carrier
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def shop(transactional_db):
    """Written before the browser starts: an operator, an own-label courier with a rule for NL, an open order."""
    UserFactory(username="olga", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", weight="0.270")
    own_carrier()
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9",
                "options": {"allocate": False}}],
    )  # fmt: skip
    return {"number": order.number, "carrier": CarrierAccount.objects.get().pk}


def test_fulfill_book_download_and_see_tracking_after_a_webhook(shop, live_server, page, screenshot_dir):
    number = shop["number"]
    page.goto(f"{live_server.url}/login/?next=/orders/{number}/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {number}")

    page.get_by_role("link", name="Mark as fulfilled").click()
    page.get_by_role("button", name="Fulfill items").click()
    expect(page.locator(".toasts")).to_contain_text(re.compile(rf"{number}.*fulfilled", re.I))

    page.get_by_role("button", name="Book label", exact=True).click()
    expect(page.locator(".toasts")).to_contain_text("Label PA-000001 booked with Own courier (standard)")
    fulfillments = page.locator("table.fulfillments")
    expect(fulfillments).to_contain_text("PA-000001")
    expect(fulfillments).to_contain_text("Booked")
    page.screenshot(path=str(screenshot_dir / "label-booked.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download label")).click()
    download = download_info.value
    assert re.fullmatch(r"FF-\d{6}-PA-000001-pdf-a6\.pdf", download.suggested_filename)
    assert Path(download.path()).read_bytes()[:4] == b"%PDF"

    scanned_at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()  # after the booking
    body = json.dumps({"events": [{"tracking_number": "PA-000001", "status": "in_transit",
                                   "carrier_status": "At the depot", "occurred_at": scanned_at,
                                   "event_id": "ev-1"}]}).encode()  # fmt: skip
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    url = f"{live_server.url}/api/v1/carriers/{shop['carrier']}/webhook"
    refused = httpx.post(url, content=body, headers={"X-Orderly-Signature": "0" * 64})
    assert refused.status_code == 401
    answer = httpx.post(url, content=body, headers={"X-Orderly-Signature": signature})
    assert (answer.status_code, answer.json()) == (200, {"changed": 1})

    page.reload()
    expect(fulfillments).to_contain_text("In transit — At the depot")
    expect(page.locator("body")).to_contain_text("Parcel PA-000001 (PA-000001): in transit (At the depot).")
    page.screenshot(path=str(screenshot_dir / "label-in-transit.png"), full_page=True)
