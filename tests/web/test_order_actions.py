import pytest

from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.orders.services import order_archive, order_cancel
from tests.factories import VariantFactory, make_order
from tests.web.helpers import error_order, in_progress_order, snapshot, text

pytestmark = pytest.mark.django_db


def _follow(client, url, data=None):
    return client.post(url, data or {}, follow=True)


def _toasts(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_open_a_draft(op):
    order = make_order(status="draft")
    response = _follow(op, f"/orders/{order.number}/open/")
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert _toasts(response) == [("success", f"Order {order.number} opened.")]
    order.refresh_from_db()
    assert order.status == "open"
    assert order.events.first().message == "Status changed from Draft to Open."


def test_cancel(op):
    order = make_order()
    response = _follow(op, f"/orders/{order.number}/cancel/")
    assert _toasts(response) == [("success", f"Order {order.number} canceled.")]
    order.refresh_from_db()
    assert order.status == "canceled"
    assert "Order OR-000001 Canceled" in text(response)


def test_archive_then_unarchive(op):
    order = make_order()
    response = _follow(op, f"/orders/{order.number}/archive/")
    assert _toasts(response) == [("success", f"Order {order.number} archived.")]
    order.refresh_from_db()
    assert order.is_archived is True
    response = _follow(op, f"/orders/{order.number}/unarchive/")
    assert _toasts(response) == [("success", f"Order {order.number} unarchived.")]
    order.refresh_from_db()
    assert order.is_archived is False
    assert [e.kind for e in order.events.all()[:2]] == ["unarchived", "archived"]


def test_reset_clears_an_error_once_the_cause_is_fixed(op):
    order = error_order()
    VariantFactory(sku="GONE-1")
    response = _follow(op, f"/orders/{order.number}/reset/")
    assert _toasts(response) == [("success", f"Order {order.number} reset.")]
    order.refresh_from_db()
    assert order.error_code == ""
    assert "has an error" not in text(response)


def test_reset_while_the_cause_remains_warns_with_the_error(op):
    order = error_order()
    response = _follow(op, f"/orders/{order.number}/reset/")
    assert _toasts(response) == [
        ("warning", f"Order {order.number} reset; it still has an error: No product matches SKU GONE-1.")
    ]
    order.refresh_from_db()
    assert order.error_code == "unknown_sku"


def test_the_notification_is_a_status_toast(op):
    order = make_order()
    html = _follow(op, f"/orders/{order.number}/archive/").content.decode()
    assert '<div class="toasts" role="status" aria-live="polite">' in html
    assert f'<div class="toast toast-success">\n          <p>Order {order.number} archived.</p>' in html
    # in the page's flow, inside main above its content: it floats over no button
    assert html.index('<main id="main"') < html.index('<div class="toasts"') < html.index("<h1>")


def test_an_error_notification_is_an_alert(op):
    order = make_order()
    order_cancel(order=order, actor=Actor.system())
    html = _follow(op, f"/orders/{order.number}/cancel/").content.decode()
    assert '<div class="toast toast-error" role="alert">' in html


@pytest.mark.parametrize(
    ("setup", "action", "reason"),
    [
        (
            lambda: order_cancel(order=make_order(), actor=Actor.system()),
            "open",
            "Cannot open: order OR-000001 is canceled, and canceled → open is not allowed.",
        ),
        (
            lambda: order_cancel(order=make_order(), actor=Actor.system()),
            "cancel",
            "Cannot cancel: order OR-000001 is canceled, and canceled → canceled is not allowed.",
        ),
        (
            lambda: in_progress_order(),
            "cancel",
            "Cannot cancel order OR-000001: it is in progress; take it out of its plan first.",
        ),
        (lambda: make_order(), "unarchive", "Order OR-000001 is not archived."),
        (
            lambda: order_archive(order=make_order(), actor=Actor.system()),
            "archive",
            "Order OR-000001 is already archived.",
        ),
        (
            lambda: order_archive(order=make_order(status="draft"), actor=Actor.system()),
            "open",
            "Order OR-000001 is archived; unarchive it first.",
        ),
        (
            lambda: order_cancel(order=make_order(), actor=Actor.system()),
            "reset",
            "Order OR-000001 is canceled; there is nothing to reset.",
        ),
    ],
    ids=[
        "open-canceled",
        "cancel-canceled",
        "cancel-in-progress",
        "unarchive",
        "archive-twice",
        "open-archived",
        "reset",
    ],
)
def test_a_refused_action_shows_the_reason_and_changes_nothing(op, setup, action, reason):
    order = setup()
    before = snapshot(order)
    response = _follow(op, f"/orders/{order.number}/{action}/")
    assert response.status_code == 200
    assert _toasts(response) == [("error", reason)]
    assert snapshot(order) == before


@pytest.mark.parametrize("action", ["open", "cancel", "archive", "unarchive", "reset"])
def test_viewer_gets_403_on_every_action_and_nothing_changes(viewer, action):
    order = make_order(status="draft")
    if action == "unarchive":
        order = order_archive(order=order, actor=Actor.system())
    before = snapshot(order)
    response = viewer.post(f"/orders/{order.number}/{action}/")
    assert response.status_code == 403
    assert "This needs the operator role; you are signed in as a viewer." in text(response)
    assert snapshot(order) == before


def test_actions_are_post_only(op):
    order = make_order()
    assert op.get(f"/orders/{order.number}/archive/").status_code == 405
    order.refresh_from_db()
    assert order.is_archived is False


def test_unknown_action_or_order_is_404(op):
    order = make_order()
    assert op.post(f"/orders/{order.number}/explode/").status_code == 404
    assert op.post("/orders/OR-424242/archive/").status_code == 404


def test_action_from_the_overview_returns_to_it_with_its_filters(op):
    order = make_order()
    response = op.post(f"/orders/{order.number}/archive/", {"next": "/orders/?q=anna&page_size=25"})
    assert response.status_code == 302
    assert response["Location"] == "/orders/?q=anna&page_size=25"


def test_next_pointing_elsewhere_is_ignored(op):
    order = make_order()
    response = op.post(f"/orders/{order.number}/archive/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/orders/{order.number}/"


def test_delete_confirm_page_warns_what_follows(op):
    order = make_order()
    response = op.get(f"/orders/{order.number}/delete/")
    assert response.status_code == 200
    page = text(response)
    assert f"Delete order {order.number}?" in page
    assert "The order disappears from every list, search and page, and from the API." in page
    assert "so a later sync will never import this order again" in page
    assert "This cannot be undone." in page
    assert f"Delete order {order.number} Keep the order" in page
    assert Order.objects.filter(pk=order.pk).exists()


def test_delete_confirm_names_the_external_id(op):
    order = make_order(external_id="shop-9001")
    html = op.get(f"/orders/{order.number}/delete/").content.decode()
    assert (
        "Orderly remembers its shop (Manually entered) and its external id <code>shop-9001</code>, "
        "so a later sync will never import this order again."
    ) in html


def test_delete_removes_the_order_from_every_page(op):
    order = make_order()
    response = _follow(op, f"/orders/{order.number}/delete/")
    assert response.redirect_chain == [("/orders/", 302)]
    assert _toasts(response) == [("success", f"Order {order.number} deleted.")]
    assert not Order.objects.filter(pk=order.pk).exists()
    assert Order.all_objects.get(pk=order.pk).deleted_at is not None
    assert op.get(f"/orders/{order.number}/").status_code == 404
    assert order.number not in text(op.get("/orders/?archived=all"))


def test_delete_refused_while_in_progress_changes_nothing(op):
    order = in_progress_order()
    before = snapshot(order)
    page = text(op.get(f"/orders/{order.number}/delete/"))
    assert "Order OR-000001 is in progress; take it out of its plan before deleting it." in page
    assert "Delete order OR-000001 Keep" not in page
    response = _follow(op, f"/orders/{order.number}/delete/")
    assert _toasts(response) == [
        ("error", "Order OR-000001 is in progress; take it out of its plan before deleting it.")
    ]
    assert snapshot(order) == before


def test_viewer_cannot_open_or_post_the_delete_page(viewer):
    order = make_order()
    before = snapshot(order)
    assert viewer.get(f"/orders/{order.number}/delete/").status_code == 403
    assert viewer.post(f"/orders/{order.number}/delete/").status_code == 403
    assert snapshot(order) == before


def test_add_a_note(op):
    order = make_order()
    response = _follow(op, f"/orders/{order.number}/notes/", {"text": "  Customer called: leave at the door.  "})
    assert _toasts(response) == [("success", f"Note added to order {order.number}.")]
    assert order.events.first().message == "Note: Customer called: leave at the door."
    assert "Note: Customer called: leave at the door." in text(response).split("Timeline", 1)[1]


def test_an_empty_note_is_refused_next_to_the_field(op):
    order = make_order()
    before = snapshot(order)
    response = op.post(f"/orders/{order.number}/notes/", {"text": "   "})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="field-error" id="f-text-error">A note needs text.</p>' in html
    assert 'aria-invalid="true" aria-describedby="f-text-error"' in html
    assert snapshot(order) == before


def test_a_long_note_is_refused_and_kept_in_the_field(op):
    order = make_order()
    before = snapshot(order)
    response = op.post(f"/orders/{order.number}/notes/", {"text": "x" * 2001})
    assert response.status_code == 422
    assert "A note is at most 2000 characters." in text(response)
    assert "x" * 2001 in response.content.decode()
    assert snapshot(order) == before


def test_viewer_cannot_add_a_note(viewer):
    order = make_order()
    before = snapshot(order)
    assert viewer.post(f"/orders/{order.number}/notes/", {"text": "hello"}).status_code == 403
    assert snapshot(order) == before


def test_delete_from_the_overview_returns_to_it(op):
    order = make_order()
    html = op.get("/orders/?q=anna").content.decode()
    assert f'href="/orders/{order.number}/delete/?next=/orders/%3Fq%3Danna"' in html
    page = op.get(f"/orders/{order.number}/delete/?next=/orders/%3Fq%3Danna").content.decode()
    assert '<input type="hidden" name="next" value="/orders/?q=anna">' in page
    response = op.post(f"/orders/{order.number}/delete/", {"next": "/orders/?q=anna"})
    assert response["Location"] == "/orders/?q=anna"
