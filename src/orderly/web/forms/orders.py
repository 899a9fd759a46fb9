"""The order form (create and edit): posted values → the order services' input, and back for redisplay."""

from orderly.core.exceptions import DomainError
from orderly.orders.models import ADDRESS_FIELDS, Order, OrderItem
from orderly.orders.status import CustomerType, OrderStatus
from orderly.web.forms.fields import Field, FormState, blank_to_none, remap_row, row_indices

ADDRESS_LABELS = {
    "name": "Name",
    "company": "Company",
    "line1": "Address line 1",
    "line2": "Address line 2",
    "postal_code": "Postal code",
    "city": "City",
    "region": "Region",
    "country": "Country code",
    "phone": "Phone",
    "email": "E-mail",
}
ITEM_LABELS = {
    "sku": "SKU",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "tax_rate": "Tax rate %",
    "discount": "Discount",
}
MIN_ROWS = 5
EXTRA_ROWS = 2
MAX_ROWS = 501  # one more than an order may hold, so the service names the limit


class ItemRow:
    """One row of the items table; `item_id` is set for a row showing an existing item."""

    def __init__(self, form: FormState, index: int, item_id: str = "", values: dict | None = None):
        self.index = index
        self.item_id = item_id
        values = values or {}
        context = f"Item row {index + 1}"
        self.fields = {
            name: form.add(f"items[{index}].{name}", label, values.get(name, ""), context=context)
            for name, label in ITEM_LABELS.items()
        }
        self.remove = False

    def __getattr__(self, name) -> Field:
        # Lets templates write row.sku, row.quantity, …
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_blank(self) -> bool:
        return all(field.value == "" for field in self.fields.values())

    @property
    def id_name(self) -> str:
        return f"items[{self.index}].id"

    @property
    def remove_name(self) -> str:
        return f"items[{self.index}].remove"


class OrderForm(FormState):
    """The fields of the manual-order form; the order services validate what it carries."""

    def __init__(self, *, creating: bool):
        super().__init__()
        self.creating = creating
        self.customer = {
            "name": self.add("customer.name", "Customer name"),
            "email": self.add("customer.email", "Customer e-mail"),
            "type": self.add("customer.type", "Customer type", CustomerType.RETAIL),
            "vat_number": self.add("customer.vat_number", "Customer VAT number"),
        }
        self.shipping = {
            name: self.add(f"shipping_address.{name}", label, context="Shipping address")
            for name, label in ADDRESS_LABELS.items()
        }
        self.billing = {
            name: self.add(f"billing_address.{name}", label, context="Billing address")
            for name, label in ADDRESS_LABELS.items()
        }
        self.billing_same = True
        self.currency = self.add("currency", "Currency", "EUR")
        self.notes = self.add("notes", "Notes")
        self.status = self.add("status", "Status", OrderStatus.OPEN) if creating else None
        self.items: list[ItemRow] = []
        self.items_error = ""
        self._sent_rows: list[int] = []  # form row of each item sent to the service, in order

    # Filling the form

    @classmethod
    def blank(cls) -> "OrderForm":
        form = cls(creating=True)
        form.items = [ItemRow(form, i) for i in range(MIN_ROWS)]
        return form

    @classmethod
    def from_order(cls, order: Order) -> "OrderForm":
        form = cls(creating=False)
        form.customer["name"].value = order.customer_name
        form.customer["email"].value = order.customer_email
        form.customer["type"].value = order.customer_type
        form.customer["vat_number"].value = order.customer_vat_number
        for prefix, address in (("shipping", order.shipping_address), ("billing", order.billing_address)):
            if address:
                for name, field in getattr(form, prefix).items():
                    field.value = getattr(address, name)
        form.billing_same = order.billing_address is None
        form.currency.value = order.currency
        form.notes.value = order.notes
        items = list(order.items.all())
        form.items = [ItemRow(form, i, str(item.id), _item_values(item)) for i, item in enumerate(items)]
        form._pad_rows()
        return form

    @classmethod
    def from_post(cls, data, *, creating: bool) -> "OrderForm":
        form = cls(creating=creating)
        indices = row_indices(data, "items", MAX_ROWS)
        for position, posted in enumerate(indices):
            row = ItemRow(form, position, str(data.get(f"items[{posted}].id", "")).strip())
            for name, field in row.fields.items():
                field.value = str(data.get(f"items[{posted}].{name}", "")).strip()
            row.remove = bool(data.get(f"items[{posted}].remove")) and bool(row.item_id)
            form.items.append(row)
        # Item fields were read above under their posted row numbers; read the rest by name.
        for field in form.fields.values():
            if not field.name.startswith("items["):
                field.value = str(data.get(field.name, "")).strip()
        form.billing_same = bool(data.get("billing_same"))
        form._pad_rows()
        return form

    def _pad_rows(self) -> None:
        wanted = max(MIN_ROWS, len(self.items) + (EXTRA_ROWS if not self.creating else 0))
        while len(self.items) < wanted:
            self.items.append(ItemRow(self, len(self.items)))

    # What the services receive

    def _address(self, fields: dict[str, Field]) -> dict:
        return {name: fields[name].value for name in ADDRESS_FIELDS}

    def _items(self) -> list[dict]:
        entries = []
        self._sent_rows = []
        for row in self.items:
            if row.is_blank or row.remove:
                continue
            entry = {}
            if row.item_id:
                # order_update keeps what the form does not show (position, options, metadata, …)
                entry["id"] = _as_id(row.item_id)
            entry.update(
                sku=row.sku.value,
                quantity=blank_to_none(row.quantity.value),
                unit_price=blank_to_none(row.unit_price.value),
                tax_rate=blank_to_none(row.tax_rate.value),
                discount=blank_to_none(row.discount.value),
            )
            entries.append(entry)
            self._sent_rows.append(row.index)
        return entries

    def _order_fields(self) -> dict:
        return {
            "customer": {key: field.value for key, field in self.customer.items()},
            "shipping_address": self._address(self.shipping),
            "billing_address": None if self.billing_same else self._address(self.billing),
            "currency": self.currency.value,
            "notes": self.notes.value,
        }

    def create_input(self) -> dict:
        """Keyword arguments for `order_create` (besides channel and actor)."""
        return {**self._order_fields(), "status": self.status.value, "items": self._items()}

    def update_changes(self, order: Order, *, items_editable: bool) -> dict:
        """The `changes` for `order_update`; the item rows whenever they may change (the service itself tells an
        unchanged list from an edit)."""
        changes = self._order_fields()
        if items_editable:
            changes["items"] = self._items()
        return changes

    # Errors

    def show_error(self, exc: DomainError, *, place: str | None = None) -> None:
        if exc.field == "items":
            self.items_error = exc.message[:1].upper() + exc.message[1:]
            self.error = self.items_error
            return
        super().show_error(exc, place=place or remap_row(exc.field, self._sent_rows, "items"))


def _as_id(value: str):
    return int(value) if value.isdigit() else value


def _item_values(item: OrderItem) -> dict:
    return {
        "sku": item.sku,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "tax_rate": item.tax_rate,
        "discount": item.discount,
    }
