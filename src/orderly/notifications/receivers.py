"""What this area does when shipping and carriers send their after-commit signals: queue the customer's e-mail.

A receiver never raises: the change that sent the signal is committed already, and its request or task must not
fail because an e-mail could not be queued (the error is logged with the fulfillment).
"""

import logging

from orderly.carriers.signals import parcel_status_changed
from orderly.core.actors import Actor
from orderly.notifications.services import email_queue
from orderly.notifications.status import EmailKind
from orderly.shipping.signals import tracking_assigned

logger = logging.getLogger(__name__)

DELIVERED = "delivered"  # carriers' TrackingStatus.DELIVERED


def _queue(fulfillment, kind: str) -> None:
    try:
        email_queue(fulfillment=fulfillment, kind=kind, actor=Actor.system())
    except Exception:
        logger.exception("The %s e-mail of fulfillment %s could not be queued.", kind, fulfillment)


def on_tracking_assigned(sender, fulfillment, **kwargs) -> None:
    _queue(fulfillment, EmailKind.SHIPPED)


def on_parcel_status_changed(sender, fulfillment=None, status=None, **kwargs) -> None:
    if fulfillment is not None and str(status) == DELIVERED:
        _queue(fulfillment, EmailKind.DELIVERED)


def connect() -> None:
    tracking_assigned.connect(on_tracking_assigned, dispatch_uid="orderly.notifications.shipped")
    parcel_status_changed.connect(on_parcel_status_changed, dispatch_uid="orderly.notifications.delivered")
