"""The one catalogue of error codes: every code an error answer can carry, its HTTP status, what it means and the
keys of its `detail`.

A code names one condition, whatever action met it: an archived order is `order_archived` whether someone tried
to edit it, fulfill it or register a return; the `detail` says which order and which action. Every DomainError
carries one of these codes and exactly the detail keys listed here (each shown with an example value, which the
API documentation uses). The README's "Error codes" table is checked against this catalogue by a test.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class ErrorCode(StrEnum):
    """An error code. `status`: the HTTP status of its answer; `meaning`: one sentence for the documentation;
    `detail`: its detail keys, each with an example value."""

    status: int
    meaning: str
    detail: Mapping[str, object]

    def __new__(cls, value: str, status: int, meaning: str, detail: dict | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.meaning = meaning
        member.detail = MappingProxyType(detail or {})
        return member

    # ---- the request itself ----------------------------------------------------------------------------------
    INVALID = "invalid", 422, "A value is not acceptable; `field` names it and `message` says why."
    REQUIRED = "required", 422, "A required value is missing; `field` names it."
    UNKNOWN_FIELD = "unknown_field", 422, "The request sends a field this operation does not take; `field` names it."
    MALFORMED_JSON = "malformed_json", 400, "The request body is not valid JSON."
    BAD_REQUEST = "bad_request", 400, "The request is malformed (for example, a header Django refuses)."
    TOO_LARGE = "too_large", 413, "The request body is larger than the server takes.", {"max_bytes": 2621440}
    UNKNOWN_ENDPOINT = "unknown_endpoint", 404, "No operation of the API is at this path.", {"path": "/api/v1/order"}
    METHOD_NOT_ALLOWED = (
        "method_not_allowed",
        405,
        "The path exists but does not take this method; `allowed` lists those it takes.",
        {"method": "PUT", "allowed": ["GET", "PATCH", "DELETE"]},
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        422,
        "The Idempotency-Key was already used for a different request (the one named); send a new key.",
        {"key": "phone-order-2026-0001", "method": "POST", "path": "/api/v1/orders"},
    )

    # ---- who asks --------------------------------------------------------------------------------------------
    UNAUTHENTICATED = "unauthenticated", 401, "No valid API token was sent: send `Authorization: Bearer <token>`."
    FORBIDDEN = (
        "forbidden",
        403,
        "The token's role may not do this; `required_role` is the least role that may.",
        {"role": "viewer", "required_role": "operator"},
    )
    WEBHOOK_REFUSED = "webhook_refused", 401, "A webhook delivery whose signature is missing or wrong; nothing written."
    RATE_LIMITED = (
        "rate_limited",
        429,
        "Too many requests from this API token, or from this address without a valid token (`scope`): at most "
        "`limit` every `window_seconds`; retry after `retry_after` seconds, as the Retry-After header says too.",
        {"scope": "token", "limit": 600, "window_seconds": 60, "retry_after": 17},
    )

    # ---- what the request names ------------------------------------------------------------------------------
    NOT_FOUND = (
        "not_found",
        404,
        "What the path names does not exist or was deleted; `resource` is order, product, variant, channel, mapping, "
        "plan, plan_order, packaging_plan, fulfillment, invoice, lot, user, machine, profile_group, profile, "
        "roast_batch, email, email_template, batch or batch_order (an order not in the batch).",
        {"resource": "order", "key": "OR-000123"},
    )
    UNKNOWN_REFERENCE = (
        "unknown_reference",
        422,
        "The body names something that does not exist where it must; `resource` is item (of the order), "
        "invoice_item, charge, lot, product, plan_line (a SKU the plan's orders ask for), machine, profile_group or "
        "profile.",
        {"resource": "item", "key": 1234},
    )
    UNKNOWN_SKU = "unknown_sku", 422, "No product variant has this SKU.", {"sku": "ESP-999"}
    INACTIVE_PRODUCT = (
        "inactive_product",
        422,
        "The SKU belongs to an inactive product or variant, which cannot be ordered.",
        {"sku": "ESP-250"},
    )
    ALREADY_EXISTS = (
        "already_exists",
        409,
        "Another resource already has this unique name or SKU.",
        {"resource": "product", "key": "Espresso blend"},
    )
    QUANTITY_EXCEEDS = (
        "quantity_exceeds",
        422,
        "More units of an item than it has to fulfill, return or credit; `allowed` is the most there are.",
        {"sku": "ESP-250", "requested": 5, "allowed": 3},
    )
    ITEM_PROCESSED = (
        "item_processed",
        422,
        "An order line whose units were shipped, returned or invoiced cannot be removed, changed or reduced below "
        "the `processed` units.",
        {"line": 2, "sku": "ESP-250", "processed": 3},
    )

    # ---- states ----------------------------------------------------------------------------------------------
    TRANSITION_NOT_ALLOWED = (
        "transition_not_allowed",
        409,
        "The status change is not in the resource's transitions table: `current` cannot move to `attempted`.",
        {"resource": "order", "key": "OR-000123", "current": "closed", "attempted": "canceled"},
    )
    ORDER_ARCHIVED = (
        "order_archived",
        409,
        "The order is archived; unarchive it before `action`.",
        {"order": "OR-000123", "action": "edit"},
    )
    ORDER_NOT_ARCHIVED = "order_not_archived", 409, "The order is not archived.", {"order": "OR-000123"}
    ORDER_LOCKED = (
        "order_locked",
        409,
        "The order's status or stage does not allow `action` (editing a closed order, paying a canceled one, "
        "canceling one in a plan…).",
        {"order": "OR-000123", "action": "edit", "status": "closed", "stage": "completed"},
    )
    ORDER_HAS_ERROR = (
        "order_has_error",
        409,
        "The order has a processing error (its code in `error`); fix it and reset the order first.",
        {"order": "OR-000123", "error": "unknown_sku"},
    )
    ALREADY_REVOKED = (
        "already_revoked",
        409,
        "The API token was revoked before (at `revoked_at`).",
        {"token": "ord_1a2b3c4d", "revoked_at": "2026-11-30T12:00:00+00:00"},
    )
    ITEM_COUNTS = (
        "item_counts",
        409,
        "What a process reported would take an item's units out of bounds (below 0, above the quantity, more "
        "credited than invoiced, more returned than shipped…); `counter` names the indicator.",
        {"sku": "ESP-250", "counter": "returned", "before": 0, "after": 3, "quantity": 2},
    )
    ITEM_CANCELED = (
        "item_canceled",
        409,
        "The item is canceled and takes no more work (holding, picking, shipping).",
        {"sku": "ESP-250", "current": "canceled"},
    )
    UNITS_HELD = (
        "units_held",
        409,
        "Units cannot be canceled while its plan holds or packs more for the item than would be left to ship.",
        {"sku": "ESP-250", "held": 2, "expected": 0, "to_ship": 1},
    )
    STOCK_HELD = (
        "stock_held",
        409,
        "Stock is held or being packed for the order (for `skus`); release it from its plan first.",
        {"order": "OR-000123", "skus": ["ESP-250"]},
    )
    TEST_ORDER = "test_order", 409, "A shop's test order cannot be invoiced.", {"order": "OR-000123"}
    NOTHING_TO_FULFILL = (
        "nothing_to_fulfill",
        409,
        "Every unit of the order is fulfilled or canceled already.",
        {"order": "OR-000123"},
    )
    NOT_SHIPPED = (
        "not_shipped",
        409,
        "The fulfillment was collected by the customer; only a shipped parcel can be lost.",
        {"fulfillment": "FF-000012"},
    )
    UNITS_RETURNED = (
        "units_returned",
        409,
        "Units of the fulfillment were returned by the customer, so it cannot be undone.",
        {"fulfillment": "FF-000012", "sku": "ESP-250", "returned": 1},
    )
    NOTHING_TO_INVOICE = (
        "nothing_to_invoice",
        409,
        "Every invoiceable unit and charge of the order is invoiced already.",
        {"order": "OR-000123"},
    )
    INVOICE_NEGATIVE = (
        "invoice_negative",
        409,
        "The order's fees would make the invoice's total negative.",
        {"order": "OR-000123", "total": "-2.50"},
    )
    VAT_TREATMENT_CHANGED = (
        "vat_treatment_changed",
        409,
        "The order's `invoice` bills it with the VAT reverse charged (`reverse_charged` true) or charged, and the new "
        "invoice would treat the VAT the other way (the customer's VAT number, where the goods go or the seller's "
        "setting changed): credit that invoice in full first, or put back what changed.",
        {"order": "OR-000123", "invoice": "INV-000001", "reverse_charged": True},
    )
    REFUND_EXCEEDS_PAID = (
        "refund_exceeds_paid",
        409,
        "A refund of more than was paid for the order.",
        {"order": "OR-000123", "amount": "40.00", "paid": "25.00"},
    )

    # ---- stock -----------------------------------------------------------------------------------------------
    INSUFFICIENT_STOCK = (
        "insufficient_stock",
        409,
        "Not enough packaged stock of the SKU: `needed` units, `available` (held for the item, and free).",
        {"sku": "ESP-250", "needed": "5", "available": "3"},
    )
    INSUFFICIENT_LOOSE_STOCK = (
        "insufficient_loose_stock",
        409,
        "Not enough loose stock (kg) of the product to pack the packaging plan.",
        {"packaging_plan": "PP-000004", "product": "Espresso blend", "needed": "12.5", "available": "8"},
    )
    LOT_SHORT = (
        "lot_short",
        409,
        "More is asked of the lot (to hold, move, consume or adjust away) than it has available (on hand less held).",
        {"lot": "L-000031", "requested": "4", "available": "2"},
    )
    HOLD_OWNED_ELSEWHERE = (
        "hold_owned_elsewhere",
        409,
        "The lot's units for the item are held by another reference (another plan).",
        {"lot": "L-000031", "item": 1234, "reference": "FP-000002", "held_by": "FP-000001"},
    )
    RELEASE_EXCEEDS_HOLD = (
        "release_exceeds_hold",
        409,
        "Releasing more of a lot than is held for the item.",
        {"lot": "L-000031", "item": 1234, "release": "3", "held": "2"},
    )

    # ---- fulfillment plans -----------------------------------------------------------------------------------
    PLAN_NOT_OPEN = (
        "plan_not_open",
        409,
        "The fulfillment plan is no longer open (completed or canceled).",
        {"plan": "FP-000007", "status": "canceled"},
    )
    PACKAGING_PLAN_NOT_PLANNED = (
        "packaging_plan_not_planned",
        409,
        "Only a planned packaging plan can be changed.",
        {"packaging_plan": "PP-000004", "status": "completed"},
    )
    ORDER_NOT_PLANNABLE = (
        "order_not_plannable",
        422,
        "Orders that cannot join a plan (not open, archived, in another plan, with an error…), each with its reason.",
        {"refused": [{"order": "OR-000123", "reason": "OR-000123 is archived."}]},
    )
    ORDER_COMPLETED = (
        "order_completed",
        409,
        "The orders are completed on the plan's pick list; return them first.",
        {"plan": "FP-000007", "orders": ["OR-000123"]},
    )
    ORDER_NOT_COMPLETED = (
        "order_not_completed",
        409,
        "The order is not completed on the plan's pick list.",
        {"plan": "FP-000007", "order": "OR-000123"},
    )
    NOT_ALLOCATED = (
        "not_allocated",
        409,
        "The order's lines are not fully allocated, so it cannot be completed on the pick list.",
        {
            "plan": "FP-000007",
            "order": "OR-000123",
            "lines": [{"line": 1, "sku": "ESP-250", "allocated": 1, "needed": 2}],
        },
    )
    ALLOCATION_REFUSED = (
        "allocation_refused",
        422,
        "An allocation the stock or the orders cannot take: more than ordered, or more than available.",
        {"sku": "ESP-250", "requested": 6, "ordered": 4, "allocated": 0, "available": 10},
    )

    # ---- production (roasting) ------------------------------------------------------------------------------
    CONVERSION_PROBLEMS = (
        "conversion_problems",
        409,
        "Rows of the plan's order conversion cannot be scheduled until fixed; `rows` gives each product's problems.",
        {"rows": {"Espresso blend": ["no machine"]}},
    )
    NOTHING_TO_SCHEDULE = (
        "nothing_to_schedule",
        409,
        "No row of the plan's order conversion can be scheduled (nothing to roast, or every row has a problem).",
        {"plan": "PL-000001"},
    )
    GREEN_SHORT = (
        "green_short",
        409,
        "The green coffee lots do not have the kg asked for; `available` is what they have.",
        {"lot": "LOT-000012", "requested": "30.000", "available": "24.500"},
    )

    # ---- sales channels --------------------------------------------------------------------------------------
    CHANNEL_KIND_UNSUPPORTED = (
        "channel_kind_unsupported",
        422,
        "The channel's kind cannot do `action` (pull, pull_order or import_csv): a manual or CSV channel is not "
        "pulled, files go to a CSV channel.",
        {"channel": "Phone orders", "kind": "manual", "action": "pull"},
    )
    CHANNEL_DISABLED = "channel_disabled", 409, "The channel is disabled; enable it first.", {"channel": "Webshop"}
    SYNC_RUNNING = (
        "sync_running",
        409,
        "Another sync of the channel is queued or running (`run`).",
        {"channel": "Webshop", "run": 42},
    )
    ALREADY_SENT = "already_sent", 409, "The push to the shop was sent already.", {"push": 17}
    CSV_REJECTED = (
        "csv_rejected",
        422,
        "The CSV file has errors and nothing was imported; `errors` lists each with its line (the header is line "
        "1), column and reason.",
        {"errors": [{"line": 3, "column": "quantity", "reason": "must be a whole number"}]},
    )
    # ---- customer e-mails -------------------------------------------------------------------------------------
    TEMPLATE_INVALID = (
        "template_invalid",
        422,
        "The e-mail template cannot be used: `part` (subject or body) fails at `line` (null when not one line's "
        "fault) for `reason`; nothing was saved.",
        {"part": "body", "line": 4, "reason": "Invalid block tag on line 4: 'load'."},
    )
    EMAIL_NOT_FINISHED = (
        "email_not_finished",
        409,
        "The e-mail is still queued (being sent or waiting for its next attempt); resend it once it is sent or failed.",
        {"email": 17, "status": "queued"},
    )
    NO_EMAIL_ADDRESS = (
        "no_email_address",
        409,
        "The order has no e-mail address to write to; add the customer's e-mail to the order first.",
        {"order": "OR-000123"},
    )
    CHANNEL_ERROR = (
        "channel_error",
        502,
        "The shop could not be reached or answered something unusable; recorded on the sync run, never an API answer.",
    )
    CREDENTIALS_UNREADABLE = (
        "credentials_unreadable",
        502,
        "The channel's credentials cannot be read with this server's key; recorded on the sync run.",
        {"channel": "Webshop"},
    )

    # ---- carriers and labels ---------------------------------------------------------------------------------
    NO_SHIPPING_METHOD = (
        "no_shipping_method",
        422,
        "No shipping rule resolves a carrier and method for the order (its country, channel and the shop's delivery "
        "method), and none was given; add a rule or name `carrier` and `method`.",
        {"order": "OR-000042", "country": "BE", "delivery_method": "Express"},
    )
    METHOD_NOT_SERVING = (
        "method_not_serving",
        422,
        "The shipping method does not serve the parcel's destination country.",
        {"carrier": "Sendcloud", "method": "postnl:standard", "country": "US"},
    )
    PARCEL_OVERWEIGHT = (
        "parcel_overweight",
        422,
        "The parcel weighs more than its shipping method takes; split the fulfillment or choose a heavier method.",
        {"method": "postnl:standard", "weight_kg": "23.500", "max_weight_kg": "23.000"},
    )
    IN_USE = (
        "in_use",
        409,
        "The resource is still used (a carrier with parcels, a shipping method a rule points at); `resource` and "
        "`key` name it.",
        {"resource": "carrier", "key": "DHL"},
    )
    CARRIER_DISABLED = "carrier_disabled", 409, "The carrier account is disabled; enable it first.", {"carrier": "DHL"}
    CARRIER_REFUSED = (
        "carrier_refused",
        422,
        "The carrier refused the parcel (an address it does not accept, a weight, a service): `carrier_text` is the "
        "carrier's own words and `fix` what to change.",
        {"carrier": "Sendcloud", "carrier_text": "to_address.postal_code: invalid", "fix": "Correct the postal code."},
    )
    CARRIER_AUTH_FAILED = (
        "carrier_auth_failed",
        409,
        "The carrier refused the account's credentials (or they cannot be read with this server's key); enter them "
        "again on the carrier's settings.",
        {"carrier": "Sendcloud", "carrier_text": "Invalid API key", "fix": "Enter the account's API keys again."},
    )
    CARRIER_UNAVAILABLE = (
        "carrier_unavailable",
        503,
        "The carrier could not be reached, timed out, limited the rate or failed on its side; nothing was bought. "
        "Try again later (the same request never buys a second label).",
        {"carrier": "Sendcloud", "carrier_text": "502 Bad Gateway", "fix": "Try again in a few minutes."},
    )
    LABEL_NOT_BOOKED = (
        "label_not_booked",
        409,
        "The fulfillment has no live label (none booked yet, or it was voided): book one first.",
        {"fulfillment": "FF-000012", "label_status": "voided"},
    )
    LABEL_BOOKING = (
        "label_booking",
        409,
        "A booking of this parcel is in progress or its outcome is still unknown; try again shortly.",
        {"fulfillment": "FF-000012"},
    )
    LABEL_VOID_REFUSED = (
        "label_void_refused",
        409,
        "The carrier would not void the label (the parcel was already scanned, say); the fulfillment stays as it is.",
        {"fulfillment": "FF-000012", "carrier": "Sendcloud", "carrier_text": "Parcel already announced"},
    )
    NO_LABEL_FOR_COLLECT = (
        "no_label_for_collect",
        409,
        "The fulfillment was handed over for collection: it has no parcel to label.",
        {"fulfillment": "FF-000012"},
    )
    # ---- order batches ---------------------------------------------------------------------------------------
    BATCH_ORDERS_REFUSED = (
        "batch_orders_refused",
        422,
        "Orders the request names cannot join a batch (unknown, deleted, or in another unfinished batch); `refused` "
        "lists each with its reason, and nothing was created.",
        {"refused": [{"order": "OR-000123", "reason": "OR-000123 is in batch BA-000004, which is not finished."}]},
    )
    BATCH_NOT_FAILED = (
        "batch_not_failed",
        409,
        "The batch is not failed: orders are reprocessed or removed only once processing ended with failures (a "
        "finished batch is history).",
        {"batch": "BA-000001", "status": "finished"},
    )
    BATCH_ORDER_NOT_FAILED = (
        "batch_order_not_failed",
        409,
        "Only failed orders of the batch are reprocessed or removed; `orders` lists those that are not failed.",
        {"batch": "BA-000001", "orders": ["OR-000123"]},
    )
    BATCH_NO_DOCUMENTS = (
        "batch_no_documents",
        409,
        "The batch has no succeeded order yet, so it has no pick & pack list or labels.",
        {"batch": "BA-000001", "status": "processing"},
    )

    # ---- faults on our side ----------------------------------------------------------------------------------
    WRITE_CONFLICT = (
        "write_conflict",
        409,
        "The database refused the write (another request wrote the same thing at the same time); retry it.",
    )
    BUSY = (
        "busy",
        409,
        "The records this request needs stayed busy with other writes (a lock wait, deadlock or serialization "
        "failure, retried a few times); nothing was written: send the request again.",
        {"attempts": 4},
    )
    SERVER_ERROR = "server_error", 500, "Something went wrong on our side; it has been logged."
