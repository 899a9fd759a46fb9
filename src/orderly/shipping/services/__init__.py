"""Every write to fulfillments and returns goes through these services.

Keyword-only; `actor` is an orderly.core.actors.Actor. Refusals raise DomainErrors (ValidationError 422 naming
the field as `items[0].quantity`, NotFound 404, Conflict 409 with a code) and write nothing. Each locks, in the global
order (orderly.core.locks), the order first, then its items, then stock (lots in primary-key order, before a
fulfillment's number is taken), then the fulfillment it undoes. The units shipped, taken back,
lost or returned are told to the orders area (orders.services.order_items_progress), which writes the items'
indicators and the timeline event and settles the order, in the same transaction.

    fulfillment_create(*, order, actor, items=None, shipping_address=None, carrier="", tracking_number="")
        -> Fulfillment
    item_quantity_problem(index, item, quantity) -> ValidationError | None   (a form's check of each row)
    fulfillment_tracking_set(*, fulfillment, actor, carrier, tracking_number, tracking_url="") -> Fulfillment
    fulfillment_tracking_write(*, order, fulfillment, ...)   (the same, its locks held: fulfillment_for_update)
    fulfillment_write(*, order, items, lines, actor, carrier="", lots=None) -> Fulfillment
        (fulfillment_create for a caller holding the order, all its items and the lots locked: a batch's order)
    fulfillment_cancel(*, fulfillment, actor) -> Fulfillment
    fulfillment_report_lost(*, fulfillment, actor) -> Fulfillment
    return_register(*, order, items, reason, restock, actor) -> Return
    fulfillment_record_from_shop(*, order, external_id, lines, actor, carrier="", tracking_number="",
        tracking_url="", draw_stock=False) -> Fulfillment | None

Decisions:
- A fulfillment is of one delivery kind: ship items and collect items are fulfilled separately. Collected items
  take no carrier nor tracking number (ValidationError on that field).
- *available* counts units held for the item: units shipped out of a hold lower it; a cancel holds them again
  and raises it back — unless the order is out of every plan by then (stage new), when the units come back as
  available stock (the plan that held them no longer counts them).
- Each line records the indicator changes its units caused, as the orders area reports them (handed to carrier;
  picked, packed, sorted, released raised to the units shipped; label applied when a carrier or tracking number
  is given; available), and a cancel has it take back exactly those. Each line's stock draws (lot, units, hold
  reference) are kept for the same reason.
- A lost parcel: handed to carrier drops (the units must ship again), lost rises (capped at the item's quantity:
  the column counts units, and a unit lost twice is one unit), stock stays (the units left the warehouse).
- A return: restocked units of stock-kept items (allocate option) come back as a new packaged lot dated today
  (a "return" movement); written-off units change no stock. Items whose stock Orderly does not keep are counted
  as returned without stock. Invoiced units get a credit note from billing (credit_note_for_return).
- A fulfillment or loss whose units were returned cannot be undone (the returned units stay fulfilled ones).
"""

from orderly.shipping.services.from_shop import fulfillment_record_from_shop
from orderly.shipping.services.fulfilling import (
    fulfillment_create,
    fulfillment_tracking_set,
    fulfillment_tracking_write,
    fulfillment_write,
    item_quantity_problem,
)
from orderly.shipping.services.returns import return_register
from orderly.shipping.services.undoing import fulfillment_cancel, fulfillment_report_lost

__all__ = [
    "fulfillment_cancel",
    "fulfillment_create",
    "item_quantity_problem",
    "fulfillment_record_from_shop",
    "fulfillment_report_lost",
    "fulfillment_tracking_set",
    "fulfillment_tracking_write",
    "fulfillment_write",
    "return_register",
]
