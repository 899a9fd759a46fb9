"""The order form (create and edit): posted values → the order services' input, and back for redisplay."""

import json
import re

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
# An item's parameters (seed 002), folded under each row; named as the order services name them.
PARAMETER_LABELS = {
    "name": "Name on the order",
    "position": "Warehouse position",
    "delivery_type": "Delivery type",
    "delivery_method": "Delivery method",
    "expected_on": "Expected on",
    "purchase_price": "Purchase price",
    "commission": "Commission",
    "adjustments": "Adjustments",
    "identifiers": "Identifiers",
    "metadata": "Metadata",
}
PARAMETER_DEFAULTS = {"delivery_type": "ship"}  # what a blank row shows; the others are blank
OPTION_LABELS = {
    "allocate": "Allocate stock",
    "fulfil": "Fulfil (ship or hand over)",
    "cover": "Track payment",
    "invoice": "Invoice",
}
PARAMETER_HINTS = {
    "adjustments": "One a line, as label: amount (negative to take off), e.g. Gift wrap: 1.50",
    "identifiers": 'A JSON object of what tells this product apart, e.g. {"colour": "black", "size": "250 g"}',
    "metadata": 'A JSON object of anything else to keep with the item, e.g. {"gift_note": "Happy birthday"}',
}
MIN_ROWS = 5
EXTRA_ROWS = 2
MAX_ROWS = 501  # one more than an order may hold, so the service names the limit
TEMPLATE_ROW = 999_999  # the row copied by "Add item row": its number becomes the script's placeholder


class ItemRow:
    """One row of the items table; `item_id` is set for a row showing an existing item. Its parameters and
    options are sent only when the page showed them (`sent`), so a post without them keeps the item's own."""

    hints = PARAMETER_HINTS

    def __init__(self, form: FormState, index: int, item_id: str = "", values: dict | None = None):
        self.index = index
        self.item_id = item_id
        values = values or {}
        context = f"Item row {index + 1}"

        def add(name, label, default=""):
            return form.add(f"items[{index}].{name}", label, values.get(name, default), context=context)

        self.fields = {name: add(name, label) for name, label in ITEM_LABELS.items()}
        self.parameters = {
            name: add(name, label, PARAMETER_DEFAULTS.get(name, "")) for name, label in PARAMETER_LABELS.items()
        }
        self.options = {name: add(f"options.{name}", label, "1") for name, label in OPTION_LABELS.items()}
        self.remove = False
        self.sent: set[str] = set()  # the parameters (and "options") the post carried

    def __getattr__(self, name) -> Field:
        # Lets templates write row.sku, row.quantity, row.metadata, …
        for group in ("fields", "parameters"):
            if name in self.__dict__.get(group, {}):
                return self.__dict__[group][name]
        raise AttributeError(name)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def suffix(self) -> str:
        """What tells the row's parameter fields from another row's, for screen readers."""
        return f", row {self.number}"

    def _changed_parameters(self) -> list[str]:
        """The parameters (and options) this row sets beyond what a blank row shows."""
        named = [
            name for name, field in self.parameters.items() if field.value not in ("", PARAMETER_DEFAULTS.get(name))
        ]
        return [*named, "options"] if any(field.value == "0" for field in self.options.values()) else named

    @property
    def parameters_set(self) -> str:
        """The parameters set on this row, named for its folded summary."""
        return ", ".join(PARAMETER_LABELS.get(name, name).lower() for name in self._changed_parameters())

    @property
    def is_blank(self) -> bool:
        return all(field.value == "" for field in self.fields.values()) and not self._changed_parameters()

    @property
    def parameters_have_error(self) -> bool:
        return any(field.error for field in (*self.parameters.values(), *self.options.values()))

    @property
    def id_name(self) -> str:
        return f"items[{self.index}].id"

    @property
    def remove_name(self) -> str:
        return f"items[{self.index}].remove"

    def read(self, data, posted: int) -> None:
        """Take this row's values from a post, where the row was numbered `posted`."""
        prefix = f"items[{posted}]."
        for name, field in (*self.fields.items(), *self.parameters.items()):
            key = prefix + name
            field.value = str(data.get(key, "")).strip()
            if key in data:
                self.sent.add(name)
        for name, field in self.options.items():
            key = f"{prefix}options.{name}"
            if key in data:  # a ticked box posts its hidden "0" and then "1"; the last one counts
                field.value = "1" if str(data.get(key)) == "1" else "0"
                self.sent.add("options")
        self.remove = bool(data.get(f"{prefix}remove")) and bool(self.item_id)

    def entry(self) -> dict:
        """What the order services receive for this row."""
        entry = {"id": _as_id(self.item_id)} if self.item_id else {}
        # order_update keeps what an existing item's entry leaves out
        entry.update({name: blank_to_none(field.value) for name, field in self.fields.items()})
        entry["sku"] = self.fields["sku"].value
        for name, field in self.parameters.items():
            if name in self.sent:
                entry[name] = adjustments_from_text(field.value) if name == "adjustments" else field.value
        if "options" in self.sent:
            entry["options"] = {name: field.value == "1" for name, field in self.options.items()}
        return entry


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
        items = list(order.items.select_related("variant"))
        form.items = [ItemRow(form, i, str(item.id), _item_values(item)) for i, item in enumerate(items)]
        form._pad_rows()
        return form

    @classmethod
    def from_post(cls, data, *, creating: bool) -> "OrderForm":
        form = cls(creating=creating)
        indices = row_indices(data, "items", MAX_ROWS)
        for position, posted in enumerate(indices):
            row = ItemRow(form, position, str(data.get(f"items[{posted}].id", "")).strip())
            row.read(data, posted)
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
            entries.append(row.entry())
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
        """The service's message at the form field its path falls under: an item's field at its row (the
        service counts only the rows sent), a part of a parameter (`items[0].adjustments[1].amount`) at the
        parameter, the items as a whole above the table."""
        if exc.field == "items":
            self.items_error = self.items_error or exc.message[:1].upper() + exc.message[1:]
        if place is not None or exc.field == "items":
            super().show_error(exc, place=place)
            return
        place, path = self._place(exc.field)
        message = None
        if place and path != exc.field and exc.message.startswith(exc.field):
            rest = exc.field[len(path) :]
            message = f"{self.fields[place].label} ({_part_words(rest)}){exc.message[len(exc.field) :]}"
        super().show_error(exc, place=place, message=message)

    def _place(self, path: str | None) -> tuple[str | None, str | None]:
        """The form field for the service's `path`, and the part of the path it stands for: the path itself, or
        the nearest part of it that is a field (a row's own path or its id: the row's SKU)."""
        candidate = path
        while candidate:
            place = remap_row(candidate, self._sent_rows, "items")
            if place in self.fields:
                return place, candidate
            if ROW_ONLY.match(place or ""):
                return f"{ROW_ONLY.match(place)[1]}.sku", path
            candidate = _parent(candidate)
        return None, None


