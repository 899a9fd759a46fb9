"""The error answers of the OpenAPI schema, built from the catalogue of error codes.

Every error answer has the one schema, ErrorOut, whose `code` is an enum of the catalogue. Per HTTP status there
is one shared response (`#/components/responses/Error409`, …) that every operation's answer of that status refers
to; its description lists the codes it may carry, each with its meaning and detail keys, and it holds one example
per code (`#/components/examples/<code>`), which Swagger UI offers in a drop-down under the answer.

Why not a `oneOf` of one schema per code, discriminated by `code`: Swagger UI shows a oneOf as a row of unnamed
schema tabs, fifty of them here, and code generators turn it into fifty classes for what a client handles as one
shape whose `code` it switches on. One schema plus a list and an example per code reads as the README's table
does, and the examples show each detail with real-looking values.

Every operation also declares the answers any request may get whatever the operation: 400 (malformed JSON or
request), 413 (a body too large), 422 (a value no field takes, a NUL character in a parameter) and 429 (a rate
limit); 401 and 403 when it needs a token; 404 when its path names a resource.
"""

from orderly.core.error_codes import ErrorCode

ERROR_SCHEMA = "#/components/schemas/ErrorOut"
TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Unprocessable",
    429: "Too many requests",
    503: "Carrier unavailable",
}
# Codes no API answer carries: the shop's failures are recorded on the sync run, and a 500 is a bug.
NOT_ANSWERED = frozenset({ErrorCode.CHANNEL_ERROR, ErrorCode.CREDENTIALS_UNREADABLE, ErrorCode.SERVER_ERROR})
# Codes whose example names a field.
WITH_FIELD = {
    ErrorCode.INVALID: "items[0].quantity",
    ErrorCode.REQUIRED: "customer.name",
    ErrorCode.UNKNOWN_FIELD: "items[0].colour",
    ErrorCode.UNKNOWN_SKU: "items[0].sku",
    ErrorCode.INACTIVE_PRODUCT: "items[0].sku",
    ErrorCode.UNKNOWN_REFERENCE: "items[0].item",
    ErrorCode.QUANTITY_EXCEEDS: "items[0].quantity",
    ErrorCode.ITEM_PROCESSED: "items[1].quantity",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: "Idempotency-Key",
    ErrorCode.CSV_REJECTED: "file",
}


def answered_codes(status: int) -> list[ErrorCode]:
    """The codes an API answer of `status` may carry, in catalogue order."""
    return [code for code in ErrorCode if code.status == status and code not in NOT_ANSWERED]


def _code_line(code: ErrorCode) -> str:
    keys = ", ".join(f"`{key}`" for key in code.detail) or "none"
    return f"- `{code}`: {code.meaning} Detail: {keys}."


def _response(status: int) -> dict:
    codes = answered_codes(status)
    description = f"**{TITLES[status]}.** `error.code` is one of:\n\n" + "\n".join(map(_code_line, codes))
    examples = {code.value: {"$ref": f"#/components/examples/{code}"} for code in codes}
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA}, "examples": examples}},
    }


def _example(code: ErrorCode) -> dict:
    body = {"code": code.value, "message": code.meaning, "field": WITH_FIELD.get(code), "detail": dict(code.detail)}
    return {"summary": code.value, "value": {"error": body}}


def document_errors(schema: dict) -> dict:
    """Point every error answer of every operation in `schema` at the shared response of its status, declare the
    answers any request may get, and add the shared responses and the examples to the components."""
    used: set[int] = set()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            statuses = {int(status) for status in responses if int(status) >= 400} | {400, 413, 422, 429}
            if operation.get("security"):
                statuses |= {401, 403}
            if "{" in path:
                statuses.add(404)
            for status in [s for s in responses if int(s) >= 400]:
                del responses[status]
            for status in sorted(statuses):
                responses[status] = {"$ref": f"#/components/responses/Error{status}"}
            used |= statuses
    components = schema.setdefault("components", {})
    components["responses"] = {f"Error{status}": _response(status) for status in sorted(used)}
    components["examples"] = {code.value: _example(code) for status in sorted(used) for code in answered_codes(status)}
    return schema
