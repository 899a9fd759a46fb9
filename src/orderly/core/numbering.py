"""Public numbers (OR-000001, OF-000001, …) handed out without gaps or repeats."""

from orderly.core.locks import bump_sequence
from orderly.core.models import NumberSequence
from orderly.core.retry import retry_on_conflict


def next_number(prefix: str, *, width: int = 6) -> str:
    """Take the next number for `prefix`; call inside the transaction that uses it."""
    return next_numbers(prefix, 1, width=width)[0]


@retry_on_conflict
def next_numbers(prefix: str, count: int, *, width: int = 6) -> list[str]:
    """Take `count` consecutive numbers for `prefix` in one step (a page of imported orders); call inside the
    transaction that uses them, so a rollback gives the whole block back and no gap or repeat is ever seen."""
    if count <= 0:
        return []
    # Moved on and locked in one statement, made only when missing: one statement for every number but a
    # prefix's first (a fulfillment and its parcel take one each), and no savepoint: the retry's transaction is
    # this one's.
    last = bump_sequence(NumberSequence.objects.all(), prefix, count)
    if last is None:
        NumberSequence.objects.get_or_create(prefix=prefix)
        last = bump_sequence(NumberSequence.objects.all(), prefix, count)
    first = last - count + 1
    return [f"{prefix}-{value:0{width}d}" for value in range(first, first + count)]
