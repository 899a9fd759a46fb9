"""Payments, invoices and credit notes of orders.

Amounts on an invoice line are kept as positive numbers for both kinds of document: a credit note's lines carry
the same positive amounts as the invoice lines they take back, and the sign comes from the document's kind
(`Invoice.sign`, `Invoice.signed_total`). So the CHECKs read the same for both, and a credit note that takes back
a whole invoice has exactly the invoice's figures.

An invoice's lines bill units of order items and the order's charges (shipping and fees, `InvoiceLine.kind`); when
the order's prices include tax, so do the invoice's (`prices_include_tax`): its totals then read total = subtotal −
discount, with the tax contained in them (orderly.billing.amounts says why). An invoice that reverse charges the
VAT (`reverse_charge`, billing/vat.py) bills net amounts at 0 %, whatever the order's prices.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone

from orderly.orders.models import Order, OrderCharge, OrderItem

# SQLite computes a CHECK's sums in binary floating point (1.59 + 0.33 ≠ 1.92 there), so "adds up" means "within
# half a cent": the same thing for amounts held in whole cents, exact on PostgreSQL too.
HALF_CENT = Value(Decimal("0.005"))


def _adds_up(total: str, expression) -> Q:
    return Q(**{f"{total}__gt": expression - HALF_CENT}) & Q(**{f"{total}__lt": expression + HALF_CENT})


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"  # money received from the customer
    REFUND = "refund", "Refund"  # money paid back to the customer


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    PAYPAL = "paypal", "PayPal"
    SHOP = "shop", "Paid in the shop"  # recorded from the sales channel's own payment state
    OTHER = "other", "Other"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"  # INV-…: what the customer is charged
    CREDIT_NOTE = "credit_note", "Credit note"  # CN-…: takes back (part of) an invoice


class InvoiceLineKind(models.TextChoices):
    ITEM = "item", "Item"  # units of an order item
    SHIPPING = "shipping", "Shipping"  # the order's shipping charge
    FEE = "fee", "Fee"  # another charge of the order (handling, payment fee; may be negative)


CHARGE_LINE_KINDS = (InvoiceLineKind.SHIPPING, InvoiceLineKind.FEE)


def _total_rule(total: str, subtotal: str, discount: str, tax: str) -> Q:
    """total = subtotal − discount + tax, or total = subtotal − discount where the prices include the tax."""
    tax_added = Q(prices_include_tax=False) & _adds_up(total, F(subtotal) - F(discount) + F(tax))
    tax_inside = Q(prices_include_tax=True) & _adds_up(total, F(subtotal) - F(discount))
    return tax_added | tax_inside


class Payment(models.Model):
    """Money received for an order, or paid back. Never edited: a mistake is put right by a refund."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="Bank or payment provider reference")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=PaymentKind.values), name="payment_kind_known"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} for {self.order_id}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind == PaymentKind.PAYMENT else -self.amount


class Invoice(models.Model):
    """An invoice or a credit note, with snapshots of seller and buyer as they were when it was issued."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(max_length=16, unique=True)
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="For a credit note: the invoice it corrects",
    )
    reason = models.CharField(max_length=500, blank=True, help_text="For a credit note: why")
    # As the order's prices: when they include tax, total = subtotal − discount and tax_total is the tax contained.
    prices_include_tax = models.BooleanField(default=False, help_text="Amounts include their tax (tax contained)")
    # Goods to a business in another EU member state (billing/vat.py): every line at 0 %, its net amount; its credit
    # notes follow it. Such a document never has prices_include_tax.
    reverse_charge = models.BooleanField(default=False, help_text="VAT reverse charged: no VAT, the customer owes it")
    issued_at = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3)
    seller = models.JSONField(default=dict, help_text="Seller details when issued (billing/seller.py)")
    buyer = models.JSONField(default=dict, help_text="Billing address (or shipping address) when issued")
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["-issued_at", "-id"], name="invoice_issued_idx"),
            models.Index(fields=["kind", "-issued_at", "-id"], name="invoice_kind_issued_idx"),
            # The overview's other sorts, alone and with its kind filter (billing.selectors.SORTS).
            models.Index(fields=["total", "id"], name="invoice_total_idx"),
            models.Index(fields=["kind", "number", "id"], name="invoice_kind_number_idx"),
            models.Index(fields=["kind", "total", "id"], name="invoice_kind_total_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_known"),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, discount__gte=0, tax_total__gte=0, total__gte=0),
                name="invoice_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=_total_rule("total", "subtotal", "discount", "tax_total"), name="invoice_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(reverse_charge=False) | Q(tax_total=0, prices_include_tax=False),
                name="invoice_reverse_charge_without_tax",
            ),
            # Only a credit note corrects an invoice, and it always names the one it corrects.
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, credits__isnull=True)
                | Q(kind=InvoiceKind.CREDIT_NOTE, credits__isnull=False),
                name="invoice_credits_only_credit_notes",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def sign(self) -> int:
        return -1 if self.is_credit_note else 1

    @property
    def signed_total(self) -> Decimal:
        return self.total * self.sign


class InvoiceLine(models.Model):
    """Units of one order item, or one of the order's charges (shipping or a fee), on an invoice (or taken back by a
    credit note), with their amounts. A charge line is one unit: its unit price is the charge's amount."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=InvoiceLineKind.choices, default=InvoiceLineKind.ITEM)
    order_item = models.ForeignKey(
        OrderItem, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    order_charge = models.ForeignKey(
        OrderCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4)
    # The shop's taxes of this line, [{"title", "rate", "amount"}], amounts for this line (prorated for a part).
    tax_lines = models.JSONField(default=list, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=2)
    line_subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    line_tax = models.DecimalField(max_digits=14, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    # The invoice's own flag, kept on each line so that the line's CHECK can read it.
    prices_include_tax = models.BooleanField(default=False)

    class Meta:
        ordering = ["invoice_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_positive"),
            # Only a fee may be negative (a discount the shop booked as a fee).
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) | Q(kind=InvoiceLineKind.FEE), name="invoice_line_price_not_negative"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="invoice_line_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="invoice_line_tax_rate_percent"
            ),
            models.CheckConstraint(
                condition=_total_rule("line_total", "line_subtotal", "discount", "line_tax"),
                name="invoice_line_total_adds_up",
            ),
            # A line bills exactly one thing: an item's units, or one charge of a charge's kind.
            models.CheckConstraint(
                condition=Q(kind=InvoiceLineKind.ITEM, order_item__isnull=False, order_charge__isnull=True)
                | Q(kind__in=CHARGE_LINE_KINDS, order_item__isnull=True, order_charge__isnull=False, quantity=1),
                name="invoice_line_item_or_charge",
            ),
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
        ]

    def __str__(self):
        return f"{self.invoice_id}/{self.position} {self.sku} × {self.quantity}"

    @property
    def taxable(self) -> Decimal:
        """After discount: without tax, or with the tax inside when prices include it."""
        return self.line_subtotal - self.discount

    @property
    def net(self) -> Decimal:
        """After discount and without tax: what the tax summary's base sums."""
        return self.taxable - self.line_tax if self.prices_include_tax else self.taxable

    @property
    def is_charge(self) -> bool:
        return self.kind != InvoiceLineKind.ITEM
