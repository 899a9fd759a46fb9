"""The roasting forms: machines, profile groups, profiles, an order-conversion row, a roast batch's edit and
completion, and the schedules overview's filters.

Fields are named as the production services name them, so a service error lands next to its input; a service
path into a list (`machines[1]`, `components[0].share`, `rows[0].batch_kg`) lands on the input that holds it.
"""

import re

from orderly.core.exceptions import ValidationError
from orderly.production.status import RoastStatus
from orderly.web.forms.fields import FormState
from orderly.web.forms.inventory import parse_date

LIST_FIELD = re.compile(r"^(?:rows\[\d+\]\.)?(?P<name>\w+)")


def field_of(path: str | None) -> str | None:
    """The form field a service's path names: `machines[1]` → machines, `rows[0].batch_kg` → batch_kg."""
    if not path:
        return None
    match = LIST_FIELD.match(path)
    return match["name"] if match else None


def kg_text(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


# ---------------------------------------------------------------------------------------------- master data


def machine_form(data=None, machine=None) -> FormState:
    form = FormState()
    form.add("name", "Name", machine.name if machine else "")
    form.add("min_batch_kg", "Minimum batch (kg green)", kg_text(machine.min_batch_kg) if machine else "")
    form.add("max_batch_kg", "Maximum batch (kg green)", kg_text(machine.max_batch_kg) if machine else "")
    form.add("batches_per_day", "Batches per day", machine.batches_per_day if machine else "")
    form.add("is_active", "Active", "1" if machine is None or machine.is_active else "")
    if data is not None:
        form.values_from(data)
    return form


def whole_number(raw: str, field: str):
    """A typed whole number as the service takes it; anything else passed on as typed, for the service to refuse
    naming the field."""
    return int(raw) if re.fullmatch(r"-?\d{1,9}", raw) else raw


def machine_input(form: FormState) -> dict:
    return {
        "name": form.value("name"),
        "min_batch_kg": form.value("min_batch_kg"),
        "max_batch_kg": form.value("max_batch_kg"),
        "batches_per_day": whole_number(form.value("batches_per_day"), "batches_per_day"),
        "is_active": form.value("is_active") == "1",
    }


def group_form(data=None, group=None) -> FormState:
    form = FormState()
    form.add("name", "Name", group.name if group else "")
    form.add("product", "Roasted product", group.product.name if group else "")
    if data is not None:
        form.values_from(data)
    return form


def profile_form(data=None, view=None) -> FormState:
    """`view`: the profile's ProfileView (its figures as in use), for editing."""
    p = view.profile if view else None
    form = FormState()
    form.add("group", "Profile group", p.group.name if p else "")
    form.add("name", "Name", p.name if p else "")
    form.add("machines", "Machines (names, comma-separated)", ", ".join(view.machines) if view else "")
    form.add("green_lots", "Green lots (lot numbers, preferred first)", ", ".join(view.green_lots) if view else "")
    components = "\n".join(f"{c['green_lot']} {kg_text(c['share'])}" for c in view.components) if view else ""
    form.add("components", "Blend components (a green lot and its share in % per line)", components)
    form.add("batch_kg", "Batch size (start weight, kg green)", kg_text(p.batch_kg) if p else "")
    form.add("end_kg", "End weight (kg roasted)", kg_text(p.end_kg) if p else "")
    form.add("weight_loss", "Weight loss %", "")
    form.add("is_active", "Active", "1" if p is None or p.is_active else "")
    if data is not None:
        form.values_from(data)
    return form


def names(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def components(raw: str) -> list[dict]:
    """`LOT-000001 60` per line → [{green_lot, share}]; a line without a share keeps it empty, for the service to
    refuse naming the component."""
    found = []
    for line in raw.splitlines():
        parts = line.replace(":", " ").replace("%", " ").split()
        if parts:
            found.append({"green_lot": " ".join(parts[:-1]) or parts[0], "share": parts[-1] if len(parts) > 1 else ""})
    return found


def profile_input(form: FormState, *, creating: bool) -> dict:
    """The profile service's data; weights left blank are left out (the profile's own, or its history)."""
    data = {
        "group": form.value("group"),
        "name": form.value("name"),
        "machines": names(form.value("machines")),
        "is_active": form.value("is_active") == "1",
    }
    lots, blend = names(form.value("green_lots")), components(form.value("components"))
    if blend:
        data["components"] = blend
    else:
        data["green_lots"] = lots
    if creating or form.value("batch_kg"):
        data["batch_kg"] = form.value("batch_kg")
    if form.value("weight_loss"):
        data["weight_loss"] = form.value("weight_loss")
    elif form.value("end_kg"):
        data["end_kg"] = form.value("end_kg")
    elif not creating:
        data["end_kg"] = None  # blank: the weight loss of the last roasts, else the default
        data["weight_loss"] = None
    return data


# ---------------------------------------------------------------------------------------------- conversion row

ROW_FIELDS = ("profile", "machine", "green_lot", "batch_kg", "end_kg", "weight_loss", "batches")


def row_form(row, data=None) -> FormState:
    """An order-conversion row's edit, prefilled with what the row proposes."""
    form = FormState()
    form.add("profile", "Profile", row.profile or "")
    form.add("green_lot", "Green lot", row.green_lot or "")
    form.add("batch_kg", "Start weight (batch size, kg green)", kg_text(row.batch_kg))
    form.add("end_kg", "End weight (kg roasted per batch)", kg_text(row.end_kg))
    form.add("weight_loss", "Weight loss %", kg_text(row.weight_loss))
    form.add("machine", "Machine", row.machine or "")
    form.add("batches", "Number of batches", row.batches if row.profile else "")
    if data is not None:
        form.values_from(data)
    return form


def row_input(form: FormState, row, kept: set[str]) -> dict:
    """The row for conversion_edit: the fields changed from what the row proposes, and those edited before
    (`kept`), so an edit is not lost by saving another. A changed weight loss wins over the end weight."""
    proposed = row_form(row)
    changed = {name for name in ROW_FIELDS if form.value(name) != proposed.value(name)}
    send = {name for name in ROW_FIELDS if form.value(name) and (name in changed or name in kept)}
    if "weight_loss" in changed and "end_kg" not in changed:
        send.discard("end_kg")
    else:
        send.discard("weight_loss")
    result: dict = {"product": row.product}
    for name in ROW_FIELDS:
        if name in send:
            value = form.value(name)
            result[name] = whole_number(value, name) if name == "batches" else value
    return result


# ---------------------------------------------------------------------------------------------- roast batches


def schedule_form(data=None, *, on: str = "") -> FormState:
    form = FormState()
    form.add("date", "Roast date", on)
    if data is not None:
        form.values_from(data)
    return form


def batch_edit_form(batch, data=None) -> FormState:
    form = FormState()
    form.add("date", "Roast date", batch.date.isoformat())
    form.add("machine", "Machine", batch.machine.name)
    form.add("batches", "Number of batches", batch.batches)
    form.add("batch_kg", "Batch size (kg green)", kg_text(batch.batch_kg))
    form.add("end_kg", "End weight (kg roasted per batch)", kg_text(batch.expected_kg / batch.batches))
    if data is not None:
        form.values_from(data)
    return form


def batch_edit_input(form: FormState, batch) -> dict:
    """What changed, as roast_batch_update takes it."""
    current = batch_edit_form(batch)
    changes: dict = {}
    for name in ("date", "machine", "batches", "batch_kg", "end_kg"):
        value = form.value(name)
        if value == current.value(name):
            continue
        if not value:
            raise ValidationError(f"{form.fields[name].label} is required.", field=name)
        if name == "date":
            changes["date"] = parse_date(value, "date")
        elif name == "batches":
            changes["batches"] = whole_number(value, name)
        else:
            changes[name] = value
    return changes


def complete_form(batch, data=None) -> FormState:
    form = FormState()
    form.add("green_used_kg", "Green used (kg)", kg_text(batch.green_kg))
    form.add("roasted_out_kg", "Roasted out (kg)", kg_text(batch.expected_kg))
    if data is not None:
        form.values_from(data)
    return form


def schedule_filters(params) -> tuple[dict, ValidationError | None]:
    """The overview's filters as typed, and an error naming the first one that is not valid."""
    values = {
        name: str(params.get(name, "")).strip()[:100] for name in ("date_from", "date_to", "machine", "status", "plan")
    }
    try:
        parsed = {name: parse_date(values[name], name) for name in ("date_from", "date_to")}
    except ValidationError as exc:
        return values, exc
    if values["status"] and values["status"] not in RoastStatus.values:
        return values, ValidationError(
            f"status must be one of {', '.join(RoastStatus.values)}, not {values['status']!r}.", field="status"
        )
    values.update({f"{name}_parsed": value for name, value in parsed.items()})
    return values, None
