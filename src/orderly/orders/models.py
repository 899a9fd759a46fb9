from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.core.folding import search_text
from orderly.orders.headline import Headline, order_headline
from orderly.orders.status import (
    ChargeKind,
    CustomerType,
    DeliveryType,
    FulfillmentStatus,
    ItemStatus,
    OrderStatus,
    PaymentStatus,
    ReopenReason,
    Stage,
)

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "postal_code", "city", "region", "country", "phone", "email")


class Address(models.Model):
    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(max_length=254, blank=True)

    def __str__(self):
        return f"{self.name}, {self.line1}, {self.postal_code} {self.city}, {self.country}"

    def as_dict(self) -> dict:
        return {field: getattr(self, field) for field in ADDRESS_FIELDS}


# What the search box matches, folded into Order.search_text.
SEARCHED_FIELDS = ("number", "external_ref", "customer_name", "customer_email")

# The rows every list and index is about: deleted orders are gone from all of them.
VISIBLE = Q(deleted_at__isnull=True)


class OrderQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(deleted_at__isnull=True)


class VisibleOrderManager(models.Manager.from_queryset(OrderQuerySet)):
    """Deleted orders are gone from every list, page and API answer."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True)
    channel = models.ForeignKey("channels.SalesChannel", on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=100, blank=True, help_text="The channel's own id of the order")
    external_ref = models.CharField(max_length=100, blank=True, help_text="The order number the customer saw")
    external_status = models.CharField(max_length=64, blank=True)
    order_date = models.DateTimeField(default=timezone.now)

    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254, blank=True)
    # The searched fields (SEARCHED_FIELDS) folded, written with them: the search box ignores accents and case by a
    # plain substring match on this one column, the same on SQLite and PostgreSQL (a trigram index serves it there).
    search_text = models.TextField(blank=True, default="", editable=False)
    customer_type = models.CharField(max_length=16, choices=CustomerType.choices, default=CustomerType.RETAIL)
    customer_vat_number = models.CharField(
        max_length=20, blank=True, help_text="The business customer's VAT number, printed on its invoices"
    )
    billing_address = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    shipping_address = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set by billing with each invoice: whether it reverse charged the VAT (an intra-EU supply to a business). The
    # customer then owes the lines and charges without their tax (orders/completion.py).
    vat_reverse_charged = models.BooleanField(
        default=False, help_text="Invoiced with VAT reverse charged: the customer owes the amounts without VAT"
    )
    currency = models.CharField(max_length=3, default="EUR")

    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.NEW)
    fulfillment_status = models.CharField(
        max_length=24, choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED
    )
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)
    amount_paid = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), help_text="Payments received less refunds"
    )
    amount_due = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), help_text="What the customer owes for what they keep"
    )
    reopened_because = models.CharField(
        max_length=16, choices=ReopenReason.choices, blank=True, help_text="Why a closed order is open again"
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)
    error_fix = models.CharField(max_length=1000, blank=True)
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    # What the shop said of it. Its own figures are the truth: prices may include tax, and its stated total is
    # what the customer was charged (checked against the lines and charges when the order comes in).
    prices_include_tax = models.BooleanField(default=False, help_text="Unit prices and charges include their tax")
    stated_total = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="The shop's own total of the order"
    )
    is_test = models.BooleanField(default=False, help_text="A test order from the shop")
    delivery_method = models.CharField(max_length=100, blank=True, help_text="The shop's delivery method")
    # [{"code", "type", "amount"}]: the codes the customer used; their amounts are already in the lines' discounts.
    discount_codes = models.JSONField(default=list, blank=True)
    # When the customer paid in another currency than the shop's: the shop's own figures in its currency.
    shop_money = models.JSONField(default=dict, blank=True)

    # Kept by the services from the items; never typed in.
    item_count = models.PositiveIntegerField(default=0)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    charges_total = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), help_text="Shipping and fees, with their tax"
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleOrderManager()
    all_objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-order_date", "-id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(
                fields=["is_archived", "order_date", "id"],
                name="order_overview_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            # Newest first, the overview's default: SQLite cannot use order_overview_idx for that order, because it
            # does not treat `NOT is_archived` as an equality on the index's first column. Carrying is_archived keeps
            # SQLite from counting a page's total through this index row by row (3× slower than a table scan).
            models.Index(
                fields=["-order_date", "-id", "is_archived"],
                name="order_date_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            # One per filter of the overview, in its default order (newest first, read backwards): a page of a
            # filtered list reads its rows from the index whatever the table's size (tests/orders/test_query_plans.py).
            *[
                models.Index(fields=[column, "order_date", "id"], name=f"order_{short}_date_idx", condition=VISIBLE)
                for column, short in (
                    ("status", "status"),
                    ("channel", "channel"),
                    ("stage", "stage"),
                    ("fulfillment_status", "fulfil"),
                    ("payment_status", "payment"),
                    ("customer_type", "custtype"),
                )
            ],
            models.Index(
                fields=["order_date", "id"], name="order_error_date_idx", condition=VISIBLE & ~Q(error_code="")
            ),
            # The start page's counts: open orders by stage read from this index alone, not the table; the orders
            # in error (a few) from the partial one.
            models.Index(
                fields=["status", "stage", "is_archived", "is_test"],
                name="order_stage_count_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["error_code", "is_archived", "is_test"],
                name="order_error_count_idx",
                condition=Q(deleted_at__isnull=True) & ~Q(error_code=""),
            ),
            models.Index(fields=["customer_name"], name="order_customer_idx"),
            models.Index(fields=["external_ref"], name="order_external_ref_idx"),
            models.Index(fields=["total", "id"], name="order_total_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="order_channel_external_unique"
            ),
            models.CheckConstraint(condition=Q(item_count__gte=0), name="order_item_count_not_negative"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # Every write of a searched field goes through here (the importer's rows set search_text themselves), so
        # the folded copy cannot fall behind: saving only other fields leaves it alone.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields).isdisjoint(SEARCHED_FIELDS):
            self.search_text = search_text(*(getattr(self, name) for name in SEARCHED_FIELDS))
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def has_error(self) -> bool:
        return bool(self.error_code)

    @property
    def balance_due(self) -> Decimal:
        return balance_of(amount_due=self.amount_due, amount_paid=self.amount_paid)

    @property
    def badge(self) -> Headline:
        """The order's headline (orders.headline): its words, colour key and reason."""
        return order_headline(self)


