"""Issue 13 end to end in Chromium, with a Sendcloud account booking on the loopback Sendcloud: order page →
Mark as fulfilled → Fulfill items → Book label → Download label (a PDF read back: A6, the tracking number on it) →
Sendcloud's signed webhooks → the page shows the parcel in transit, then delivered → the worker writes the
customer's shipped and delivered e-mails into the outbox folder under the data directory."""

import datetime as dt
import email
import io
import re
from email import policy
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from orderly.carriers.models import Parcel
from orderly.carriers.services import carrier_create, rule_create
from tests.bounds import WAIT_BOUND
from tests.carriers.fake_sendcloud import A6, FakeSendcloud
from tests.carriers.helpers import SYSTEM
from tests.factories import UserFactory, VariantFactory, address, make_order
from tests.worker import run_queued_tasks

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SENDER = address(name="Pieter de Wit", company="Branderij Noord", line1="Veemkade 300", postal_code="1019HD",
                 city="Amsterdam", email="pieter@branderij.example", phone="+31200003344")  # fmt: skip


@pytest.fixture
def sendcloud():
    # Lives as long as a slow, busy run of the test could take, then stops by itself.
    with FakeSendcloud(lifetime=600) as fake:
        yield fake


@pytest.fixture
def shop(transactional_db, settings, tmp_path, sendcloud):
    """Written before the browser starts: an operator, a Sendcloud account on the loopback server with the rule for
    NL, an open order for Margot; e-mails go where Orderly puts them by default, <data dir>/outbox."""
    settings.DATA_DIR = tmp_path / "data"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"  # pytest-django's is in memory
    settings.EMAIL_FILE_PATH = settings.DATA_DIR / "outbox"
    UserFactory(username="olga", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", weight="0.270")
    account = carrier_create(
        name="Sendcloud", kind="sendcloud", actor=SYSTEM, sender_address=SENDER,
        settings={"base_url": sendcloud.base_url}, credentials=FakeSendcloud.connector_credentials,
        methods=[{"code": "postnl:standard", "name": "PostNL Standard", "countries": ["NL"], "max_weight_kg": "23"}],
    )  # fmt: skip
    rule_create(data={"country": "NL", "carrier": account.name, "method": "postnl:standard"}, actor=SYSTEM)
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9",
                "options": {"allocate": False}}],
    )  # fmt: skip
    return {"number": order.number, "carrier": account.pk, "outbox": settings.DATA_DIR / "outbox"}


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    """The messages Django's file backend wrote into `folder`, oldest first."""
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=policy.default))
    return found


def _post_webhook(live_server, shop, sendcloud, parcel_id: str, status_id: int, message: str, at) -> dict:
    headers, body = sendcloud.webhook(parcel_id, status_id, message, at=at)
    answer = httpx.post(f"{live_server.url}/api/v1/carriers/{shop['carrier']}/webhook", content=body,
                        headers=headers, timeout=WAIT_BOUND)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_book_a_sendcloud_label_download_it_follow_the_webhooks_and_email_the_customer(
    shop, sendcloud, live_server, page, screenshot_dir
):
    number = shop["number"]
    page.goto(f"{live_server.url}/login/?next=/orders/{number}/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {number}")

    page.get_by_role("link", name="Mark as fulfilled").click()
    page.get_by_role("button", name="Fulfill items").click()
    expect(page.locator(".toasts")).to_contain_text(re.compile(rf"{number}.*fulfilled", re.I))

    # Book label: announced at Sendcloud by the shipping rule, under the parcel number as its external reference.
    page.get_by_role("button", name="Book label", exact=True).click()
    expect(page.locator(".toasts")).to_contain_text("Label PA-000001 booked with Sendcloud (postnl:standard)")
    parcel = Parcel.objects.get()
    tracking = parcel.tracking_number
    assert re.fullmatch(r"3SBRNO\d{9}", tracking)
    with sendcloud.lock:
        [shipment] = sendcloud.shipments.values()
    assert (shipment["external_reference_id"], str(shipment["parcels"][0]["id"])) == (
        "PA-000001",
        parcel.carrier_reference,
    )
    fulfillments = page.locator("table.fulfillments")
    expect(fulfillments).to_contain_text(tracking)
    expect(fulfillments).to_contain_text("Booked")
    page.screenshot(path=str(screenshot_dir / "sendcloud-label-booked.png"), full_page=True)

    # Download label: Sendcloud's A6 PDF, which reads back with the tracking number on it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download label")).click()
    download = download_info.value
    assert re.fullmatch(r"FF-\d{6}-PA-000001-pdf-a6\.pdf", download.suggested_filename)
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    [label] = pdf.pages
    assert (round(float(label.mediabox.width), 2), round(float(label.mediabox.height), 2)) == A6
    assert tracking in label.extract_text()

    # The booking queued the shipped e-mail's task; the worker queues the e-mail, then writes it into the outbox folder
    # under the data directory.
    assert run_queued_tasks() == 2
    [shipped] = _mails(shop["outbox"])
    assert (shipped["To"], shipped["Subject"]) == ("margot@example.nl", f"Your order {number} is on its way")
    assert f"Your order {number} has shipped with Sendcloud." in shipped.get_content()
    assert f"Tracking number: {tracking}\n" in shipped.get_content()

    # Sendcloud's signed webhook: a wrong signature is refused and changes nothing; the real one moves the parcel.
    en_route, delivered = parcel.booked_at + dt.timedelta(hours=2), parcel.booked_at + dt.timedelta(hours=26)
    headers, body = sendcloud.webhook(parcel.carrier_reference, 91, "Parcel en route", at=en_route)
    refused = httpx.post(f"{live_server.url}/api/v1/carriers/{shop['carrier']}/webhook", content=body,
                         headers={**headers, "Sendcloud-Signature": "0" * 64}, timeout=WAIT_BOUND)  # fmt: skip
    assert refused.status_code == 401
    moved = _post_webhook(live_server, shop, sendcloud, parcel.carrier_reference, 91, "Parcel en route", en_route)
    assert moved == {"changed": 1}
    page.reload()
    expect(fulfillments).to_contain_text("In transit — Parcel en route")
    timeline = page.locator("#timeline-title + *")
    expect(timeline).to_contain_text(f"Parcel PA-000001 ({tracking}): in transit (Parcel en route).")
    page.screenshot(path=str(screenshot_dir / "sendcloud-label-in-transit.png"), full_page=True)

    # Delivered: the page shows it and the worker writes the delivered e-mail.
    moved = _post_webhook(live_server, shop, sendcloud, parcel.carrier_reference, 11, "Delivered", delivered)
    assert moved == {"changed": 1}
    page.reload()
    expect(fulfillments).to_contain_text("Delivered")
    expect(timeline).to_contain_text(f"Parcel PA-000001 ({tracking}): delivered.")
    assert run_queued_tasks() == 2  # the delivered e-mail queued, then sent
    assert [(m["To"], m["Subject"]) for m in _mails(shop["outbox"])] == [
        ("margot@example.nl", f"Your order {number} is on its way"),
        ("margot@example.nl", f"Your order {number} has been delivered"),
    ]
    page.reload()
    expect(page.locator("#emails-title + *")).to_contain_text("Sent")
