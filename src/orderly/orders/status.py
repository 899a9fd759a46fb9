"""Order and item statuses, and the only status changes allowed."""

from django.db import models


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # not final, not processed
    OPEN = "open", "Open"  # confirmed; being processed
    CLOSED = "closed", "Closed"  # every item done as its options require
    CANCELED = "canceled", "Canceled"  # will not be processed; final


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.OPEN, OrderStatus.CANCELED}),
    OrderStatus.OPEN: frozenset({OrderStatus.CLOSED, OrderStatus.CANCELED}),
    OrderStatus.CLOSED: frozenset({OrderStatus.OPEN}),  # reopened when a return or loss needs work
    OrderStatus.CANCELED: frozenset(),
}

# An item follows its own path through the same statuses.
ItemStatus = OrderStatus
ITEM_TRANSITIONS = ORDER_TRANSITIONS


class ReopenReason(models.TextChoices):
    """Why a closed order is open again (kept on the order while it stays open, for the badge)."""

    RETURN = "return", "Return"  # returned units to refund or credit
    LOST_PARCEL = "lost_parcel", "Lost parcel"  # a parcel never arrived: its units ship again
    OTHER = "other", "Other"  # any other item that needs work again


class Stage(models.TextChoices):
    NEW = "new", "New"  # not yet in a fulfillment plan or batch
    IN_PROGRESS = "in_progress", "In progress"  # in a fulfillment plan or batch
    COMPLETED = "completed", "Completed"  # picked and packed, ready to ship


STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.NEW: frozenset({Stage.IN_PROGRESS}),
    Stage.IN_PROGRESS: frozenset({Stage.NEW, Stage.COMPLETED}),
    Stage.COMPLETED: frozenset({Stage.IN_PROGRESS}),
}


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"  # nothing shipped or handed over
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"  # some items shipped
    FULFILLED = "fulfilled", "Fulfilled"  # every fulfillable item shipped


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"  # nothing received for what is owed
    PARTIALLY_PAID = "partially_paid", "Partially paid"  # some of it received
    PAID = "paid", "Paid"  # everything owed received (or nothing owed)
    REFUND_DUE = "refund_due", "Refund due"  # more received than owed, after a return or cancellation


class ChargeKind(models.TextChoices):
    SHIPPING = "shipping", "Shipping"  # what the customer paid for delivery
    FEE = "fee", "Fee"  # any other charge on the order (handling, payment fee, a negative fee as a discount)


class CustomerType(models.TextChoices):
    RETAIL = "retail", "Retail"
    WHOLESALE = "wholesale", "Wholesale"


class DeliveryType(models.TextChoices):
    SHIP = "ship", "Ship"  # sent by a carrier
    COLLECT = "collect", "Collect"  # picked up by the customer


class Action(models.TextChoices):
    """What a person may ask of an order; which are offered depends on its state."""

    OPEN = "open", "Open"
    CANCEL = "cancel", "Cancel"
    ARCHIVE = "archive", "Archive"
    UNARCHIVE = "unarchive", "Unarchive"
    RESET = "reset", "Reset"
    EDIT = "edit", "Edit"
    DELETE = "delete", "Delete"
