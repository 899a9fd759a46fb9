"""The orders overview at work in Chromium: everything matching a filter across pages at once, the actions menu
by keyboard alone, and a table that fits the screen."""

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
def busy_week(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    for n in range(30):
        make_order(
            customer={"name": f"Koffiebar Noord {n}", "email": f"inkoop{n}@koffiebar-noord-amsterdam.example.nl"},
            external_ref=f"WEB-{n}",
        )
    for n in range(3):
        make_order(customer={"name": f"Jonas Becker {n}", "email": "jonas@example.de"})


def _log_in(page, live_server, path="/orders/"):
    page.goto(f"{live_server.url}/login/?next={quote(path)}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_select_all_matching_across_pages_then_archive(busy_week, live_server, page, screenshot_dir):
    _log_in(page, live_server, "/orders/?q=koffiebar&page_size=25")
    expect(page.locator("table.orders tbody tr")).to_have_count(25)
    count = page.locator("#selection-count")
    expect(count).to_have_text("None selected")

    page.get_by_label("Select every order on this page").check()
    expect(count).to_have_text("25 selected")
    page.get_by_label("All 30 orders matching the filter").check()
    expect(count).to_have_text("All 30 matching orders selected")
    page.screenshot(path=str(screenshot_dir / "overview-bulk-selection.png"))
    page.get_by_role("button", name="Archive", exact=True).click()

    expect(page.locator(".toast-success p")).to_have_text("30 orders archived.")
    expect(page.locator(".result-count")).to_contain_text("0 orders found")
    assert Order.objects.filter(is_archived=True).count() == 30
    assert Order.objects.filter(is_archived=False).count() == 3


def test_unticking_one_order_leaves_all_matching(busy_week, live_server, page):
    _log_in(page, live_server, "/orders/?q=koffiebar&page_size=25")
    page.get_by_label("All 30 orders matching the filter").check()
    page.get_by_label("Select OR-000030").uncheck()

    expect(page.get_by_label("All 30 orders matching the filter")).not_to_be_checked()
    expect(page.locator("#selection-count")).to_have_text("24 selected")


def test_actions_menu_by_keyboard(busy_week, live_server, page):
    _log_in(page, live_server, "/orders/?q=jonas")
    first = page.locator("table.orders details.menu").nth(0)
    second = page.locator("table.orders details.menu").nth(1)

    first.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first.locator("ul")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(first.get_by_role("link", name="View")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(first.get_by_role("link", name="Fulfill order")).to_be_focused()
    page.keyboard.press("Escape")
    expect(first.locator("ul")).to_be_hidden()
    expect(first.locator("summary")).to_be_focused()

    # Opening another closes the first; a click elsewhere closes it.
    page.keyboard.press("Enter")
    expect(first.locator("ul")).to_be_visible()
    second.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(second.locator("ul")).to_be_visible()
    expect(first.locator("ul")).to_be_hidden()
    page.get_by_role("heading", name="Orders", exact=True).click()
    expect(second.locator("ul")).to_be_hidden()

    # Tab reaches the entries; Enter on Archive archives through the rows' one form.
    second.locator("summary").focus()
    page.keyboard.press("Enter")
    second.get_by_role("button", name="Archive").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".toast-success p")).to_contain_text("archived.")
    assert Order.objects.filter(is_archived=True).count() == 1


def test_the_table_fits_1280_pixels(busy_week, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        _log_in(page, live_server)
        expect(page.locator("table.orders tbody tr")).to_have_count(33)
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280

        # The columns a person hides stay hidden for them.
        page.get_by_text("Columns", exact=True).click()
        choice = page.locator(".column-choice")
        choice.get_by_label("Shop", exact=True).uncheck()
        choice.get_by_label("External ref").check()
        page.get_by_role("button", name="Show these columns").click()
        expect(page.locator("table.orders thead th")).to_have_text(
            [
                "",
                "Number",
                "External ref",
                "Date ▼",
                "Customer",
                "Shop status",
                "Total",
                "Fulfillment",
                "Payment",
                "Status",
                "Actions",
            ]
        )
        page.reload()
        expect(page.locator("table.orders thead th").nth(2)).to_have_text("External ref")
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        context.close()


@pytest.mark.both_databases  # each database folds accents its own way
def test_search_ignores_accents_and_case(transactional_db, live_server, page):
    UserFactory(username="olga", role="operator")
    jaren = make_order(customer={"name": "Café de Jaren", "email": "inkoop@cafedejaren.nl"})
    make_order(customer={"name": "Jürgen Müller", "email": "jm@example.de"})
    _log_in(page, live_server)

    page.get_by_label("Search", exact=True).fill("cafe de jaren")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page.locator("table.orders tbody")).to_contain_text(f"{jaren.number}")
    expect(page.locator("table.orders tbody")).to_contain_text("Café de Jaren")
    page.get_by_label("Search", exact=True).fill("MULLER")
    expect(page.locator("table.orders tbody")).to_contain_text("Jürgen Müller")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
