"""One way to check a status change against a transitions table."""

from collections.abc import Mapping

from orderly.core.exceptions import TransitionNotAllowed


def check_transition(
    table: Mapping[str, frozenset[str]], *, entity: str, current: str, attempted: str, action: str | None = None
) -> None:
    """Raise TransitionNotAllowed unless `table` allows current → attempted."""
    if attempted not in table.get(current, frozenset()):
        raise TransitionNotAllowed(entity=entity, current=current, attempted=attempted, action=action)