ROW_ONLY = re.compile(r"^(items\[\d+\])(\.id)?$")
PATH_PART = re.compile(r"\[(\d+)\]|\.(\w+)")


def _parent(path: str) -> str | None:
    """`items[0].adjustments[1].amount` → `items[0].adjustments[1]` → `items[0].adjustments` → …"""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else None


def _part_words(rest: str) -> str:
    """`[1].amount` → "line 2, amount": the part of a parameter a message names."""
    words = [f"line {int(index) + 1}" if index else name.replace("_", " ") for index, name in PATH_PART.findall(rest)]
    return ", ".join(words)


def adjustments_from_text(value: str) -> list[dict]:
    """The Adjustments box, one per line as `label: amount` (`Gift wrap: 1.50`), as the services take them; a line
    without an amount is sent as one, for the service to name."""
    entries = []
    for line in value.splitlines():
        if line.strip():
            label, colon, amount = line.rpartition(":")
            entries.append(
                {"label": label.strip(), "amount": amount.strip()} if colon else {"label": line.strip(), "amount": ""}
            )
    return entries


def adjustments_text(adjustments: list) -> str:
    return "\n".join(f"{entry.get('label', '')}: {entry.get('amount', '')}" for entry in adjustments or [])


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""  # one order on both databases


def _as_id(value: str):
    return int(value) if value.isdigit() else value


def _item_values(item: OrderItem) -> dict:
    return {
        "sku": item.sku,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "tax_rate": item.tax_rate,
        "discount": item.discount,
        # the product's own name shows as the placeholder: a blank box keeps following it
        "name": item.name if item.variant is None or item.name != item.variant.name else "",
        "position": item.position,
        "delivery_type": item.delivery_type,
        "delivery_method": item.delivery_method,
        "expected_on": item.expected_on.isoformat() if item.expected_on else "",
        "purchase_price": item.purchase_price,
        "commission": item.commission,
        "adjustments": adjustments_text(item.adjustments),
        "identifiers": _json_text(item.identifiers),
        "metadata": _json_text(item.metadata),
        **{f"options.{name}": "1" if flag else "0" for name, flag in item.options.items()},
    }
