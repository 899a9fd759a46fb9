"""Closing, opening and reopening an order by what its items' processes have done (order_settle), and the pure
rules behind it (orders/completion.py)."""

from decimal import Decimal

import pytest

from orderly.core.actors import Actor
from orderly.orders import completion
from orderly.orders.models import Order, OrderCharge, OrderItem
from orderly.orders.services import order_cancel, order_settle
from orderly.orders.services.totals import compute_order
from tests.factories import VariantFactory, make_order

D = Decimal


def figures(**kw) -> completion.ItemFigures:
    base = {
        "quantity": 4,
        "line_total": D("40.00"),
        "option_fulfil": True,
        "option_cover": True,
        "option_invoice": True,
    }
    return completion.ItemFigures(**{**base, **kw})


def test_amount_due_counts_only_kept_units_of_items_whose_payment_is_tracked():
    items = [
        figures(qty_returned=1),  # 3 of 4 kept: 30.00
        figures(quantity=3, line_total=D("10.00"), qty_canceled=1),  # 2 of 3 at 3.333…: 6.67, rounded half up
        figures(option_cover=False, line_total=D("99.00")),
    ]
    assert completion.amount_due(items) == D("36.67")


def test_a_charge_is_owed_less_what_the_shop_paid_back_and_not_at_all_while_credited():
    def charge(total, refunded="0", credited=False):
        return OrderCharge(kind="fee", amount=D(total), total=D(total), refunded=D(refunded), credited=credited)

    assert completion.charge_owed(charge("8.41")) == D("8.41")
    assert completion.charge_owed(charge("8.41", refunded="4.00")) == D("4.41")
    assert completion.charge_owed(charge("8.41", refunded="9.00")) == D("0.00")  # never below nothing
    assert completion.charge_owed(charge("8.41", credited=True)) == D("0")
    assert completion.charge_owed(charge("-2.00")) == D("-2.00")  # a discount written as a fee stays
    owed = completion.owed_for_charges([charge("8.41", refunded="4.00"), charge("0.61", credited=True)])
    assert owed == D("4.41")
    # every unit canceled: nothing delivered, no charge owed
    assert completion.amount_due([figures(qty_canceled=4)], owed) == D("0")
    assert completion.amount_due([figures(qty_returned=4)], owed) == D("4.41")


def test_settling_and_the_order_totals_count_what_is_owed_for_the_charges(actor):
    shipping = {"kind": "shipping", "title": "PostNL", "amount": "6.95", "tax_rate": "21"}
    line = {"sku": VariantFactory().sku, "quantity": 1, "unit_price": "10.00", "tax_rate": "0"}
    order = make_order(items=[line], status="open", shop={"charges": [shipping]})
    assert (order.total, order.amount_due) == (D("18.41"), D("18.41"))  # 10.00 + 8.41
    OrderCharge.objects.filter(order=order).update(refunded=D("8.41"))

    order_settle(order=order, actor=actor)

    order.refresh_from_db()
    assert (order.total, order.charges_total, order.amount_due, order.payment_status) == (
        D("18.41"), D("8.41"), D("10.00"), "unpaid"
    )  # fmt: skip
    order.amount_paid = D("10.00")
    compute_order(order, list(order.items.all()))
    assert (order.amount_due, order.payment_status) == (D("10.00"), "paid")


@pytest.mark.parametrize(
    ("due", "paid", "status"),
    [
        (D("10"), D("0"), "unpaid"),
        (D("10"), D("4"), "partially_paid"),
        (D("10"), D("10"), "paid"),
        (D("10"), D("12"), "refund_due"),
        (D("0"), D("0"), "paid"),
    ],
)
def test_payment_status_compares_paid_with_due(due, paid, status):
    assert completion.payment_status(due, paid) == status


def test_payments_cover_units_in_line_order():
    items = [figures(), figures(quantity=2, line_total=D("5.00")), figures(option_cover=False)]
    assert completion.units_paid(items, D("0"), D("45.00")) == [0, 0, 0]
    assert completion.units_paid(items, D("25.00"), D("45.00")) == [2, 0, 0]
    assert completion.units_paid(items, D("42.50"), D("45.00")) == [4, 1, 0]
    assert completion.units_paid(items, D("45.00"), D("45.00")) == [4, 2, 0]


