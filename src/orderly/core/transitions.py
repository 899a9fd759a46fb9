"""One way to check a status change against a transitions table."""

from collections.abc import Mapping

from orderly.core.exceptions import TransitionNotAllowed


def check_transition(
    table: Mapping[str, frozenset[str]],
    *,
    resource: str,
    key: str,
    current: str,
    attempted: str,
    action: str | None = None,
) -> None:
    """Raise TransitionNotAllowed (naming `resource` `key`, its current and attempted state) unless `table` allows
    current → attempted."""
    if attempted not in table.get(current, frozenset()):
        raise TransitionNotAllowed(resource=resource, key=key, current=current, attempted=attempted, action=action)
