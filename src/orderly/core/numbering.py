"""Public numbers (OR-000001, OF-000001, …) handed out without gaps or repeats."""

from orderly.core.locks import lock_sequence
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
    # Locked first and made only when missing: two statements for every number but a prefix's first (a
    # fulfillment and its parcel take one each), and no savepoint: the retry's transaction is this one's.
    try:
        sequence = lock_sequence(NumberSequence.objects.all(), prefix)
    except NumberSequence.DoesNotExist:
        NumberSequence.objects.get_or_create(prefix=prefix)
        sequence = lock_sequence(NumberSequence.objects.all(), prefix)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [f"{prefix}-{value:0{width}d}" for value in range(first, first + count)]
