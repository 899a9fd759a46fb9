"""A person's own settings: API tokens (list, create shown once, revoke) and their password."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from orderly.core.models import ApiToken, hash_token
from orderly.core.services import token_create
from tests.web.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _tokens(user) -> list[tuple]:
    return list(ApiToken.objects.filter(user=user).order_by("id").values_list("prefix", "name", "revoked_at"))


def _api_status(raw: str) -> int:
    return Client().get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_every_role_reaches_its_settings_from_the_header(clients, role):
    page = clients[role].get("/orders/").content.decode()
    assert '<a href="/settings/">Settings</a>' in page

    response = clients[role].get("/settings/")
    assert (response.status_code, response["Location"]) == (302, "/settings/tokens/")
    tokens_page = clients[role].get("/settings/tokens/")
    assert tokens_page.status_code == 200
    assert '<a href="/settings/" aria-current="page">Settings</a>' in tokens_page.content.decode()


@pytest.mark.parametrize("path", ["/settings/", "/settings/tokens/", "/settings/password/"])
def test_settings_need_a_login(client, path):
    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


def test_the_list_shows_ones_own_tokens_with_their_status_never_the_token(viewer, users):
    shop, shop_raw = token_create(username="viewer", name="Shop sync")
    trial, _ = token_create(username="viewer", name="Trial", expires_in_days=1)
    gone, _ = token_create(username="viewer", name="Old script")
    others, _ = token_create(username="operator", name="Not yours")
    ApiToken.objects.filter(pk=trial.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    ApiToken.objects.filter(pk=gone.pk).update(revoked_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    ApiToken.objects.filter(pk=shop.pk).update(
        created_at=dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC),
        last_used_at=dt.datetime(2026, 3, 2, 7, 45, tzinfo=dt.UTC),
    )

    response = viewer.get("/settings/tokens/")

    html = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], flags=re.S)
    cells = [" ".join(text_of(row).split()) for row in rows]
    assert cells == [
        f"Old script {gone.prefix} {gone.created_at:%Y-%m-%d %H:%M} Never Never Revoked 2026-03-01 09:30",
        f"Trial {trial.prefix} {trial.created_at:%Y-%m-%d %H:%M} Never "
        f"{ApiToken.objects.get(pk=trial.pk).expires_at:%Y-%m-%d %H:%M} Expired Revoke {trial.prefix}",
        f"Shop sync {shop.prefix} 2026-02-01 08:00 2026-03-02 07:45 Never Active Revoke {shop.prefix}",
    ]
    assert others.prefix not in html
    assert shop_raw not in html and shop.key_hash not in html


def text_of(fragment: str) -> str:
    return re.sub(r"<[^>]+>", " ", fragment)


def test_creating_a_token_shows_it_once_and_it_works(viewer, users):
    response = viewer.post("/settings/tokens/", {"name": "Label printer", "expires_in_days": "30"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=users["viewer"], name="Label printer")
    raw = re.search(r'<code id="new-token">(ord_[^<]+)</code>', response.content.decode())[1]
    assert hash_token(raw) == token.key_hash
    assert f"Your new API token {token.prefix} (Label printer)" in text(response)
    assert f"It expires {token.expires_at:%Y-%m-%d %H:%M} ." in text(response)  # (the time is a <time>)
    assert token.expires_at - token.created_at == dt.timedelta(days=30)
    assert _api_status(raw) == 200
    assert raw not in viewer.get("/settings/tokens/").content.decode()  # once only


def test_a_token_that_never_expires(viewer, users):
    response = viewer.post("/settings/tokens/", {"name": "", "expires_in_days": ""})

    assert "It is valid until you revoke it." in text(response)
    assert ApiToken.objects.get(user=users["viewer"]).expires_at is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "x" * 101, "expires_in_days": "30"}, "name", "The name may be at most 100 characters long."),
        ({"name": "Script", "expires_in_days": "7"}, "expires_in_days", "Choose when the token expires from the list."),
    ],
)
def test_a_refused_token_says_why_next_to_the_field_and_creates_nothing(viewer, users, data, field, message):
    response = viewer.post("/settings/tokens/", data)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="field-error" id="f-{field.replace("_", "-")}-error">{message}</p>' in html
    assert f"Nothing was saved. {message}" in text(response)
    assert 'id="new-token"' not in html
    assert _tokens(users["viewer"]) == []


def test_revoking_a_token_after_confirming_makes_it_answer_401(viewer, users):
    token, raw = token_create(username="viewer", name="Shop sync")
    page = viewer.get("/settings/tokens/").content.decode()
    assert (
        f'data-confirm="Revoke API token {token.prefix} (Shop sync)? Programs using it are refused from then on; '
        'this cannot be undone."'
    ) in page

    response = viewer.post(f"/settings/tokens/{token.prefix}/revoke/", follow=True)

    assert response.redirect_chain == [("/settings/tokens/", 302)]
    assert f"API token {token.prefix} (Shop sync) revoked; it is refused from now on." in text(response)
    assert _api_status(raw) == 401
    assert "Revoked" in text(response)


def test_revoking_another_persons_token_or_twice_is_refused_and_changes_nothing(viewer, users):
    others, raw = token_create(username="admin")
    mine, _ = token_create(username="viewer")
    viewer.post(f"/settings/tokens/{mine.prefix}/revoke/")
    before = (_tokens(users["admin"]), _tokens(users["viewer"]))

    not_found = viewer.post(f"/settings/tokens/{others.prefix}/revoke/", follow=True)
    again = viewer.post(f"/settings/tokens/{mine.prefix}/revoke/", follow=True)

    assert f"No API token with the prefix '{others.prefix}'." in text(not_found)
    assert f"The API token with the prefix {mine.prefix} was already revoked at" in text(again)
    assert (_tokens(users["admin"]), _tokens(users["viewer"])) == before
    assert _api_status(raw) == 200
    assert viewer.get(f"/settings/tokens/{mine.prefix}/revoke/").status_code == 405


def _change(client, current=PASSWORD, new="roast-profile-2026", again=None):
    data = {"current_password": current, "new_password": new, "new_password_again": new if again is None else again}
    return client.post("/settings/password/", data)


def test_changing_the_password_keeps_this_session_and_ends_the_others(users):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username="operator", password=PASSWORD)

    response = _change(here)

    assert (response.status_code, response["Location"]) == (302, "/settings/password/")
    assert "Password changed. Your other sessions have been logged out." in text(here.get("/settings/password/"))
    assert here.get("/orders/").status_code == 200
    assert elsewhere.get("/orders/").status_code == 302
    assert Client().login(username="operator", password="roast-profile-2026") is True
    assert Client().login(username="operator", password=PASSWORD) is False


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"current": "not-my-password"}, "current_password", "The current password is not right."),
        (
            {"again": "roast-profile-2025"},
            "new_password_again",
            "The two new passwords differ; type the same one twice.",
        ),
        ({"new": "short"}, "new_password", "This password is too short. It must contain at least 8 characters."),
        ({"new": "password123"}, "new_password", "This password is too common."),
        ({"new": "73829104657"}, "new_password", "This password is entirely numeric."),
        ({"new": "operator1"}, "new_password", "The password is too similar to the username."),
        ({"new": PASSWORD}, "new_password", "The new password must differ from the current one."),
    ],
)
def test_a_refused_password_says_why_keeps_the_old_one_and_echoes_nothing(users, op, kwargs, field, message):
    response = _change(op, **kwargs)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="field-error" id="f-{field.replace("_", "-")}-error">{message}</p>' in html
    for typed in {kwargs.get("new", "roast-profile-2026"), kwargs.get("current", PASSWORD), kwargs.get("again", "")}:
        assert not typed or f'value="{typed}"' not in html
    users["operator"].refresh_from_db()
    assert users["operator"].check_password(PASSWORD) is True
