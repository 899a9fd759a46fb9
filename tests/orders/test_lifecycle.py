import pytest

from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict, TransitionNotAllowed, ValidationError
from orderly.orders import services
from orderly.orders.models import Order
from orderly.orders.rules import allowed_actions
from orderly.orders.status import ORDER_TRANSITIONS, STAGE_TRANSITIONS, OrderStatus, Stage
from tests.factories import VariantFactory, make_order


def _order_in(status: str, *, archived: bool = False, stage: str = Stage.NEW) -> Order:
    order = make_order(status=OrderStatus.DRAFT if status == OrderStatus.DRAFT else OrderStatus.OPEN)
    Order.objects.filter(pk=order.pk).update(status=status, stage=stage, is_archived=archived)
    order.items.update(status=status)
    order.refresh_from_db()
    return order


def _snapshot(order: Order) -> tuple:
    order = Order.all_objects.get(pk=order.pk)
    return (
        order.status,
        order.stage,
        order.is_archived,
        order.deleted_at,
        order.error_code,
        list(order.items.values_list("status", flat=True)),
        order.events.count(),
    )


ACTION_TARGETS = {"open": OrderStatus.OPEN, "cancel": OrderStatus.CANCELED}


@pytest.mark.parametrize("current", OrderStatus.values)
@pytest.mark.parametrize("action", ["open", "cancel"])
def test_status_actions_follow_the_transitions_table(db, current, action, actor):
    order = _order_in(current)
    target = ACTION_TARGETS[action]
    service = getattr(services, f"order_{action}")
    if action == "open" and current == OrderStatus.CLOSED:
        # the table lets a closed order reopen, but only the processes do that, never a person
        before = _snapshot(order)
        with pytest.raises(Conflict, match="only a draft is opened by hand"):
            service(order=order, actor=actor)
        assert _snapshot(order) == before
    elif target in ORDER_TRANSITIONS[current]:
        result = service(order=order, actor=actor)
        assert result.status == target
        assert set(result.items.values_list("status", flat=True)) == {target}
        event = result.events.order_by("-id").first()
        assert (event.kind, event.data) == ("status_changed", {"before": current, "after": target})
        assert event.actor_name == "olga"
    else:
        before = _snapshot(order)
        with pytest.raises(TransitionNotAllowed) as refused:
            service(order=order, actor=actor)
        assert (refused.value.current, refused.value.attempted) == (current, target)
        assert current in refused.value.message and target in refused.value.message
        assert _snapshot(order) == before


@pytest.mark.parametrize(("current", "target"), [(c, t) for c in OrderStatus.values for t in OrderStatus.values])
def test_close_and_reopen_follow_the_transitions_table(db, current, target):
    order = _order_in(current)
    service = {OrderStatus.CLOSED: services.order_close, OrderStatus.OPEN: services.order_reopen}.get(target)
    if service is None:
        return
    if target in ORDER_TRANSITIONS[current]:
        assert service(order=order, actor=Actor.system()).status == target
    else:
        before = _snapshot(order)
        with pytest.raises(TransitionNotAllowed):
            service(order=order, actor=Actor.system())
        assert _snapshot(order) == before


@pytest.mark.parametrize(("current", "target"), [(c, t) for c in Stage.values for t in Stage.values if c != t])
def test_stage_moves_follow_their_table(db, current, target):
    order = _order_in(OrderStatus.OPEN, stage=current)
    if target in STAGE_TRANSITIONS[current]:
        result = services.order_set_stage(order=order, stage=target, actor=Actor.system(), reason="Added to OF-000001.")
        assert result.stage == target
        assert result.events.order_by("-id").first().message.endswith("Added to OF-000001.")
    else:
        before = _snapshot(order)
        with pytest.raises(TransitionNotAllowed):
            services.order_set_stage(order=order, stage=target, actor=Actor.system())
        assert _snapshot(order) == before


def test_an_order_in_progress_cannot_be_canceled_or_deleted(db, actor):
    order = _order_in(OrderStatus.OPEN, stage=Stage.IN_PROGRESS)
    before = _snapshot(order)
    with pytest.raises(Conflict, match="in progress"):
        services.order_cancel(order=order, actor=actor)
    with pytest.raises(Conflict, match="in progress"):
        services.order_delete(order=order, actor=actor)
    assert _snapshot(order) == before


def test_archive_and_unarchive(db, actor):
    order = make_order()
    services.order_archive(order=order, actor=actor)
    order.refresh_from_db()
    assert order.is_archived and order.archived_at is not None
    assert tuple(order.badge) == ("Archived", "archived")
    before = _snapshot(order)
    with pytest.raises(Conflict, match="already archived"):
        services.order_archive(order=order, actor=actor)
    with pytest.raises(Conflict, match="unarchive it first"):
        services.order_open(order=order, actor=actor)
    assert _snapshot(order) == before
    services.order_unarchive(order=order, actor=actor)
    order.refresh_from_db()
    assert not order.is_archived and order.archived_at is None
    with pytest.raises(Conflict, match="not archived"):
        services.order_unarchive(order=order, actor=actor)
    kinds = list(order.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "archived", "unarchived"]


