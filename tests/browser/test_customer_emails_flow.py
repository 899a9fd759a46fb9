"""Customer e-mails in Chromium: fulfill an order with a tracking number, the worker sends the shipped e-mail into
the outbox folder and the order page shows it sent; a manager previews a broken template (refused, naming the
line), saves a good one, and an operator resends the e-mail from the log."""

import email
import re
from email import policy

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from tests.factories import UserFactory, VariantFactory, make_order
from tests.notifications.conftest import queue_parcel_emails
from tests.worker import run_queued_tasks

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def shop(transactional_db, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    UserFactory(username="mira", first_name="Mira", last_name="Jansen", role="manager")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00")
    stock_receive(kind="packaged", sku=beans.sku, quantity=10, lot_date="2026-11-01", actor=Actor.system())
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9"}],
    )
    return {"number": order.number, "outbox": settings.EMAIL_FILE_PATH}


def _mails(folder):
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=policy.default))
    return found


def test_the_shipped_email_is_sent_shown_edited_and_resent(shop, live_server, page, screenshot_dir):
    number = shop["number"]
    page.goto(f"{live_server.url}/login/?next=/orders/{number}/fulfill/")
    page.get_by_label("Username").fill("mira")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    # Fulfill with a tracking number: the worker queues the shipped e-mail (its task saved with the fulfillment).
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Manual fulfillment of order {number}")
    page.get_by_label("Carrier").fill("PostNL")
    page.get_by_label("Tracking number").fill("3SMARGOT1")
    page.get_by_role("button", name="Fulfill items").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {number}")
    assert queue_parcel_emails() == 1
    page.reload()
    emails = page.locator("#emails-title + *")
    expect(emails).to_contain_text("Queued")

    # The worker sends it: a file in the outbox folder, and the order page says Sent.
    assert run_queued_tasks() == 1
    [mail] = _mails(shop["outbox"])
    assert (mail["To"], mail["Subject"]) == ("margot@example.nl", f"Your order {number} is on its way")
    assert "Tracking number: 3SMARGOT1" in mail.get_content()
    page.reload()
    expect(emails).to_contain_text("Sent")
    expect(page.locator("#timeline-title + *")).to_contain_text("The shipped e-mail was sent to margot@example.nl.")
    page.screenshot(path=str(screenshot_dir / "emails-order-page.png"), full_page=True)

    # Settings › Customer e-mails: a template that cannot render is refused at Preview, naming its line.
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Customer e-mails").click()
    page.get_by_role("link", name="Edit the shipped e-mail").click()
    page.get_by_label("Subject").fill("On its way: {{ order_number }}")
    page.get_by_label("Body").fill("Hi {{ customer_name }},\n{% if carrier %}{{ carrier }}\nSee you")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#form-errors")).to_contain_text("The body, line 2 cannot be used")
    page.get_by_label("Body").fill("Hi {{ customer_name }},\n{% if carrier %}{{ carrier }}{% endif %}\nSee you")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".email-preview")).to_have_text("Hi Anna de Vries,\nPostNL\nSee you")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".toasts")).to_contain_text("The shipped e-mail's template was saved")
    expect(page.locator("table.email-templates")).to_contain_text("On its way: {{ order_number }}")

    # The e-mail log: Resend queues a new e-mail with the new template; the worker sends it.
    page.get_by_role("link", name="E-mail log", exact=True).click()
    expect(page.locator("table.emails tbody tr")).to_have_count(1)
    page.get_by_role("button", name=re.compile("Resend")).click()
    expect(page.locator(".toasts")).to_contain_text(
        f"The shipped e-mail of order {number} is queued to margot@example.nl"
    )
    expect(page.locator("table.emails tbody tr")).to_have_count(2)
    assert run_queued_tasks() == 1
    assert [m["Subject"] for m in _mails(shop["outbox"])] == [
        f"Your order {number} is on its way",
        f"On its way: {number}",
    ]
    page.reload()
    expect(page.locator("table.emails tbody tr").first).to_contain_text("Sent")
    page.screenshot(path=str(screenshot_dir / "emails-log.png"), full_page=True)
