"""Domain errors: raised by services, turned into 4xx answers by the interfaces."""


class DomainError(Exception):
    """A refused action. Carries a stable code, a message for people and the field at fault."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **data):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.data = data


class ValidationError(DomainError):
    code = "invalid"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class TransitionNotAllowed(Conflict):
    """A status change the transitions table does not allow."""

    code = "transition_not_allowed"

    def __init__(self, *, entity: str, current: str, attempted: str, action: str | None = None):
        verb = action or f"move to {attempted}"
        super().__init__(
            f"Cannot {verb}: {entity} is {current}, and {current} → {attempted} is not allowed.",
            current=current,
            attempted=attempted,
        )
        self.current = current
        self.attempted = attempted


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
