"""A person's own API tokens through the API: list, create (the token shown once), revoke; revoked and expired
tokens answer 401."""

import datetime as dt

import pytest
from django.utils import timezone

from orderly.core.models import ApiToken, IdempotencyRecord, hash_token
from orderly.core.services import token_create
from tests.api.helpers import error_of

FIELDS = {"prefix", "name", "status", "created_at", "last_used_at", "expires_at", "revoked_at"}


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _tokens_of(user) -> list[tuple]:
    return list(ApiToken.objects.filter(user=user).order_by("id").values_list("prefix", "name", "revoked_at"))


def test_create_answers_the_token_once_and_it_works_at_once(api, users):
    before = timezone.now()

    response = api.post("/tokens", {"name": "Shop sync", "expires_in_days": 30}, role="viewer")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == FIELDS | {"token"}
    raw = body.pop("token")
    assert raw.startswith("ord_") and len(raw) == 47
    stored = ApiToken.objects.get(prefix=body["prefix"])
    assert (stored.user, stored.name, stored.key_hash) == (users["viewer"], "Shop sync", hash_token(raw))
    assert body["prefix"] == raw[:12]
    assert (body["name"], body["status"], body["last_used_at"], body["revoked_at"]) == (
        "Shop sync",
        "active",
        None,
        None,
    )
    expires = _parse(body["expires_at"])
    assert before + dt.timedelta(days=30) <= expires <= timezone.now() + dt.timedelta(days=30)

    listed = api.get("/tokens", token=raw)
    assert listed.status_code == 200
    assert [item["prefix"] for item in listed.json()["items"]] == [raw[:12], ApiToken.objects.first().prefix]
    assert raw not in listed.content.decode() and stored.key_hash not in listed.content.decode()


def test_a_token_without_an_expiry_is_valid_until_revoked(api, users):
    response = api.post("/tokens", {"name": "Warehouse scanner"}, role="operator")

    assert response.status_code == 201
    assert response.json()["expires_at"] is None
    assert ApiToken.objects.get(prefix=response.json()["prefix"]).expires_at is None


def test_the_list_holds_only_ones_own_tokens_newest_first_with_their_status(api, users):
    viewer = users["viewer"]
    older, _ = token_create(username="viewer", name="old script")
    ApiToken.objects.filter(pk=older.pk).update(revoked_at=timezone.now())
    expired, _ = token_create(username="viewer", name="trial", expires_in_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    token_create(username="operator", name="not yours")

    response = api.get("/tokens?page_size=2", role="viewer")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (3, 1, 2, 2)
    assert [(item["name"], item["status"]) for item in body["items"]] == [
        ("trial", "expired"),
        ("old script", "revoked"),
    ]
    second = api.get("/tokens?page=2&page_size=2", role="viewer").json()["items"]
    assert [(item["name"], item["status"]) for item in second] == [("", "active")]
    assert second[0]["prefix"] == ApiToken.objects.filter(user=viewer).order_by("id").first().prefix
    assert second[0]["last_used_at"] is not None  # the calls just made with it


def test_revoking_a_token_makes_it_answer_401_with_the_usual_error(api, users):
    created = api.post("/tokens", {"name": "Shop sync"}, role="manager").json()

    response = api.post(f"/tokens/{created['prefix']}/revoke", role="manager")

    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert _parse(response.json()["revoked_at"]) <= timezone.now()
    refused = api.get("/orders", token=created["token"])
    assert refused.status_code == 401
    assert error_of(refused) == {
        "code": "unauthenticated",
        "message": "A valid API token is required: send the header 'Authorization: Bearer <token>'.",
        "field": None,
        "detail": {},
    }
    assert api.get("/orders", role="manager").status_code == 200  # the other token still works


def test_a_token_may_revoke_itself(api, users, tokens):
    prefix = tokens["operator"][:12]

    assert api.post(f"/tokens/{prefix}/revoke", role="operator").status_code == 200
    assert api.get("/tokens", role="operator").status_code == 401


def test_an_expired_token_answers_401(api, users):
    token, raw = token_create(username="admin", name="trial", expires_in_days=1)
    assert api.get("/orders", token=raw).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api.get("/orders", token=raw)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_revoking_twice_is_refused_naming_when_and_changes_nothing(api, users):
    prefix = api.post("/tokens", {"name": "Shop sync"}, role="viewer").json()["prefix"]
    api.post(f"/tokens/{prefix}/revoke", role="viewer")
    revoked_at = ApiToken.objects.get(prefix=prefix).revoked_at

    response = api.post(f"/tokens/{prefix}/revoke", role="viewer")

    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["field"]) == ("already_revoked", "prefix")
    assert error["message"] == (
        f"The API token with the prefix {prefix} was already revoked at {revoked_at:%Y-%m-%d %H:%M} UTC."
    )
    assert ApiToken.objects.get(prefix=prefix).revoked_at == revoked_at


def test_another_persons_token_is_not_found_and_stays_active(api, users, tokens):
    prefix = tokens["admin"][:12]

    response = api.post(f"/tokens/{prefix}/revoke", role="viewer")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": f"No API token with the prefix '{prefix}'.",
        "field": "prefix",
        "detail": {"resource": "api_token", "key": prefix},
    }
    assert ApiToken.objects.get(prefix=prefix).revoked_at is None
    assert api.post("/tokens/ord_nosuchone/revoke", role="viewer").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"expires_in_days": 0}, "expires_in_days", "expires_in_days must be between 1 and 3650"),
        ({"expires_in_days": 3651}, "expires_in_days", "expires_in_days must be between 1 and 3650"),
        ({"expires_in_days": "90"}, "expires_in_days", "expires_in_days: Input should be a valid integer."),
        ({"expires_in_days": 2.5}, "expires_in_days", "expires_in_days: Input should be a valid integer."),
        ({"name": "x" * 101}, "name", "The name may be at most 100 characters long."),
        ({"token": "ord_mine"}, "token", "token is not a field this request accepts."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(api, users, body, field, message):
    before = _tokens_of(users["viewer"])

    response = api.post("/tokens", body, role="viewer")

    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field
    assert error["message"].startswith(message)
    assert _tokens_of(users["viewer"]) == before


def test_a_repeated_idempotency_key_makes_one_token_and_never_stores_or_replays_it(api, users):
    first = api.post("/tokens", {"name": "Shop sync"}, role="viewer", idempotency_key="token-1")
    again = api.post("/tokens", {"name": "Shop sync"}, role="viewer", idempotency_key="token-1")

    assert (first.status_code, again.status_code) == (201, 201)
    raw = first.json()["token"]
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == {**first.json(), "token": None}
    assert ApiToken.objects.filter(user=users["viewer"], name="Shop sync").count() == 1
    assert raw.encode() not in bytes(IdempotencyRecord.objects.get(key="token-1").response_body)
