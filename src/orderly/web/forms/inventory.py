"""The receive-stock and adjust-stock forms, and the inventory pages' filters.

Fields are named as the inventory services name them, so a service error lands next to its input.
"""

import datetime as dt

from orderly.core.exceptions import ValidationError
from orderly.inventory.status import LotKind
from orderly.web.forms.fields import FormState, blank_to_none

PAGE_SIZE = 50
MAX_DIGITS = 24


def receive_form(data=None) -> FormState:
    form = FormState()
    form.add("kind", "Kind", LotKind.PACKAGED)
    form.add("sku", "SKU (packaged)")
    form.add("product", "Product (loose)")
    form.add("lot", "Lot name (raw material)")
    form.add("quantity", "Quantity (units or kg)")
    form.add("lot_date", "Lot date")
    form.add("position", "Position")
    form.add("note", "Note")
    if data is not None:
        form.values_from(data)
    return form


def receive_input(form: FormState) -> dict:
    """The keyword arguments of stock_receive; a date that is not one is refused here, naming the field."""
    return {
        "kind": form.value("kind"),
        "sku": blank_to_none(form.value("sku")),
        "product": blank_to_none(form.value("product")),
        "lot_name": blank_to_none(form.value("lot")),
        "quantity": quantity(form.value("quantity")),
        "lot_date": parse_date(form.value("lot_date"), "lot_date"),
        "position": blank_to_none(form.value("position")),
        "reason": form.value("note"),
    }


def quantity(raw: str) -> str:
    """The quantity as typed; a number too long to round to grams is refused here (the services say what fits)."""
    digits = sum(ch.isdigit() for ch in raw)
    if digits > MAX_DIGITS or "e" in raw.lower():
        raise ValidationError(
            f"quantity {raw[:40]!r} must be written in plain digits, at most {MAX_DIGITS} of them.", field="quantity"
        )
    return raw


def adjust_form(data=None, *, lot: str = "") -> FormState:
    form = FormState()
    form.add("lot", "Lot number", lot)
    form.add("quantity", "Change (negative takes out)")
    form.add("reason", "Reason")
    if data is not None:
        form.values_from(data)
    return form


def parse_date(raw: str, field: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{field} {raw!r} is not a date (YYYY-MM-DD).", field=field) from None


def page_number(raw: str) -> int:
    """The page asked for; anything that is not a sensible page number is the first page."""
    return int(raw) if raw.isdigit() and 0 < len(raw) < 10 and int(raw) > 0 else 1


def stock_filters(params) -> tuple[dict, ValidationError | None]:
    """The kind and search of the stock and lot pages, as typed, and an error for a kind that does not exist."""
    values = {"q": params.get("q", "").strip()[:200], "kind": params.get("kind", "").strip()}
    if values["kind"] and values["kind"] not in LotKind.values:
        kinds = ", ".join(LotKind.values)
        return values, ValidationError(f"kind must be one of {kinds}, not {values['kind']!r}.", field="kind")
    return values, None
