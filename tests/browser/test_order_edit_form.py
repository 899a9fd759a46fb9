"""The order edit form in Chromium: two wrong fields (one of them an item's parameter) are both shown at once, each
at its field, with what was typed kept; fixed, the order is saved and the page shows the parameter."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from orderly.orders.models import Order
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def shop(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    VariantFactory(sku="DEC-500", name="Decaf 500 g", price="14.00")
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": "ESP-250", "quantity": 3}, {"sku": "DEC-500", "quantity": 1}],
    )
    return {"number": order.number}


def _log_in(page, live_server, path):
    page.goto(f"{live_server.url}/login/?next={quote(path)}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_the_edit_form_shows_both_errors_then_saves_once_fixed(shop, live_server, page, screenshot_dir):
    number = shop["number"]
    _log_in(page, live_server, f"/orders/{number}/edit/")
    page.locator("#f-customer-email").fill("margot@")
    parameters = page.locator("#item-1-parameters")
    expect(page.locator("#f-items-1-metadata")).to_be_hidden()  # folded until asked for
    parameters.locator("summary").click()
    page.locator("#f-items-1-position").fill("B-02-1")
    page.locator("#f-items-1-metadata").fill("{gift: yes}")
    page.get_by_role("button", name="Save changes").click()

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was saved. 2 things to correct:")
    expect(summary.locator("li")).to_have_text(
        [
            "Customer e-mail 'margot@' is not a valid e-mail address.",
            "Item row 2: Metadata is not valid JSON: Expecting property name enclosed in double quotes at line 1, "
            'column 2. Write an object such as {"colour": "black", "size": "250 g"}.',
        ]
    )
    expect(page.locator("#f-customer-email-error")).to_have_text(
        "Customer e-mail 'margot@' is not a valid e-mail address."
    )
    expect(page.locator("#f-items-1-metadata-error")).to_contain_text("Metadata is not valid JSON")
    expect(page.locator("#f-items-1-metadata")).to_be_visible()  # the row's parameters open by themselves
    expect(page.locator("#f-items-1-metadata")).to_have_value("{gift: yes}")
    expect(page.locator("#f-items-1-position")).to_have_value("B-02-1")
    expect(page.locator("#f-customer-email")).to_have_value("margot@")
    page.screenshot(path=str(screenshot_dir / "order-edit-every-error.png"), full_page=True)
    summary.locator("li a").nth(1).click()
    expect(page.locator("#f-items-1-metadata")).to_be_focused()
    assert Order.objects.get().customer_email == "margot@example.nl"

    page.locator("#f-customer-email").fill("margot.dewit@example.nl")
    page.locator("#f-items-1-metadata").fill('{"gift": "yes"}')
    # A row added by the script has its own folded parameters, numbered after the others.
    expect(page.locator("tbody.item-row")).to_have_count(7)  # the rows sent back and two blank ones
    page.get_by_role("button", name="Add item row").click()
    expect(page.locator("#f-items-7-sku")).to_be_focused()
    page.locator("#f-items-7-sku").fill("ESP-250")
    page.locator("#f-items-7-quantity").fill("1")
    page.locator("#item-7-parameters summary").click()
    page.locator("#f-items-7-options-invoice").uncheck()
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".toasts")).to_contain_text(f"Order {number} saved.")
    line = page.locator("tbody.item").nth(1)
    line.locator("details.item-parameters summary").click()
    shown = {name: line.locator("dl div", has=page.locator(f"dt:text-is('{name}')")).locator("dd") for name in (
        "Position", "Metadata")}  # fmt: skip
    expect(shown["Position"]).to_have_text("B-02-1")
    expect(shown["Metadata"]).to_have_text("gift: yes")
    order = Order.objects.get()
    assert order.customer_email == "margot.dewit@example.nl"
    assert list(order.items.order_by("line_no").values_list("sku", "position", "metadata", "option_invoice")) == [
        ("ESP-250", "", {}, True),
        ("DEC-500", "B-02-1", {"gift": "yes"}, True),
        ("ESP-250", "", {}, False),
    ]
