"""Every write to fulfillments and returns goes through these services."""

from orderly.shipping.services.fulfilling import fulfillment_create
from orderly.shipping.services.returns import return_register
from orderly.shipping.services.undoing import fulfillment_cancel, fulfillment_report_lost

__all__ = ["fulfillment_cancel", "fulfillment_create", "fulfillment_report_lost", "return_register"]
