"""Plan pages: overview, Fulfill from selected orders, the tabs and their actions, per role."""

import datetime as dt
import re

import pytest

from orderly.core.actors import Actor
from orderly.inventory.models import Hold, Lot
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order, OrderItem
from orderly.plans.models import FulfillmentPlan, PackagingPlan, PlanOrder
from orderly.plans.selectors import allocation_lines
from orderly.plans.services import allocation_save, plan_create
from tests.factories import ProductFactory, VariantFactory, make_order
from tests.web.helpers import messages_of, text

ROLES = ["viewer", "operator", "manager", "admin"]


@pytest.fixture
def shop(db):
    """Espresso blend: 10 bags of 250 g packed, 3 kg loose; Anna orders 4 bags, Café Noord 8 bags and 2 × 1 kg."""
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product, package_size="0.250")
    VariantFactory(sku="ESP-1000", name="Espresso blend 1 kg", product=product, package_size="1.000")
    system = Actor.system()
    stock_receive(kind="packaged", sku="ESP-250", quantity=10, lot_date="2026-11-01", position="A-01", actor=system)
    stock_receive(kind="loose", product="Espresso blend", quantity="3", lot_date="2026-11-02", actor=system)
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 4}])
    cafe = make_order(
        items=[{"sku": "ESP-250", "quantity": 8}, {"sku": "ESP-1000", "quantity": 2}],
        customer={"name": "Café Noord", "email": "inkoop@cafenoord.nl", "type": "wholesale"},
    )
    return {"anna": anna.number, "cafe": cafe.number}


@pytest.fixture
def plan(shop):
    orders = [shop["anna"], shop["cafe"]]
    return plan_create(orders=orders, fulfillment_date=dt.date(2026, 11, 25), actor=Actor.system())


@pytest.fixture
def allocated(plan):
    allocation_save(plan=plan, allocate_all=True, actor=Actor.system())
    return plan


def state() -> tuple:
    return (
        list(FulfillmentPlan.objects.order_by("id").values_list("number", "status")),
        list(PlanOrder.objects.order_by("id").values_list("order_id", "removed_at", "completed_at")),
        list(PackagingPlan.objects.order_by("id").values_list("units", "status")),
        list(Lot.objects.order_by("id").values_list("on_hand", "held")),
        Hold.objects.count(),
        list(Order.all_objects.order_by("id").values_list("stage", flat=True)),
        list(OrderItem.objects.order_by("id").values_list("qty_available", "qty_picked", "qty_packed")),
    )


