"""Statuses of fulfillments and the only changes allowed."""

from django.db import models


class FulfillmentStatus(models.TextChoices):
    FULFILLED = "fulfilled", "Fulfilled"  # shipped or handed over; its units count as fulfilled
    CANCELED = "canceled", "Canceled"  # undone: stock and indicators put back; final
    LOST = "lost", "Lost"  # the parcel never arrived: its units must ship again; final


FULFILLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    FulfillmentStatus.FULFILLED: frozenset({FulfillmentStatus.CANCELED, FulfillmentStatus.LOST}),
    FulfillmentStatus.CANCELED: frozenset(),
    FulfillmentStatus.LOST: frozenset(),
}


class Delivery(models.TextChoices):
    SHIP = "ship", "Ship"  # sent by a carrier, maybe with a tracking number
    COLLECT = "collect", "Collect"  # handed over to the customer at the warehouse; no carrier