def test_fulfillment_status_counts_units_not_canceled_of_items_that_are_fulfilled():
    assert completion.fulfillment_status([figures(), figures()]) == "unfulfilled"
    assert completion.fulfillment_status([figures(qty_handed_to_carrier=4), figures()]) == "partially_fulfilled"
    assert completion.fulfillment_status([figures(qty_handed_to_carrier=4), figures(qty_canceled=4)]) == "fulfilled"
    assert completion.fulfillment_status([figures(option_fulfil=False)]) == "unfulfilled"


def test_an_order_is_done_when_every_item_is_done_as_its_options_require():
    shipped_invoiced = {"qty_handed_to_carrier": 4, "qty_invoiced": 4}
    assert completion.order_done([figures(**shipped_invoiced)], "paid")
    assert not completion.order_done([figures(**shipped_invoiced)], "partially_paid")
    assert not completion.order_done([figures(**shipped_invoiced)], "refund_due")
    assert completion.order_done([figures(option_cover=False, **shipped_invoiced)], "unpaid")
    assert not completion.order_done([figures(qty_handed_to_carrier=4, qty_invoiced=3)], "paid")
    assert not completion.order_done([figures(qty_handed_to_carrier=3, qty_invoiced=4)], "paid")
    # returned units stay shipped; once credited they no longer need an invoice
    returned = figures(qty_handed_to_carrier=4, qty_invoiced=4, qty_returned=1, qty_credited=1)
    assert completion.order_done([returned], "paid")
    assert completion.order_done([figures(option_invoice=False, option_fulfil=False)], "paid")
    assert not completion.order_done([figures(qty_canceled=4)], "paid"), "an order of canceled items is canceled"


@pytest.fixture
def order(db):
    variant = VariantFactory(sku="ESP-250")
    return make_order(
        items=[
            {"sku": variant.sku, "quantity": 2, "unit_price": "10.00", "tax_rate": "0"},
            {"sku": variant.sku, "quantity": 1, "unit_price": "5.00", "tax_rate": "0"},
        ]
    )


def set_items(order: Order, **fields) -> None:
    for item in order.items.all():
        for name, value in fields.items():
            setattr(item, name, item.quantity if value == "all" else value)
        item.save()


def pay(order: Order, amount: str) -> None:
    Order.objects.filter(pk=order.pk).update(amount_paid=D(amount))


def test_a_new_order_owes_its_total_and_is_unpaid(order):
    assert (order.amount_due, order.payment_status, order.fulfillment_status) == (D("25.00"), "unpaid", "unfulfilled")


def test_the_order_closes_when_the_last_requirement_is_met_and_not_before(order):
    system = Actor.system()
    set_items(order, qty_handed_to_carrier="all")
    order = order_settle(order=order, actor=system)
    assert (order.status, order.fulfillment_status) == ("open", "fulfilled")

    set_items(order, qty_invoiced="all")
    pay(order, "24.99")
    order = order_settle(order=order, actor=system)
    assert (order.status, order.payment_status) == ("open", "partially_paid")
    assert list(order.items.values_list("qty_costs_paid", flat=True)) == [2, 0]

    pay(order, "25.00")
    order = order_settle(order=order, actor=system)
    assert (order.status, order.payment_status) == ("closed", "paid")
    assert set(order.items.values_list("status", flat=True)) == {"closed"}
    kinds = list(order.events.values_list("kind", "message")[:3])
    assert kinds[0] == ("status_changed", "Status changed from Open to Closed. Closed: every item is done.")
    assert kinds[1][0] == "payment_status_changed"

    events_before = order.events.count()
    order_settle(order=order, actor=system)
    assert order.events.count() == events_before, "settling again changes nothing"


def test_a_closed_order_reopens_when_an_item_needs_work_again(order):
    set_items(order, qty_handed_to_carrier="all", qty_invoiced="all")
    pay(order, "25.00")
    order = order_settle(order=order, actor=Actor.system())
    assert order.status == "closed"

    item = order.items.first()
    item.qty_handed_to_carrier, item.qty_lost = 1, 1  # a parcel with one unit was lost
    item.save()
    order = order_settle(order=order, actor=Actor.system(), reason="Reopened: a parcel was lost.")

    assert (order.status, order.fulfillment_status) == ("open", "partially_fulfilled")
    assert order.events.first().message == "Status changed from Closed to Open. Reopened: a parcel was lost."
    assert sorted(order.items.values_list("line_no", "status")) == [(1, "open"), (2, "closed")]