def plan_pages(number: str) -> list[str]:
    base = f"/plans/{number}/"
    return ["/plans/", base, base + "allocation/", base + "packaging-plans/", base + "pick-list/"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_plan_pages(clients, allocated, role):
    for path in plan_pages(allocated.number):
        response = clients[role].get(path)
        assert response.status_code == 200, path


def test_the_plan_pages_need_a_login(client, allocated):
    for path in [*plan_pages(allocated.number), "/plans/new/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/?next=")


def test_a_viewer_sees_no_actions_and_cannot_post_any(viewer, allocated, shop):
    number = allocated.number
    pages = " ".join(text(viewer.get(path)) for path in plan_pages(number))
    buttons = ("Cancel plan", "Save allocation", "Allocate all stock", "Execute plan", "Complete OR-", "Remove OR-")
    for word in buttons:
        assert word not in pages, word
    before = state()
    pp = PackagingPlan.objects.order_by("id").first().number
    for path in [
        f"/plans/{number}/cancel/",
        f"/plans/{number}/orders/",
        f"/plans/{number}/orders/{shop['anna']}/remove/",
        f"/plans/{number}/allocation/",
        f"/plans/{number}/pick-list/{shop['anna']}/complete/",
        f"/packaging-plans/{pp}/execute/",
        f"/packaging-plans/{pp}/archive/",
        f"/packaging-plans/{pp}/edit/",
        "/plans/new/",
    ]:
        assert viewer.post(path, {"orders": shop["anna"]}).status_code == 403, path
    assert state() == before


def test_the_overview_lists_plans_with_an_actions_menu(op, plan):
    page = text(op.get("/plans/"))

    assert "1 plan." in page
    assert f"{plan.number} 2026-11-25 2 Open" in page
    assert "View Allocation Packaging plans Pick list Cancel plan" in page


def test_the_overview_refuses_an_unknown_status(op, plan):
    response = op.get("/plans/?status=lost")

    assert response.status_code == 400
    assert "status must be one of open, completed, canceled, not 'lost'." in text(response)


def test_fulfill_shows_the_selected_orders_and_creates_the_plan(op, shop):
    page = op.get(f"/plans/new/?orders={shop['anna']}&orders={shop['cafe']}")
    assert page.status_code == 200
    assert "Add order fulfillment" in text(page)
    assert f'value="{shop["cafe"]}" checked' in page.content.decode()

    response = op.post(
        "/plans/new/", {"orders": [shop["anna"], shop["cafe"]], "fulfillment_date": "2026-11-25", "create": "1"}
    )

    assert response.status_code == 302
    plan = FulfillmentPlan.objects.get()
    assert response["Location"] == f"/plans/{plan.number}/"
    assert messages_of(op.get(response["Location"])) == [f"Fulfillment plan {plan.number} created with 2 order(s)."]
    assert set(Order.objects.values_list("stage", flat=True)) == {"in_progress"}


def test_fulfill_adds_an_order_by_number_before_creating(op, shop):
    response = op.post("/plans/new/", {"orders": [shop["anna"]], "add": shop["cafe"].lower(), "create": ""})

    assert response.status_code == 200
    assert f'value="{shop["cafe"]}" checked' in response.content.decode()
    assert FulfillmentPlan.objects.count() == 0


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"fulfillment_date": ""}, "Choose the date the orders must be fulfilled by."),
        ({"fulfillment_date": "next week"}, "'next week' is not a date (YYYY-MM-DD)."),
        (
            {"fulfillment_date": "2026-11-25", "add": "OR-999999"},
            "No order is numbered OR-999999: correct the number, or remove it.",
        ),
    ],
)
def test_a_plan_that_cannot_be_made_is_refused_on_the_form_and_writes_nothing(op, shop, post, message):
    before = state()

    response = op.post("/plans/new/", {"orders": [shop["anna"]], "create": "1", **post})

    assert response.status_code == 422
    assert message in text(response)
    assert "Nothing was saved." in text(response)
    assert state() == before


def test_a_mistyped_number_is_an_error_in_the_add_box_that_can_be_removed(op, shop):
    before = state()
    response = op.post(
        "/plans/new/", {"orders": [shop["anna"]], "add": f"{shop['cafe']} or-99999", "fulfillment_date": "2026-11-25"}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert text(response).count("No order is numbered OR-99999: correct the number, or remove it.") == 2
    assert 'id="f-add" name="add" value="OR-99999"' in html
    form = html.split('action="/plans/new/"')[1].split("</form>")[0]
    assert form.count('type="hidden"') == 1 and 'type="hidden" name="csrfmiddlewaretoken"' in form
    assert f'value="{shop["cafe"]}" checked' in html  # the number that was right joined the plan's orders
    assert '<button type="submit" name="remove_typed" value="1" class="remove-typed">Remove OR-99999</button>' in html

    removed = op.post(
        "/plans/new/",
        {
            "orders": [shop["anna"], shop["cafe"]],
            "add": "OR-99999",
            "remove_typed": "1",
            "fulfillment_date": "2026-11-25",
        },
    )
    assert removed.status_code == 200
    assert "OR-99999" not in removed.content.decode()
    assert state() == before

    created = op.post(
        "/plans/new/", {"orders": [shop["anna"], shop["cafe"]], "fulfillment_date": "2026-11-25", "create": "1"}
    )
    assert created.status_code == 302
    assert FulfillmentPlan.objects.get().plan_orders.count() == 2


def test_the_orders_tab_adds_and_removes_orders(op, shop):
    plan = plan_create(orders=[shop["anna"]], fulfillment_date=dt.date(2026, 11, 25), actor=Actor.system())

    added = op.post(f"/plans/{plan.number}/orders/", {"orders": shop["cafe"]})
    assert added.status_code == 302
    assert messages_of(op.get(added["Location"])) == [f"Added {shop['cafe']} to plan {plan.number}."]

    removed = op.post(f"/plans/{plan.number}/orders/{shop['anna']}/remove/")
    assert removed.status_code == 302
    page = op.get(removed["Location"])
    assert messages_of(page) == [f"Removed {shop['anna']} from plan {plan.number}; it is New again."]
    assert Order.objects.get(number=shop["anna"]).stage == "new"


def test_adding_an_order_that_cannot_join_shows_why_next_to_the_field(op, plan, shop):
    before = state()

    response = op.post(f"/plans/{plan.number}/orders/", {"orders": shop["anna"]})

    assert response.status_code == 422
    assert f"{shop['anna']} is already in plan {plan.number}." in text(response)
    assert 'id="f-orders-error"' in response.content.decode()
    assert state() == before


def test_allocate_all_stock_fills_the_boxes_and_save_allocation_holds_it(op, plan):
    filled = op.get(f"/plans/{plan.number}/allocation/?fill=all")
    html = filled.content.decode()
    assert 'name="lines[0].quantity" value="0"' in html  # ESP-1000: none packed
    assert 'name="lines[1].quantity" value="10"' in html  # ESP-250: the 10 bags there are
    assert "Remaining to be packaged" in text(filled)

    response = op.post(f"/plans/{plan.number}/allocation/", {"lines[0].quantity": "0", "lines[1].quantity": "10"})

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.number}/packaging-plans/"
    assert Lot.objects.get(number="LOT-000001").held == 10
    page = text(op.get(response["Location"]))
    assert "Packaging plans" in page
    assert "ESP-250 Espresso blend 250 g 2 0.5 LOT-000002 0.5 kg 0 Planned" in page
    assert "ESP-1000 Espresso blend 1 kg 2 2 LOT-000002 2 kg 0 Planned" in page


