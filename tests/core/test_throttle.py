"""Failed logins are throttled per account and per address, at the web login and the admin's, and end by themselves."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.db.models import F
from django.test import Client, RequestFactory

from orderly.core.models import LoginThrottle
from orderly.core.throttle import client_address, login_failed
from tests.factories import UserFactory
from tests.web.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ACCOUNT_LOCKED = "Too many failed logins for this account; try again in {} minutes."
ADDRESS_LOCKED = "Too many failed logins from this address; try again in {} minutes."


@pytest.fixture
def olga(db):
    return UserFactory(username="olga", role="operator")


def _login(username: str, password: str, *, address: str = "203.0.113.5", path: str = "/login/") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.response = client.post(path, {"username": username, "password": password})
    return client


def _logged_in(client: Client) -> bool:
    return client.get("/orders/").status_code == 200


def _fail(times: int, username: str = "olga", **kwargs) -> None:
    for _ in range(times):
        response = _login(username, "wrong-guess", **kwargs).response
        assert "Please enter a correct username and password" in text(response)


def _time_passes(minutes: int) -> None:
    """Move every recorded failure `minutes` into the past."""
    shift = timedelta(minutes=minutes)
    LoginThrottle.objects.update(
        first_failed_at=F("first_failed_at") - shift, last_failed_at=F("last_failed_at") - shift
    )


def test_five_failures_lock_the_account_even_for_the_right_password(olga):
    _fail(5)

    client = _login("olga", PASSWORD)

    assert client.response.status_code == 200
    assert ACCOUNT_LOCKED.format(15) in text(client.response)
    assert _logged_in(client) is False
    assert LoginThrottle.objects.get(scope="account", key="olga").failures == 5  # a locked attempt counts nothing


def test_four_failures_leave_the_account_open(olga):
    _fail(4)

    client = _login("olga", PASSWORD)

    assert _logged_in(client) is True
    assert LoginThrottle.objects.filter(scope="account").count() == 0  # the success cleared the count


def test_an_unknown_username_is_locked_alike_so_the_answer_tells_nothing(olga):
    _fail(5, "ghost")

    assert ACCOUNT_LOCKED.format(15) in text(_login("ghost", "anything-at-all").response)
    assert _logged_in(_login("olga", PASSWORD)) is True


def test_the_username_is_counted_whatever_its_case(olga):
    _fail(3, "Olga")
    _fail(2, "OLGA")

    assert ACCOUNT_LOCKED.format(15) in text(_login("olga", PASSWORD).response)


def test_the_lockout_ends_by_itself_counting_from_the_last_failure(olga):
    _fail(4)
    _time_passes(10)
    _fail(1)  # the fifth failure, within 15 minutes of the first: locked from now on

    _time_passes(10)
    assert ACCOUNT_LOCKED.format(5) in text(_login("olga", PASSWORD).response)
    _time_passes(4)
    assert "try again in 1 minute." in text(_login("olga", PASSWORD).response)
    _time_passes(1)
    assert _logged_in(_login("olga", PASSWORD)) is True


def test_failures_further_apart_than_the_window_start_the_count_again(olga):
    _fail(4)
    _time_passes(16)
    _fail(4)

    assert LoginThrottle.objects.get(scope="account", key="olga").failures == 4
    assert _logged_in(_login("olga", PASSWORD)) is True


def test_twenty_failures_from_one_address_lock_the_address_for_every_account(olga):
    for number in range(20):
        _fail(1, f"guess{number}")

    locked = _login("olga", PASSWORD)
    elsewhere = _login("olga", PASSWORD, address="198.51.100.9")

    assert ADDRESS_LOCKED.format(15) in text(locked.response)
    assert _logged_in(locked) is False
    assert _logged_in(elsewhere) is True


def test_the_admin_login_is_throttled_too(db):
    UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    for _ in range(5):
        response = _login("root", "wrong-guess", path="/admin/login/").response
        assert "Please enter the correct username and password for a staff account" in text(response)

    client = _login("root", PASSWORD, path="/admin/login/")

    assert ACCOUNT_LOCKED.format(15) in text(client.response)
    assert client.get("/admin/").status_code == 302


def test_a_person_who_knew_the_password_is_not_counted_as_guessing(olga):
    for _ in range(6):
        response = _login("olga", PASSWORD, path="/admin/login/").response  # right password, but not staff
        assert "Please enter the correct username and password for a staff account" in text(response)

    assert LoginThrottle.objects.count() == 0
    assert _logged_in(_login("olga", PASSWORD)) is True


def test_a_failed_login_costs_the_password_hasher_once_like_a_successful_one(olga, monkeypatch):
    calls = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *args: calls.append(1) or encode(self, *args))

    costs = {}
    for case, username, password in [("success", "olga", PASSWORD), ("wrong", "olga", "x"), ("unknown", "nobody", "x")]:
        calls.clear()
        _login(username, password, address=f"192.0.2.{len(costs) + 1}")
        costs[case] = len(calls)

    assert costs == {"success": 1, "wrong": 1, "unknown": 1}


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxy: the header is the client's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client wrote the first entry itself
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # fewer entries than proxies: the furthest one known
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_taken_from_the_trusted_proxies_only(settings, hops, forwarded, expected):
    settings.ORDERLY_PROXY_HOPS = hops
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


@pytest.mark.django_db(transaction=True)
def test_failures_counted_at_the_same_time_are_all_kept():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    errors = []

    def fail():
        try:
            login_failed(username="olga", address="203.0.113.5")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(LoginThrottle.objects.values_list("scope", "failures")) == [("account", 8), ("address", 8)]