def test_a_return_after_payment_makes_a_refund_due_and_reopens(order):
    set_items(order, qty_handed_to_carrier="all", qty_invoiced="all")
    pay(order, "25.00")
    order_settle(order=order, actor=Actor.system())
    item = order.items.get(line_no=1)
    item.qty_returned = item.qty_credited = 1
    item.save()

    order = order_settle(order=order, actor=Actor.system())

    assert (order.status, order.payment_status, order.amount_due) == ("open", "refund_due", D("15.00"))
    pay(order, "15.00")  # the refund was paid
    assert order_settle(order=order, actor=Actor.system()).status == "closed"


def test_a_draft_opens_by_itself_when_paid_in_full_and_not_when_paid_in_part(db):
    variant = VariantFactory(sku="ESP-250")
    draft = make_order(status="draft", items=[{"sku": variant.sku, "quantity": 1, "unit_price": "8.00"}])
    pay(draft, "4.00")
    assert order_settle(order=draft, actor=Actor.system()).status == "draft"
    pay(draft, draft.total)
    opened = order_settle(order=draft, actor=Actor.system())
    assert opened.status == "open"
    assert opened.events.first().message == "Status changed from Draft to Open. Opened because it is paid."


def test_units_are_approved_for_shipment_when_the_order_is_open_and_they_are_paid(order):
    order = order_settle(order=order, actor=Actor.system())
    assert list(order.items.values_list("qty_approved", flat=True)) == [0, 0]
    pay(order, "10.00")
    order = order_settle(order=order, actor=Actor.system())
    assert list(order.items.values_list("qty_approved", flat=True)) == [1, 0]
    OrderItem.objects.filter(order=order).update(option_cover=False)
    order = order_settle(order=order, actor=Actor.system())
    assert list(order.items.values_list("qty_approved", flat=True)) == [2, 1]


def test_canceling_an_order_cancels_every_unit_not_shipped(order, actor):
    first = order.items.get(line_no=1)
    first.qty_handed_to_carrier = 1
    first.save()
    order_cancel(order=order, actor=actor)
    assert sorted(order.items.values_list("line_no", "qty_canceled")) == [(1, 1), (2, 1)]


def test_an_item_already_shipped_or_invoiced_keeps_its_price_and_cannot_be_removed_or_shrink(order, actor):
    from orderly.core.exceptions import ValidationError
    from orderly.orders.services import order_update

    first, second = order.items.order_by("line_no")
    OrderItem.objects.filter(pk=first.pk).update(qty_handed_to_carrier=2, qty_invoiced=1)
    keep_second = {"id": second.id}
    attempts = [
        ([keep_second], "items"),
        ([{"id": first.id, "quantity": 1}, keep_second], "items[0].quantity"),
        ([{"id": first.id, "unit_price": "9.00"}, keep_second], "items[0].unit_price"),
    ]

    def state():
        return list(OrderItem.objects.order_by("pk").values_list("quantity", "unit_price")), order.events.count()

    before = state()
    for items, field in attempts:
        with pytest.raises(ValidationError) as refused:
            order_update(order=order, changes={"items": items}, actor=actor)
        assert refused.value.field == field
    assert (
        list(OrderItem.objects.order_by("pk").values_list("quantity", "unit_price")),
        order.events.count(),
    ) == before

    updated = order_update(order=order, changes={"items": [{"id": first.id, "quantity": 3}, keep_second]}, actor=actor)
    assert (updated.fulfillment_status, updated.amount_due) == ("partially_fulfilled", D("35.00"))


def test_canceling_a_paid_order_leaves_a_refund_due_for_what_was_not_shipped(order, actor):
    first = order.items.get(line_no=1)  # 2 × 10.00
    first.qty_handed_to_carrier = 1
    first.save()
    pay(order, "25.00")

    canceled = order_cancel(order=order, actor=actor)

    canceled.refresh_from_db()
    assert (canceled.status, canceled.amount_due, canceled.payment_status) == ("canceled", D("10.00"), "refund_due")
    assert canceled.events.filter(kind="payment_status_changed").count() == 1


def test_canceling_an_untouched_order_records_no_payment_change(order, actor):
    canceled = order_cancel(order=order, actor=actor)
    assert (canceled.payment_status, canceled.events.filter(kind="payment_status_changed").count()) == ("unpaid", 0)