def test_allocate_all_stock_on_the_page_is_what_the_service_holds_for_allocate_all(op, plan):
    html = op.get(f"/plans/{plan.number}/allocation/?fill=all").content.decode()
    filled = [int(value) for value in re.findall(r'name="lines\[\d+\]\.quantity" value="(\d+)"', html)]

    allocation_save(plan=plan, allocate_all=True, actor=Actor.system())

    held = [line.allocated for line in allocation_lines(plan)]
    assert filled == held == [0, 10]


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        (("0", "11"), "Cannot allocate 11 of ESP-250: 0 allocated and 10 more available, so at most 10."),
        (("0", "13"), "Cannot allocate 13 of ESP-250: the plan's orders ask for 12."),
        (("x", "1"), "a whole number of units, 0 or more; got 'x'."),
    ],
)
def test_a_refused_allocation_is_shown_next_to_the_line_and_holds_nothing(op, plan, quantities, message):
    before = state()

    response = op.post(
        f"/plans/{plan.number}/allocation/", {"lines[0].quantity": quantities[0], "lines[1].quantity": quantities[1]}
    )

    assert response.status_code == 422
    assert message in text(response)
    assert 'class="field-error"' in response.content.decode()
    assert state() == before


def test_execute_plan_packs_and_allocates(op, allocated):
    pp = PackagingPlan.objects.get(variant__sku="ESP-250")

    response = op.post(f"/packaging-plans/{pp.number}/execute/")

    assert response.status_code == 302
    assert messages_of(op.get(response["Location"])) == [f"Packaging plan {pp.number} executed: 2 × ESP-250 packed."]
    pp.refresh_from_db()
    assert pp.status == "completed"


def test_a_refused_execution_is_a_notification_and_changes_nothing(op, plan):
    allocation_save(plan=plan, lines=[], actor=Actor.system())  # ESP-250: 12 bags = 3 kg, and ESP-1000 2 kg
    pp = PackagingPlan.objects.get(variant__sku="ESP-250")
    op.post(f"/packaging-plans/{pp.number}/edit/", {"units": "13"})
    before = state()

    response = op.post(f"/packaging-plans/{pp.number}/execute/")

    page = op.get(response["Location"])
    assert messages_of(page)[-1].startswith(f"Cannot execute packaging plan {pp.number}: it needs 3.250 kg")
    assert state() == before