def test_delete_hides_the_order_but_remembers_its_channel_and_external_id(db, actor):
    order = make_order(external_id="shop-42", external_ref="#42")
    services.order_delete(order=order, actor=actor)
    assert not Order.objects.filter(pk=order.pk).exists()
    kept = Order.all_objects.get(pk=order.pk)
    assert (kept.channel_id, kept.external_id, kept.deleted_at is not None) == (order.channel_id, "shop-42", True)
    assert kept.events.order_by("-id").first().kind == "deleted"
    # the number is never handed out again
    assert make_order().number == "OR-000002"


def test_reset_clears_the_error_once_the_product_exists(db, actor):
    order = make_order(items=[{"sku": "NEW-250", "quantity": 2, "unit_price": "7.00"}], strict=False)
    assert order.error_code == "unknown_sku"
    VariantFactory(sku="NEW-250")
    services.order_reset(order=order, actor=actor)
    order.refresh_from_db()
    assert (order.error_code, order.error_message, order.error_fix) == ("", "", "")
    assert order.items.get().variant.sku == "NEW-250"
    events = list(order.events.order_by("id").values_list("kind", "message"))
    assert [kind for kind, _message in events] == ["created", "error_raised", "error_cleared", "reset"]
    assert events[-1][1] == "Order reset: the checks ran again and found no error."


def test_reset_keeps_the_error_while_the_product_is_inactive(db, actor):
    variant = VariantFactory(sku="OLD-250", is_active=False)
    order = make_order(items=[{"sku": "OLD-250", "quantity": 1}], strict=False)
    assert order.error_code == "inactive_product"
    services.order_reset(order=order, actor=actor)
    order.refresh_from_db()
    assert order.error_code == "inactive_product"
    # the timeline says the Reset left the order in error, and why; nothing says the error was cleared
    last = order.events.order_by("-id").first()
    assert (last.kind, last.data["code"]) == ("reset", "inactive_product")
    assert last.message == f"Order reset: the checks ran again and the order is still in error: {order.error_message}"
    assert not order.events.filter(kind="error_cleared").exists()
    variant.is_active = True
    variant.save()
    services.order_reset(order=order, actor=actor)
    order.refresh_from_db()
    assert order.error_code == ""


def test_reset_is_refused_for_canceled_orders(db, actor):
    order = _order_in(OrderStatus.CANCELED)
    before = _snapshot(order)
    with pytest.raises(Conflict, match="canceled"):
        services.order_reset(order=order, actor=actor)
    assert _snapshot(order) == before


def test_note_added_to_timeline(db, actor):
    order = make_order()
    services.order_note_add(order=order, text="  Customer asked for a gift card.  ", actor=actor)
    event = order.events.order_by("-id").first()
    assert (event.kind, event.data) == ("note_added", {"text": "Customer asked for a gift card."})
    with pytest.raises(ValidationError):
        services.order_note_add(order=order, text="   ", actor=actor)
    assert order.events.count() == 2


@pytest.mark.parametrize(
    ("status", "stage", "archived", "expected"),
    [
        ("draft", "new", False, ["open", "cancel", "archive", "reset", "edit", "delete"]),
        ("open", "new", False, ["cancel", "archive", "reset", "edit", "delete"]),
        ("open", "in_progress", False, ["archive", "reset", "edit"]),
        ("closed", "completed", False, ["archive", "delete"]),
        ("canceled", "new", False, ["archive", "delete"]),
        ("open", "new", True, ["unarchive", "delete"]),
    ],
)
def test_allowed_actions_depend_on_the_state(db, status, stage, archived, expected):
    assert allowed_actions(_order_in(status, stage=stage, archived=archived)) == expected


def test_the_actions_allowed_per_state_are_those_allowed_to_any_order_in_that_state():
    """`allowed_actions_in` (worked out once per state, for pages of orders) agrees with `allowed_actions` on every
    status, stage and archived flag, whatever else the order holds (its number, an error, its payment)."""
    from orderly.orders.models import Order
    from orderly.orders.rules import allowed_actions, allowed_actions_in
    from orderly.orders.status import OrderStatus, PaymentStatus, Stage

    for status in OrderStatus.values:
        for stage in Stage.values:
            for archived in (False, True):
                order = Order(
                    number="OR-004711",
                    status=status,
                    stage=stage,
                    is_archived=archived,
                    error_code="unknown_sku",
                    payment_status=PaymentStatus.PAID,
                )
                assert list(allowed_actions_in(status, stage, archived)) == allowed_actions(order)
