"""Public numbers (OR-000001, OF-000001, …) handed out without gaps or repeats."""

from django.db import transaction

from orderly.core.models import NumberSequence


def next_number(prefix: str, *, width: int = 6) -> str:
    """Take the next number for `prefix`; call inside the transaction that uses it."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(prefix=prefix)
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{prefix}-{sequence.last_value:0{width}d}"
