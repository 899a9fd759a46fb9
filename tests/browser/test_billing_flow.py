"""Seed 002 in Chromium: a draft is paid in part (a typo first), then in full and opens by itself; the operator
invoices it, reads the invoice with its tax per rate, and finds it in the invoices overview."""

import pytest
from playwright.sync_api import expect

from tests.billing.factories import item, order_with
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def draft(transactional_db):
    """Written before the browser starts: once Playwright runs its event loop in this thread, Django would hand the
    test a separate database connection that nothing closes."""
    UserFactory(username="olga", role="operator")
    return order_with(item("8.50", 2, "9"), item("12.99", 1, "21"), status="draft")  # 18.53 + 15.72 = 34.25


def test_pay_a_draft_invoice_it_and_find_the_invoice(draft, live_server, page, screenshot_dir):
    order = draft
    page.goto(f"{live_server.url}/login/?next=/orders/{order.number}/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    billing = page.locator("section.billing")
    status = billing.locator(".badge")
    expect(status).to_have_text("Unpaid")

    # A typo: the error sits next to the amount, and nothing is recorded.
    page.get_by_label("Amount (EUR)").fill("20,00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#f-amount-error")).to_contain_text("Amount must be a number")
    expect(billing).to_contain_text("No payments recorded.")

    page.get_by_label("Amount (EUR)").fill("20.00")
    page.get_by_label("Reference").fill("NL-4711")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".toast")).to_contain_text(f"Payment of 20.00 EUR recorded for order {order.number}.")
    expect(status).to_have_text("Partially paid")
    expect(page.locator("h1")).to_contain_text("Draft")

    page.get_by_label("Amount (EUR)").fill("14.25")
    page.get_by_role("button", name="Record payment").click()
    expect(status).to_have_text("Paid")
    expect(page.locator("h1")).not_to_contain_text("Draft")  # opened by itself: it is paid
    expect(page.get_by_text("Opened because it is paid.")).to_be_visible()

    page.get_by_role("button", name="Create invoice").click()
    expect(page.locator(".toast")).to_contain_text("Invoice INV-000001 created: total 34.25 EUR.")
    expect(page.get_by_role("heading", name="Invoice INV-000001")).to_be_visible()
    summary = page.locator("table.tax-summary")
    expect(summary).to_contain_text("9 %")
    expect(summary).to_contain_text("17.00")
    expect(summary).to_contain_text("21 %")
    expect(summary).to_contain_text("2.73")
    expect(page.get_by_role("link", name="Download PDF")).to_have_attribute("href", "/invoices/INV-000001/pdf/")
    page.screenshot(path=str(screenshot_dir / "billing-invoice.png"), full_page=True)

    page.get_by_role("link", name="Invoices", exact=True).first.click()
    expect(page.get_by_role("link", name="INV-000001")).to_be_visible()
    expect(page.locator("table.invoices")).to_contain_text(order.number)
