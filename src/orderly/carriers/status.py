"""Statuses of parcels (their label, and their tracking) and the only changes allowed."""

from django.db import models

from orderly.carriers.connectors.base import LabelFormat, TrackingStatus


class CarrierKind(models.TextChoices):
    SENDCLOUD = "sendcloud", "Sendcloud"  # its v3 REST API
    EASYPOST = "easypost", "EasyPost"  # its v2 REST API
    OWN = "own", "Own label"  # a merchant's own courier: Orderly numbers the parcel and draws the label


class LabelStatus(models.TextChoices):
    NONE = "none", "No label"  # reserved, never booked yet
    BOOKING = "booking", "Booking"  # the carrier is being asked, or was and its answer is not known yet
    BOOKED = "booked", "Booked"  # a live label: the one the parcel travels with
    FAILED = "failed", "Failed"  # the carrier refused or could not be reached; booking again is allowed
    VOIDED = "voided", "Voided"  # canceled at the carrier; booking again makes a new label


LABEL_TRANSITIONS: dict[str, frozenset[str]] = {
    LabelStatus.NONE: frozenset({LabelStatus.BOOKING}),
    LabelStatus.BOOKING: frozenset({LabelStatus.BOOKED, LabelStatus.FAILED}),
    LabelStatus.BOOKED: frozenset({LabelStatus.VOIDED}),
    LabelStatus.FAILED: frozenset({LabelStatus.BOOKING}),
    LabelStatus.VOIDED: frozenset({LabelStatus.BOOKING}),
}

TrackingChoices = models.TextChoices(
    "TrackingChoices", [(s.name, (s.value, s.value.replace("_", " "))) for s in TrackingStatus]
)
LabelFormatChoices = models.TextChoices(
    "LabelFormatChoices", [(f.name, (f.value, f.value.upper())) for f in LabelFormat]
)

_T = TrackingStatus
# Where a parcel may go next. A carrier's update that the table does not allow (an old scan arriving after a newer
# one) is kept as a tracking event but does not move the parcel.
TRACKING_TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({_T.ANNOUNCED}),
    _T.ANNOUNCED: frozenset(
        {_T.HANDED_TO_CARRIER, _T.IN_TRANSIT, _T.DELIVERED, _T.EXCEPTION, _T.RETURNED_TO_SENDER, _T.CANCELED}
    ),
    _T.HANDED_TO_CARRIER: frozenset({_T.IN_TRANSIT, _T.DELIVERED, _T.EXCEPTION, _T.RETURNED_TO_SENDER}),
    _T.IN_TRANSIT: frozenset({_T.DELIVERED, _T.EXCEPTION, _T.RETURNED_TO_SENDER}),
    _T.EXCEPTION: frozenset({_T.IN_TRANSIT, _T.DELIVERED, _T.RETURNED_TO_SENDER}),
    _T.DELIVERED: frozenset(),
    _T.RETURNED_TO_SENDER: frozenset(),
    _T.CANCELED: frozenset({_T.ANNOUNCED}),  # voided, then booked again
}

# Statuses after which a parcel's tracking is not polled any more.
FINAL_TRACKING = frozenset({_T.DELIVERED, _T.RETURNED_TO_SENDER, _T.CANCELED})
