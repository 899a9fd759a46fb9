"""Seed 004 in Chromium: tick orders → Process → one fails on its address → fix the address → Reprocess → the
batch is finished → download the pick & pack list and all the labels."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from tests.batches.fake_carrier import FakeCarriers
from tests.batches.helpers import break_address
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.both_databases,  # the batch's worker claims its orders with the database's own locking
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def shop(transactional_db, settings, monkeypatch):
    """Three orders, one whose address the shop sent without a postal code; the worker runs each task as it is
    queued, and the carriers area's booking is the loopback stand-in (the live server runs in this process)."""
    settings.TASKS = IMMEDIATE
    carriers = FakeCarriers().install(monkeypatch)
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g")
    stock_receive(kind="packaged", sku=beans.sku, quantity=20, position="A-01", actor=Actor.system())
    numbers = []
    for name in ("Jonas Becker", "Café Noord", "Lena Fischer"):
        order = make_order(
            customer={"name": name, "email": "", "type": "retail"},
            items=[{"sku": beans.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9"}],
            external_ref=f"SEED4-{name[:4].upper()}",
        )
        numbers.append(order.number)
    break_address(order)  # Lena's
    return {"numbers": numbers, "broken": order.number, "carriers": carriers}


def test_process_fix_reprocess_and_download(shop, live_server, page, screenshot_dir):
    page.goto(f"{live_server.url}/login/?next=/orders/?q=SEED4")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("table.orders tbody tr")).to_have_count(3)

    for number in shop["numbers"]:
        page.get_by_label(f"Select {number}").check()
    page.get_by_role("button", name="Process as a batch").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Batch BA-000001")
    expect(page.locator("#batch-progress")).to_contain_text("2 succeeded, 1 failed, 0 waiting, of 3.")
    expect(page.locator("#batch-progress .badge")).to_have_text("Failed")
    broken_row = page.locator("table.batch-orders tbody tr", has_text=shop["broken"])
    expect(broken_row).to_contain_text("it has no postal code, which an address in NL needs")
    page.screenshot(path=str(screenshot_dir / "batch-failed.png"), full_page=True)

    # Fix the address on the order, then reprocess the failed order from the batch page.
    broken_row.get_by_role("link", name=shop["broken"]).click()
    page.goto(f"{live_server.url}/orders/{shop['broken']}/edit/")
    page.locator("#f-shipping-address-postal-code").fill("1015 CJ")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {shop['broken']}")
    page.goto(f"{live_server.url}/orders/batches/BA-000001/")
    page.get_by_role("button", name="Reprocess all failed").click()

    expect(page.locator("#batch-progress .badge")).to_have_text("Finished")
    expect(page.locator("#batch-progress")).to_contain_text("3 succeeded, 0 failed, 0 waiting, of 3.")
    expect(page.locator("table.batch-orders tbody tr", has_text=shop["broken"])).to_contain_text("Succeeded")
    page.screenshot(path=str(screenshot_dir / "batch-finished.png"), full_page=True)

    with page.expect_download() as pick_pack:
        page.get_by_role("link", name="Download pick & pack list").click()
    assert pick_pack.value.suggested_filename == "BA-000001-pick-pack.pdf"
    assert Path(pick_pack.value.path()).read_bytes()[:5] == b"%PDF-"
    page.get_by_label("Label format").select_option("zpl")
    with page.expect_download() as all_labels:
        page.get_by_role("button", name="Download all labels").click()
    assert all_labels.value.suggested_filename == "BA-000001-labels-zpl.zpl"
    assert len(re.findall(rb"\^XA.*?\^XZ", Path(all_labels.value.path()).read_bytes(), re.S)) == 3
    assert shop["carriers"].bought == 3