def test_a_packaging_plan_is_edited_and_archived(op, allocated):
    pp = PackagingPlan.objects.get(variant__sku="ESP-1000")
    assert op.get(f"/packaging-plans/{pp.number}/edit/").status_code == 200

    refused = op.post(f"/packaging-plans/{pp.number}/edit/", {"units": "0"})
    assert refused.status_code == 422
    assert "Units to pack must be a whole number more than zero" in text(refused)

    saved = op.post(f"/packaging-plans/{pp.number}/edit/", {"units": "1"})
    assert saved.status_code == 302
    archived = op.post(f"/packaging-plans/{pp.number}/archive/")
    assert archived.status_code == 302
    pp.refresh_from_db()
    assert (pp.units, pp.status) == (1, "archived")


def test_complete_and_return_on_the_pick_list(op, allocated, shop):
    page = text(op.get(f"/plans/{allocated.number}/pick-list/"))
    line = "ESP-250 Espresso blend 250 g · 4 · 4 allocated · LOT-000001 × 4 · A-01"
    assert f"{shop['anna']} Anna de Vries {line}" in page

    completed = op.post(f"/plans/{allocated.number}/pick-list/{shop['anna']}/complete/")
    assert messages_of(op.get(completed["Location"])) == [
        f"Order {shop['anna']} completed: picked and packed, ready to ship."
    ]
    assert Order.objects.get(number=shop["anna"]).stage == "completed"

    returned = op.post(f"/plans/{allocated.number}/pick-list/{shop['anna']}/return/")
    assert messages_of(op.get(returned["Location"])) == [f"Order {shop['anna']} returned to the pick list."]
    assert Order.objects.get(number=shop["anna"]).stage == "in_progress"


def test_completing_an_order_not_fully_allocated_is_refused_with_the_reason(op, allocated, shop):
    before = state()

    response = op.post(f"/plans/{allocated.number}/pick-list/{shop['cafe']}/complete/")

    assert "ESP-250" in messages_of(op.get(response["Location"]))[0]
    assert state() == before


def test_cancel_plan_releases_everything(op, allocated):
    response = op.post(f"/plans/{allocated.number}/cancel/")

    assert response.status_code == 302
    assert FulfillmentPlan.objects.get().status == "canceled"
    assert Hold.objects.count() == 0
    assert set(Order.objects.values_list("stage", flat=True)) == {"new"}


def test_unknown_plans_and_packaging_plans_are_404(op, db):
    for path in ["/plans/OF-999999/", "/plans/OF-999999/allocation/", "/packaging-plans/PP-999999/edit/"]:
        assert op.get(path).status_code == 404, path


def test_the_order_overview_offers_fulfill_with_a_checkbox_per_row_to_operators(op, viewer, shop):
    html = op.get("/orders/").content.decode()
    assert '<form id="bulk-form" class="card bulk" method="post" action="/orders/bulk/"' in html
    fulfill = '<button type="submit" name="bulk_action" value="fulfill" class="primary">Fulfill into a plan</button>'
    assert fulfill in html
    assert f'name="orders" value="{shop["anna"]}" form="bulk-form"' in html

    assert "bulk-form" not in viewer.get("/orders/").content.decode()


def test_the_order_page_shows_its_plan_and_item_indicators(op, allocated, shop):
    response = op.get(f"/orders/{shop['cafe']}/")
    page = text(response)

    assert f"In fulfillment plan {allocated.number} — to fulfill by 2026-11-25." in page
    # folded: each process in a word; held in part and on the pick list is under way, nothing is wrong
    assert "Open Stock: under way Warehouse: under way Shipping: to do Money: to do" in page
    # the whole list one click away, grouped by process
    assert "All indicators of line 1 Stock (under way) Available 6/8 Expected in stock 2/8 Item canceled 0/8" in page
    assert "Stock (to do) Available 0/2 Expected in stock 2/2 Item canceled 0/2" in page
    assert "Shipping (to do) Approved for shipment 0/8 Shipping label applied 0/8" in page
    html = response.content.decode()
    assert html.count('class="tone-part" title="Available: 6 of 8"') == 1
    assert html.count('class="tone-done" title="On pick list: 8 of 8"') == 1
    assert html.count('class="tone-todo" title="Available: 0 of 2"') == 1
    assert html.count('class="tone-none" title="Lost: 0 of 8"') == 1  # no alarm
    assert "tone-alarm" not in html
