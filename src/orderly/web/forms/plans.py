"""Forms of the plan pages: a new plan, adding orders, the allocation and a packaging plan's units.

Inputs are named as the plan services name their fields, so a refusal lands next to its input.
"""

import datetime as dt
import re

from orderly.core.exceptions import ValidationError
from orderly.web.forms.fields import FormState

# Order numbers typed into one box: separated by commas, spaces or new lines.
NUMBER_SPLIT = re.compile(r"[\s,;]+")
MAX_TYPED = 2000


def typed_numbers(raw: str) -> list[str]:
    return [part for part in NUMBER_SPLIT.split(raw[:MAX_TYPED]) if part]


def new_plan_form(data=None) -> FormState:
    form = FormState()
    form.add("fulfillment_date", "Fulfillment date")
    form.add("orders", "Orders")
    form.add("add", "Add order (OR number)")
    if data is not None:
        form.values_from(data)
    return form


def fulfillment_date(form: FormState) -> dt.date:
    raw = form.value("fulfillment_date")
    if not raw:
        raise ValidationError("Choose the date the orders must be fulfilled by.", field="fulfillment_date")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{raw!r} is not a date (YYYY-MM-DD).", field="fulfillment_date") from None


def add_orders_form(data=None) -> FormState:
    form = FormState()
    form.add("orders", "Add orders (OR numbers)")
    if data is not None:
        form.values_from(data)
    return form


def allocation_form(lines, data=None, *, fill_all: bool = False) -> FormState:
    """A quantity box per allocation line (`lines[i].quantity`), holding what is allocated now, what was posted,
    or — for *Allocate all stock* — what the planning service's *allocate all* would hold (the line's `fillable`)."""
    form = FormState()
    for index, line in enumerate(lines):
        value = line.fillable if fill_all else line.allocated
        field = form.add(f"lines[{index}].quantity", f"Allocate {line.sku}", value, context=line.sku)
        if data is not None:
            field.value = str(data.get(field.name, "")).strip()
    return form


def allocation_input(form: FormState, lines) -> list[dict]:
    """[{sku, quantity}] for allocation_save; a box that is not a whole number is refused naming its line."""
    result = []
    for index, line in enumerate(lines):
        name = f"lines[{index}].quantity"
        raw = form.value(name) or "0"
        if not raw.isdigit() or len(raw) > 10:
            raise ValidationError(f"must be a whole number of units, 0 or more; got {raw!r}.", field=name)
        result.append({"sku": line.sku, "quantity": int(raw)})
    return result


def packaging_form(data=None, *, units="") -> FormState:
    form = FormState()
    form.add("units", "Units to pack", units)
    if data is not None:
        form.values_from(data)
    return form


def packaging_units(form: FormState) -> int:
    raw = form.value("units")
    if not raw.isdigit() or len(raw) > 10:
        raise ValidationError(f"units must be a whole number more than zero; got {raw!r}.", field="units")
    return int(raw)
