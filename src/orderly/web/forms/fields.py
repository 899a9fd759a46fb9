"""Form values keyed by the service's own field paths, so a service error lands next to the input it names.

Inputs are named exactly as the services name their fields (`customer.email`, `items[1].quantity`); the
services validate, and the pages only carry values back and forth and place the error.
"""

import re
from dataclasses import dataclass

from orderly.core.exceptions import DomainError

ROW_PATH = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\](?P<rest>.*)$")


@dataclass
class Field:
    name: str  # the input's name: the service's path for this value
    label: str
    value: str = ""
    error: str = ""
    context: str = ""  # where the field sits, for the error summary (e.g. "Item row 2")

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"


def humanize(message: str, path: str | None, label: str | None) -> str:
    """Say the field's label where the service's message opens with its path (`customer.email 'x' is …`)."""
    if path and label and re.match(rf"{re.escape(path)}(?![\w.\[])", message):
        message = label + message[len(path) :]
    return message[:1].upper() + message[1:]


class FormState:
    """The fields of one form and what was refused: each problem at its field, all of them in the summary."""

    def __init__(self):
        self.fields: dict[str, Field] = {}
        self.error = ""  # the first problem's message for the summary at the top of the form
        self.error_field: Field | None = None
        self.problems: list[tuple[Field | None, str]] = []  # every problem: its field and its summary line

    def add(self, name: str, label: str, value="", *, context: str = "") -> Field:
        field = Field(name=name, label=label, value="" if value is None else str(value), context=context)
        self.fields[name] = field
        return field

    def values_from(self, data) -> None:
        """Take the posted values for every known field; a missing one (an unchecked box) becomes blank."""
        for name, field in self.fields.items():
            field.value = str(data.get(name, "")).strip()

    def value(self, name: str) -> str:
        return self.fields[name].value

    def show_error(self, exc: DomainError, *, place: str | None = None, message: str | None = None) -> None:
        """Put the service's message (or `message`) next to the field it names (or at `place`), and in the
        summary."""
        target = self.fields.get(place or exc.field or "")
        label = target.label if target else None
        message = message or humanize(exc.message, exc.field, label)
        summary = f"{target.context}: {message}" if target and target.context else message
        if target:
            if target.error:  # one message per field: the first one found
                return
            target.error = message
        if not self.problems:
            self.error, self.error_field = summary, target
        self.problems.append((target, summary))

    def show_errors(self, problems, *, place=lambda problem: None) -> None:
        """Every problem at its field (or where `place` puts it), in the order given. A DomainError given for
        them stands for its own problems (every one of an InvalidInput)."""
        if isinstance(problems, DomainError):
            problems = problems.problems
        for problem in problems:
            self.show_error(problem, place=place(problem))

    @property
    def has_error(self) -> bool:
        return bool(self.error)


def remap_row(path: str | None, rows: list[int], list_name: str) -> str | None:
    """Turn `items[1].quantity` (the service's index among the rows sent) into the form row's path."""
    if not path:
        return None
    match = ROW_PATH.match(path)
    if not match or match["list"] != list_name:
        return path
    index = int(match["index"])
    if index >= len(rows):
        return path
    return f"{list_name}[{rows[index]}]{match['rest']}"


def row_indices(data, list_name: str, limit: int) -> list[int]:
    """The row numbers present in posted data (`items[3].sku` → 3), in order, at most `limit` of them."""
    pattern = re.compile(rf"^{list_name}\[(\d{{1,6}})\]\.")
    found = sorted({int(m[1]) for key in data for m in [pattern.match(key)] if m})
    return found[:limit]


def blank_to_none(value: str):
    return value if value != "" else None