def balance_of(*, amount_due: Decimal, amount_paid: Decimal) -> Decimal:
    """What is left to pay: the amount due less what was paid (negative when a refund is due)."""
    return amount_due - amount_paid


# Item indicators of seed 002: name → (OrderItem field holding its quantity, the words for it). Kept as quantities
# because part of an item can be in one state and the rest in another; each follows the process that causes it
# (allocation: available; pick list: on pick list, picked, packed, released; fulfillment: label applied, sorted,
# handed to carrier; loss: lost; payments: costs paid, approved; cancel: canceled; returns: returned; invoices:
# invoiced), never typed in. The processes tell the orders area what happened (services.item_progress), which
# writes them.
ITEM_INDICATORS = {
    "available": ("qty_available", "Available"),
    "expected_in_stock": ("qty_expected", "Expected in stock"),
    "lost": ("qty_lost", "Lost"),
    "on_pick_list": ("qty_on_pick_list", "On pick list"),
    "packed": ("qty_packed", "Packed for shipment"),
    "label_applied": ("qty_label_applied", "Shipping label applied"),
    "costs_paid": ("qty_costs_paid", "Costs paid"),
    "approved_for_shipment": ("qty_approved", "Approved for shipment"),
    "released_for_shipment": ("qty_released", "Released for shipment"),
    "picked": ("qty_picked", "Picked from warehouse"),
    "sorted": ("qty_sorted", "Sorted for shipping"),
    "handed_to_carrier": ("qty_handed_to_carrier", "Handed over to delivery service"),
    "canceled": ("qty_canceled", "Item canceled"),
    "returned": ("qty_returned", "Returned by customer"),
    "invoiced": ("qty_invoiced", "Invoiced"),
}
# Every counter of an item: the indicators' quantities and the units credited. Written by the orders area alone
# (services.item_progress; *costs paid* and *approved* by the settling), never by the processes themselves.
ITEM_COUNTERS = (*(field for field, _label in ITEM_INDICATORS.values()), "qty_credited")
# An item's options: name → the OrderItem field holding it.
ITEM_OPTIONS = {
    "allocate": "option_allocate",
    "fulfil": "option_fulfil",
    "cover": "option_cover",
    "invoice": "option_invoice",
}


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    line_no = models.PositiveSmallIntegerField()
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    # The shop's taxes on the line, [{"title", "rate" (percent), "amount"}]: when given, the line's tax is their
    # sum as the shop charged it, not the rate applied again.
    tax_lines = models.JSONField(default=list, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    adjustments = models.JSONField(default=list, blank=True)
    purchase_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    commission = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    identifiers = models.JSONField(default=dict, blank=True)
    position = models.CharField(max_length=64, blank=True, help_text="Warehouse position")
    option_allocate = models.BooleanField(default=True)
    option_fulfil = models.BooleanField(default=True)
    option_cover = models.BooleanField(default=True, help_text="Payment is tracked")
    option_invoice = models.BooleanField(default=True)
    delivery_type = models.CharField(max_length=16, choices=DeliveryType.choices, default=DeliveryType.SHIP)
    delivery_method = models.CharField(max_length=100, blank=True)
    expected_on = models.DateField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)

    # Item indicators (seed 002), as quantities because part of an item can be in one state and the rest in
    # another. Follow the processes that cause them, never typed in, written by services.item_progress alone;
    # ITEM_INDICATORS lists them.
    qty_available = models.PositiveIntegerField(default=0, help_text="Units allocated (held) from stock")
    qty_expected = models.PositiveIntegerField(default=0, help_text="Units a waiting packaging plan will make")
    qty_lost = models.PositiveIntegerField(default=0, help_text="Units in parcels reported lost")
    qty_on_pick_list = models.PositiveIntegerField(default=0, help_text="Units on a fulfillment plan's pick list")
    qty_packed = models.PositiveIntegerField(default=0)
    qty_label_applied = models.PositiveIntegerField(default=0, help_text="Units in a parcel with a carrier label")
    qty_costs_paid = models.PositiveIntegerField(default=0, help_text="Units covered by the order's payments")
    qty_approved = models.PositiveIntegerField(default=0, help_text="Units cleared to ship (open, no error, paid)")
    qty_released = models.PositiveIntegerField(default=0, help_text="Units released to be shipped")
    qty_picked = models.PositiveIntegerField(default=0)
    qty_sorted = models.PositiveIntegerField(default=0, help_text="Units sorted into a parcel for shipping")
    qty_handed_to_carrier = models.PositiveIntegerField(
        default=0, help_text="Units shipped or handed over (fulfilled), not counting canceled or lost fulfillments"
    )
    qty_canceled = models.PositiveIntegerField(default=0)
    qty_returned = models.PositiveIntegerField(default=0)
    qty_invoiced = models.PositiveIntegerField(default=0, help_text="Units on an invoice")
    # Not an indicator: units of the invoiced ones taken back by credit notes (returns).
    qty_credited = models.PositiveIntegerField(default=0)

    # Kept by the services from the fields above.
    line_subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    line_tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    line_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["order_id", "line_no", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_item_discount_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="order_item_tax_rate_percent"),
            # No process may count more units of an item in a state than were ordered.
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__lte": models.F("quantity")}), name=f"order_item_{field}_le_qty"
                )
                for field, _label in ITEM_INDICATORS.values()
            ),
            models.CheckConstraint(
                condition=Q(qty_credited__lte=models.F("qty_invoiced")), name="order_item_credited_le_invoiced"
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.line_no} {self.sku} × {self.quantity}"

    @property
    def indicators(self) -> dict[str, int]:
        return {name: getattr(self, field) for name, (field, _label) in ITEM_INDICATORS.items()}

    @property
    def options(self) -> dict[str, bool]:
        return {name: getattr(self, field) for name, field in ITEM_OPTIONS.items()}


