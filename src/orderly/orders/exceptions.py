from orderly.core.exceptions import Conflict, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, number: str):
        super().__init__(f"No order {number!r}.", number=number)


class OrderLocked(Conflict):
    """The order's state forbids the change (archived, canceled, in a plan…)."""

    code = "order_locked"
