"""Kinds of stock and of stock movements."""

from django.db import models


class LotKind(models.TextChoices):
    PACKAGED = "packaged", "Packaged"  # units of a variant (bags), ready to pick
    LOOSE = "loose", "Loose"  # kg of a finished product, not yet packed
    RAW = "raw", "Raw material"  # kg of a named raw-material lot (green coffee)


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"  # stock came in
    ADJUSTMENT = "adjustment", "Adjustment"  # counted, damaged, found: always with a reason
    MOVE_OUT = "move_out", "Moved out"  # left this lot for another position
    MOVE_IN = "move_in", "Moved in"  # arrived from another position
    CONSUMPTION = "consumption", "Consumed"  # used up to make something (loose kg packed into bags)
    OUTPUT = "output", "Produced"  # made here (bags packed from loose kg)
    SHIPMENT = "shipment", "Shipped"  # held units left the warehouse
    HOLD = "hold", "Held"  # set aside for an order item; on hand unchanged
    RELEASE = "release", "Released"  # a hold given back; on hand unchanged
    SHIP_REVERSAL = "ship_reversal", "Shipment reversed"  # a canceled fulfillment's units back into their lots
    RETURN = "return", "Returned"  # units a customer sent back, restocked as a new lot


UNIT_BY_KIND = {LotKind.PACKAGED: "units", LotKind.LOOSE: "kg", LotKind.RAW: "kg"}
