"""The words that sum up an order at a glance (the order page's badge and the overview's status column): what
matters most about it now. Pure: reads the order's own fields, so the overview needs no extra query per row."""

from dataclasses import dataclass

from orderly.orders.status import FulfillmentStatus, OrderStatus, ReopenReason, Stage

# Why a reopened order is open again, as the badge says it.
REOPEN_WORDS = {
    ReopenReason.RETURN: "a return to settle",
    ReopenReason.LOST_PARCEL: "a lost parcel to ship again",
    ReopenReason.OTHER: "an item needs work again",
}
STAGE_WORDS = {
    Stage.NEW: ("New", "new"),
    Stage.IN_PROGRESS: ("In progress", "in-progress"),
    Stage.COMPLETED: ("Completed", "completed"),
}


@dataclass(frozen=True)
class Headline:
    words: str  # the badge's text
    css: str  # the badge's colour key
    reason: str = ""  # why, beside the badge (a reopened order)

    def __iter__(self):  # (words, css), as the badge was read before it had a reason
        return iter((self.words, self.css))


def order_headline(order) -> Headline:
    """What matters most about the order now, first match wins: archived, in error, draft, canceled, closed, reopened
    (with the reason), fulfilled or partly so (shipping is what the customer sees, whatever stage the warehouse is
    at), and else its stage in the warehouse (New, In progress, Completed)."""
    if order.is_archived:
        return Headline("Archived", "archived")
    if order.error_code:
        return Headline("Error", "error")
    if order.status == OrderStatus.DRAFT:
        return Headline("Draft", "draft")
    if order.status == OrderStatus.CANCELED:
        return Headline("Canceled", "canceled")
    if order.status == OrderStatus.CLOSED:
        return Headline("Closed", "closed")
    if order.reopened_because:
        return Headline("Open", "reopened", REOPEN_WORDS[ReopenReason(order.reopened_because)])
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        return Headline("Fulfilled", "fulfilled")
    if order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED:
        return Headline("Partially fulfilled", "partially-fulfilled")
    words, css = STAGE_WORDS[Stage(order.stage)]
    return Headline(words, css)
