"""Seed 000's "Scheduling remaining weights" in Chromium: a plan whose packaging waits for roasted coffee → Roast
schedules tab → Add schedules → edit the flagged row → Schedule roasts → the schedules overview → complete the
batch → execute the packaging plan → complete the order on the pick list."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_receive
from orderly.plans.services import allocation_save, plan_create
from orderly.production.models import RoastBatch
from orderly.production.services import masterdata
from tests.factories import ProductFactory, UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def roastery(transactional_db):
    """Anna's 40 bags of 250 g (10 kg) with nothing roasted: the plan's packaging plan waits for a roast. The
    Espresso profile names no green coffee yet, so its order conversion row is flagged."""
    system = Actor.system()
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product, package_size="0.250")
    masterdata.machine_create(
        data={"name": "Probat 12", "min_batch_kg": "5", "max_batch_kg": "15", "batches_per_day": 8}
    )
    green = stock_receive(kind="raw", lot_name="Brazil Santos", quantity="100", lot_date="2026-10-01", actor=system)
    masterdata.profile_group_create(data={"name": "Espresso", "product": "Espresso blend"})
    profile = masterdata.profile_create(
        data={"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "green_lots": [green.number],
              "batch_kg": "12", "end_kg": "10.2"}
    )  # fmt: skip
    masterdata.profile_update(profile=profile, changes={"green_lots": []})
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 40}])
    plan = plan_create(orders=[anna.number], fulfillment_date=date(2026, 11, 30), actor=system)
    allocation_save(plan=plan, actor=system)
    return {"anna": anna.number, "plan": plan.number, "green": green.number}


def test_schedule_roast_complete_pack_and_pick(roastery, live_server, page, screenshot_dir):
    anna, plan, green = roastery["anna"], roastery["plan"], roastery["green"]
    page.goto(f"{live_server.url}/login/?next=/plans/{plan}/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(plan)

    # The packaging plan waits: 10 kg of loose roasted coffee, none on hand.
    page.get_by_role("navigation", name="Plan tabs").get_by_role("link", name="Packaging plans").click()
    expect(page.locator("table.packaging tbody tr").filter(has_text="ESP-250")).to_contain_text("Planned")

    # Roast schedules tab → Add schedules → the order conversion, its row flagged.
    page.get_by_role("link", name="Roast schedules").click()
    expect(page.get_by_role("heading", name="Roast schedules")).to_be_visible()
    expect(page.locator(".empty")).to_contain_text("No roasts scheduled for this plan yet.")
    page.get_by_role("link", name="Add schedules").first.click()
    expect(page.get_by_role("heading", name="Order conversion")).to_be_visible()
    row = page.locator("table.conversion tbody tr").filter(has_text="Espresso blend")
    expect(row).to_contain_text("!")
    expect(row).to_contain_text("No green lot: the profile names no green coffee.")
    expect(row.locator("td.num")).to_have_text(["10", "0", "0", "10", "1", "0.2"])
    expect(page.get_by_label("Schedule Espresso blend")).to_be_disabled()
    page.screenshot(path=str(screenshot_dir / "roast-conversion-flagged.png"), full_page=True)

    # Edit the row: the green lot it lacks.
    row.get_by_role("link", name="Edit Espresso blend").click()
    expect(page.get_by_role("heading", name="Edit Espresso blend")).to_be_visible()
    expect(page.get_by_label("Profile")).to_have_value("Espresso medium")
    expect(page.get_by_label("Machine")).to_have_value("Probat 12")
    page.get_by_label("Green lot").fill(green)
    page.get_by_role("button", name="Save row").click()
    expect(page.locator(".toasts")).to_contain_text("Order conversion row Espresso blend saved.")
    row = page.locator("table.conversion tbody tr").filter(has_text="Espresso blend")
    expect(row).not_to_contain_text("No green lot")
    expect(row).to_contain_text(green)
    expect(page.get_by_label("Schedule Espresso blend")).to_be_checked()
    select_all = page.get_by_label("Select every row that can be scheduled")
    expect(select_all).to_be_visible()
    expect(select_all).to_be_checked()

    # Schedule roasts on a date: the ticked row becomes a roast batch holding 12 kg of green coffee.
    page.get_by_label("Roast date").fill("2026-11-28")
    page.get_by_role("button", name="Schedule roasts").click()
    expect(page.locator(".toasts")).to_contain_text("Scheduled 1 roast batch: RB-000001.")
    batch_row = page.locator("table.roast-batches tbody tr").filter(has_text="RB-000001")
    expect(batch_row).to_contain_text("2026-11-28")
    expect(batch_row).to_contain_text("Scheduled")
    expect(batch_row.locator("td.num")).to_have_text(["1", "12", "10.2"])

    # Roasts › Schedules: the overview lists it; its page completes it.
    main = page.get_by_role("navigation", name="Main")
    main.get_by_text("Roasts", exact=True).click()
    main.get_by_role("link", name="Schedules").click()
    expect(page.get_by_role("heading", name="Roast schedules", level=1)).to_be_visible()
    overview_row = page.locator("table.roast-batches tbody tr").filter(has_text="RB-000001")
    expect(overview_row).to_contain_text("Probat 12")
    expect(overview_row).to_contain_text(plan)
    page.screenshot(path=str(screenshot_dir / "roast-schedules.png"), full_page=True)
    overview_row.get_by_role("link", name="RB-000001").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Roast batch RB-000001")
    expect(page.get_by_label("Green used (kg)")).to_have_value("12")
    expect(page.get_by_label("Roasted out (kg)")).to_have_value("10.2")
    page.get_by_role("button", name="Complete", exact=True).click()
    roasted = Lot.objects.get(kind="loose").number
    expect(page.locator(".toasts")).to_contain_text(f"Roast batch RB-000001 completed into loose lot {roasted}.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completed")
    assert RoastBatch.objects.get().status == "completed"

    # The packaging plan can now be executed from the roasted coffee.
    page.goto(f"{live_server.url}/plans/{plan}/")
    page.get_by_role("navigation", name="Plan tabs").get_by_role("link", name="Packaging plans").click()
    packaging = page.locator("table.packaging tbody tr").filter(has_text="ESP-250")
    packaging.get_by_text("Actions").click()
    packaging.get_by_role("button", name="Execute plan").click()
    expect(page.locator(".toasts")).to_contain_text("executed: 40 × ESP-250 packed.")
    expect(page.locator("table.packaging tbody tr").filter(has_text="ESP-250")).to_contain_text("Completed")

    # Pick list: Anna's 40 bags are held for her; complete the order.
    page.get_by_role("navigation", name="Plan tabs").get_by_role("link", name="Pick list").click()
    pick = page.locator("table.pick-list tbody tr").filter(has_text=anna)
    pick.get_by_role("button", name=f"Complete {anna}").click()
    expect(page.locator(".toasts")).to_contain_text(f"Order {anna} completed: picked and packed, ready to ship.")
    expect(page.locator("table.pick-list tbody tr").filter(has_text=anna)).to_contain_text("Completed")
    page.screenshot(path=str(screenshot_dir / "roast-pick-list.png"), full_page=True)
    assert re.fullmatch(r"LOT-\d{6}", roasted)