class OrderCharge(models.Model):
    """Shipping or a fee on an order, with its discount and tax as the shop charged them."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="charges")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=ChargeKind.choices)
    title = models.CharField(max_length=200)
    code = models.CharField(max_length=100, blank=True, help_text="The shop's code for it (its delivery method)")
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Before its discount, on the order's tax basis; a fee may be < 0"
    )
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    tax_lines = models.JSONField(default=list, blank=True)
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    # Billing marks the charge once an invoice carries it, and again when a credit note takes it back.
    invoiced = models.BooleanField(default=False)
    credited = models.BooleanField(default=False)
    # What the shop paid back for this charge (a refunded shipping line), in the terms of `total`: recorded by the
    # channel from the shop's refunds, never typed in. The customer owes total − refunded.
    refunded = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_charge_discount_not_negative"),
            # A negative fee (a discount as a fee line) carries negative tax; nothing else does.
            models.CheckConstraint(condition=Q(tax__gte=0) | Q(kind=ChargeKind.FEE), name="order_charge_tax_sign"),
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="order_charge_kind_known"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(kind=ChargeKind.FEE), name="order_charge_only_fees_negative"
            ),
            models.CheckConstraint(
                condition=Q(credited=False) | Q(invoiced=True), name="order_charge_credited_invoiced"
            ),
            models.CheckConstraint(condition=Q(refunded__gte=0), name="order_charge_refunded_not_negative"),
            models.UniqueConstraint(fields=["order", "position"], name="order_charge_position_unique"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.kind} {self.title} {self.total}"


class ActorKind(models.TextChoices):
    USER = "user", "User"
    CHANNEL = "channel", "Channel"
    SYSTEM = "system", "System"


class OrderEvent(models.Model):
    """One change to an order, as its timeline shows it. Never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_name = models.CharField(max_length=150)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "-created_at", "-id"], name="order_event_timeline_idx")]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
