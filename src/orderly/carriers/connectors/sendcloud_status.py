"""Sendcloud's parcel statuses in Orderly's words.

Sendcloud names a status three ways: a numeric id in webhooks (`parcel.status.id`, the parcel statuses list), an
upper-case code on v3 shipments (`READY_TO_SEND`), and a lower-case code on v3 tracking events (`accepted`) or
the slug of its parent status (`at-sorting-centre`). Ids come first; a code or, failing that, the status message
is matched after normalising it (lower case, words joined by `_`), so a status Sendcloud adds later still maps
when its words say what it is.

Mapping choices: the first scans by the carrier (picked up by the driver, en route to the sorting centre,
accepted) are *handed to carrier*; sorting, customs and the last mile are *in transit*; a parcel waiting at a
service point is still *in transit* (the customer has not taken it); a problem the merchant may have to act on
(delay, failed attempt, refused, address invalid, announcement failed) is an *exception* whose words the timeline
shows. "Unknown" and a cancellation still being requested carry no news and map to None (no update).
"""

import re

from orderly.carriers.connectors.base import TrackingStatus as S

# Sendcloud's documented parcel status ids.
BY_ID: dict[int, S | None] = {
    1: S.ANNOUNCED,  # Announced
    3: S.HANDED_TO_CARRIER,  # En route to sorting center
    4: S.EXCEPTION,  # Delivery delayed
    5: S.IN_TRANSIT,  # Sorted
    6: S.EXCEPTION,  # Not sorted
    7: S.IN_TRANSIT,  # Being sorted
    8: S.EXCEPTION,  # Delivery attempt failed
    11: S.DELIVERED,  # Delivered
    12: S.IN_TRANSIT,  # Awaiting customer pickup
    13: S.ANNOUNCED,  # Announced: not collected
    15: S.EXCEPTION,  # Error collecting
    22: S.HANDED_TO_CARRIER,  # Shipment picked up by driver
    80: S.EXCEPTION,  # Unable to deliver
    91: S.IN_TRANSIT,  # Parcel en route
    92: S.IN_TRANSIT,  # Driver en route
    93: S.DELIVERED,  # Shipment collected by customer
    999: S.ANNOUNCED,  # No label
    1000: S.ANNOUNCED,  # Ready to send
    1001: S.ANNOUNCED,  # Being announced
    1002: S.EXCEPTION,  # Announcement failed
    1337: None,  # Unknown status
    1998: S.CANCELED,  # Cancelled upstream
    1999: None,  # Cancellation requested
    2000: S.CANCELED,  # Cancelled
    2001: None,  # Submitting cancellation request
}

# Codes, parent-status slugs and messages, normalised by `_key`.
BY_WORDS: dict[str, S | None] = {
    **dict.fromkeys(
        (
            "ready_to_send",
            "announced",
            "announcing",
            "being_announced",
            "no_label",
            "announced_uncollected",
            "announced_not_collected",
            "label_created",
        ),
        S.ANNOUNCED,
    ),
    **dict.fromkeys(
        (
            "accepted",
            "to_sorting",
            "en_route_to_sorting_center",
            "en_route_to_sorting_centre",
            "picked_up_by_driver",
            "shipment_picked_up_by_driver",
            "picked_up",
        ),
        S.HANDED_TO_CARRIER,
    ),
    **dict.fromkeys(
        (
            "sorted",
            "sorting",
            "being_sorted",
            "at_sorting_centre",
            "at_sorting_center",
            "at_customs",
            "in_transit",
            "shipment_on_route",
            "parcel_en_route",
            "driver_on_route",
            "driver_en_route",
            "out_for_delivery",
            "awaiting_customer_pickup",
            "ready_for_collection",
            "delivery_date_changed",
            "delivery_method_changed",
        ),
        S.IN_TRANSIT,
    ),
    **dict.fromkeys(
        ("delivered", "delivery_forced", "collected_by_customer", "shipment_collected_by_customer"), S.DELIVERED
    ),
    **dict.fromkeys(
        (
            "delayed",
            "delivery_delayed",
            "unsorted",
            "unsorted2",
            "not_sorted",
            "delivery_failed",
            "delivery_attempt_failed",
            "collect_error",
            "error_collecting",
            "undeliverable",
            "unable_to_deliver",
            "announcement_failed",
            "refused_by_recipient",
            "address_invalid",
            "delivery_address_changed",
            "exception",
        ),
        S.EXCEPTION,
    ),
    **dict.fromkeys(("returned_to_sender", "return_to_sender"), S.RETURNED_TO_SENDER),
    **dict.fromkeys(("cancelled", "canceled", "cancelled_upstream", "cancelling_upstream"), S.CANCELED),
    **dict.fromkeys(
        ("unknown", "cancelling", "cancellation_requested", "submitting_cancellation_request", "none"), None
    ),
}

UNMAPPED = object()


def _key(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")


def status_of(*, status_id: object = None, code: str = "", message: str = "") -> S | None:
    """Orderly's status for a Sendcloud status, or None when it carries no news (unknown, cancellation pending).

    A status none of id, code and message tells is an exception: the merchant sees the carrier's words."""
    if isinstance(status_id, int) and not isinstance(status_id, bool) and status_id in BY_ID:
        return BY_ID[status_id]
    for words in (code, message):
        if isinstance(words, str) and words:
            found = BY_WORDS.get(_key(words), UNMAPPED)
            if found is not UNMAPPED:
                return found  # type: ignore[return-value]
    return S.EXCEPTION
