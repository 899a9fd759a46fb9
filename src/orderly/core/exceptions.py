"""Domain errors: raised by services, turned into 4xx answers by the interfaces.

Each carries a code from the one catalogue (`orderly.core.error_codes.ErrorCode`), which fixes its HTTP status, a
message for people, the field at fault, and `detail`: the data of the refusal (which SKU, how many were needed and
available, the current and attempted state), under exactly the keys the catalogue lists for its code.
"""

import logging

from orderly.core.error_codes import ErrorCode

logger = logging.getLogger(__name__)

# True in the test suite: a raise whose detail keys differ from its code's in the catalogue fails loudly there.
# In production the error is still answered (with what it carries) and the mismatch is logged.
STRICT = False


class DomainError(Exception):
    """A refused action: `code` (an ErrorCode), `status` (its HTTP status), `message`, `field`, `detail`."""

    code: ErrorCode | None = ErrorCode.INVALID

    def __init__(self, message: str, *, code: ErrorCode | str | None = None, field: str | None = None, **detail):
        super().__init__(message)
        chosen = code or self.code
        if chosen is None:
            raise TypeError(f"{type(self).__name__} needs a code from the catalogue: {message}")
        self.code = ErrorCode(chosen)
        self.status = self.code.status
        self.message = message
        self.field = field
        self.detail = detail
        if set(detail) != set(self.code.detail):
            problem = (
                f"{type(self).__name__}({self.code!s}) takes the detail keys {sorted(self.code.detail)}, "
                f"not {sorted(detail)}: {message}"
            )
            if STRICT:
                raise TypeError(problem)
            logger.error(problem)

    @property
    def problems(self) -> list["DomainError"]:
        """Every refusal this error stands for: itself alone, or each problem of an input (InvalidInput)."""
        return [self]


class ValidationError(DomainError):
    code = ErrorCode.INVALID


class InvalidInput(ValidationError):
    """Several things wrong with one input at once, each a ValidationError naming its field (`problems`, in the
    order the input reads). It reads as its first problem (code, status, message, field and detail), so an answer
    that tells one error (the API) tells that one; a form shows them all, each at its field."""

    def __init__(self, problems: list[ValidationError]):
        first = problems[0]
        super().__init__(first.message, code=first.code, field=first.field, **first.detail)
        self._problems = list(problems)

    @property
    def problems(self) -> list[DomainError]:
        return self._problems


class Problems:
    """Gathers the refusals of checks that do not depend on each other, to refuse them together once all ran:
    `check(clean, …)` returns the cleaned value, or None keeping the refusal; `raise_any()` then raises the one
    problem found as it was raised, or several as one InvalidInput."""

    def __init__(self):
        self.found: list[ValidationError] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def check(self, clean, *args, **kwargs):
        """`clean(*args, **kwargs)`, or None with its refusal (each of them, for an InvalidInput) kept."""
        try:
            return clean(*args, **kwargs)
        except ValidationError as refused:
            self.found.extend(refused.problems)
            return None

    def add(self, refused: ValidationError) -> None:
        self.found.extend(refused.problems)

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidInput(self.found)


class UnknownReference(ValidationError):
    """The body names a `resource` by `key` (a machine, a profile, a lot…) that does not exist: 422 naming the
    field, as any other bad input. NotFound (404) is for what the path names."""

    code = ErrorCode.UNKNOWN_REFERENCE


class NotFound(DomainError):
    """Something the request names does not exist: `resource` (order, plan, lot…) and `key` (its number or id)."""

    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    """The current state refuses the request; every conflict names its own code."""

    code = None


class AlreadyExists(Conflict):
    """Another `resource` already has this unique `key` (a product's name, a SKU, a channel's name…)."""

    code = ErrorCode.ALREADY_EXISTS

    def __init__(self, message: str, *, resource: str, key: str, field: str | None = None):
        super().__init__(message, field=field, resource=resource, key=key)


class TransitionNotAllowed(Conflict):
    """A status change the transitions table does not allow."""

    code = ErrorCode.TRANSITION_NOT_ALLOWED

    def __init__(self, *, resource: str, key: str, current: str, attempted: str, action: str | None = None):
        entity = f"{resource.replace('_', ' ')} {key}"
        verb = action or f"move to {attempted}"
        super().__init__(
            f"Cannot {verb}: {entity} is {current}, and {current} → {attempted} is not allowed.",
            resource=resource,
            key=key,
            current=current,
            attempted=attempted,
        )
        self.current = current
        self.attempted = attempted


class PermissionDenied(DomainError):
    code = ErrorCode.FORBIDDEN
