"""Idempotency-Key on POST: a repeat of a request gets the first answer again, and the thing is made once.

The first successful answer is stored per user and key, in the same transaction as the write it answers, under a
unique constraint. Two requests racing with one key: the loser's insert fails, its transaction (and so its write)
rolls back, and it replays the winner's answer. A key reused for a different request is refused. Failed requests
store nothing, so a client may retry them with the same key once it has fixed the cause.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.models import IdempotencyRecord
from orderly.core.retry import run_with_retry

KEY_HEADER = "Idempotency-Key"

# Declare on every POST: `idempotency_key: IdempotencyKey = None`.
IdempotencyKey = Header(
    None,
    alias=KEY_HEADER,
    min_length=1,
    max_length=255,
    description="Any unique string (e.g. a UUID). Repeating a request with the same key and body replays the "
    "first answer instead of doing the work twice; the same key with another request is refused.",
)


class _KeyTaken(Exception):
    """Another request stored an answer under this key while we worked."""


def fingerprint(request: HttpRequest, body: bytes | None = None) -> str:
    """A hash of what the request asks: method, path and body (JSON compared by meaning, not by spacing); `body`
    when the endpoint read it from the stream itself (a file)."""
    raw = request.body if body is None else body
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def render(schema: type[BaseModel], data, status: int) -> HttpResponse:
    """The JSON answer for `data` shaped by `schema`, encoded as ninja encodes answers."""
    model = data if isinstance(data, schema) else schema.model_validate(data)
    body = json.dumps(model.model_dump(), cls=NinjaJSONEncoder)
    return HttpResponse(body, status=status, content_type="application/json")


def _stored(user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def _replay(record: IdempotencyRecord, request_hash: str) -> HttpResponse:
    if record.request_hash != request_hash:
        raise ValidationError(
            f"{KEY_HEADER} {record.key!r} was already used for a different request ({record.method} {record.path}); "
            "send a new key with a new request.",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            field=KEY_HEADER,
            key=record.key,
            method=record.method,
            path=record.path,
        )
    response = HttpResponse(bytes(record.response_body), status=record.status_code, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def respond(
    request: HttpRequest,
    key: str | None,
    *,
    run: Callable[[], object],
    schema: type[BaseModel],
    status: int,
    body: bytes | None = None,
    stored: Callable[[object], object] | None = None,
) -> HttpResponse:
    """Call `run()` (one service call that writes and returns what to answer) and render its result.

    With a key, a repeat of an answered request replays the stored answer without calling `run` again; `body` is
    the request's body when the endpoint read it from the stream itself. `stored` makes what is kept for the
    replay from the answer, leaving out what must be shown once only (a new token).
    """
    if key is None:
        return render(schema, run(), status)
    user = request.auth
    request_hash = fingerprint(request, body)
    existing = _stored(user, key)
    if existing is not None:
        return _replay(existing, request_hash)
    try:
        return run_with_retry(lambda: _answer_and_keep(request, key, run, schema, status, stored, request_hash))
    except _KeyTaken:
        return _replay(IdempotencyRecord.objects.get(user=user, key=key), request_hash)


@transaction.atomic  # a savepoint of its own when a transaction is open already: _KeyTaken undoes the work
def _answer_and_keep(request, key, run, schema, status, stored, request_hash) -> HttpResponse:
    """Run the service and keep its answer under the key, in one transaction (run_with_retry opens it and runs it
    again whole when the database refuses for a passing reason); _KeyTaken when another request kept it first."""
    answer = run()
    response = render(schema, answer, status)
    kept = render(schema, stored(answer), status) if stored is not None else response
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=request.auth,
                key=key,
                method=request.method,
                path=request.path[:500],
                request_hash=request_hash,
                status_code=status,
                response_body=kept.content,
            )
    except IntegrityError:
        raise _KeyTaken from None
    return response
