import pytest
from django.contrib.auth.password_validation import validate_password

from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.core.models import ApiToken, User, hash_token
from orderly.core.numbering import next_number
from orderly.core.roles import role_allows
from orderly.core.services import token_create, user_create


def test_numbers_per_prefix(db):
    assert [next_number("OR"), next_number("OR"), next_number("OF")] == ["OR-000001", "OR-000002", "OF-000001"]


def test_a_number_of_a_known_prefix_takes_one_statement_and_a_new_prefix_starts_at_one(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orderly.core.numbering import next_numbers

    assert next_numbers("ZZ", 3) == ["ZZ-000001", "ZZ-000002", "ZZ-000003"]
    with CaptureQueriesContext(connection) as taken:
        assert next_number("ZZ") == "ZZ-000004"
    assert [q["sql"].split()[0] for q in taken.captured_queries] == ["UPDATE"]  # … RETURNING the new last value
    assert next_numbers("ZZ", 0) == []
    assert next_numbers("YY", 2) == ["YY-000001", "YY-000002"]


@pytest.mark.parametrize(
    ("role", "required", "allowed"),
    [
        ("viewer", "viewer", True),
        ("viewer", "operator", False),
        ("operator", "operator", True),
        ("operator", "manager", False),
        ("manager", "operator", True),
        ("manager", "admin", False),
        ("admin", "manager", True),
        ("nobody", "viewer", False),
    ],
)
def test_roles_rank(role, required, allowed):
    assert role_allows(role, required) is allowed


def test_user_create_generates_a_password_when_none_is_given(db):
    user, password = user_create(username="mila", role="manager")
    assert user.check_password(password) and len(password) == 16
    validate_password(password, user=user)  # passes the password rules
    assert (user.role, user.is_staff) == ("manager", False)
    admin, _ = user_create(username="root", role="admin", password="a-long-password")
    assert admin.is_superuser and admin.is_staff


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"username": "x", "role": "boss"}, ValidationError, "role"),
        ({"username": "", "role": "viewer"}, ValidationError, "username"),
        ({"username": "x", "role": "viewer", "password": "short"}, ValidationError, "password"),
        ({"username": "x", "role": "viewer", "password": "qwertyuiop"}, ValidationError, "password"),
        ({"username": "x", "role": "viewer", "password": "20250301"}, ValidationError, "password"),
        ({"username": "mila.jansen", "role": "viewer", "password": "milajansen"}, ValidationError, "password"),
    ],
)
def test_user_create_refuses_bad_input(db, kwargs, error, field):
    with pytest.raises(error) as refused:
        user_create(**kwargs)
    assert refused.value.field == field
    assert User.objects.count() == 0


def test_duplicate_username_is_refused(db):
    user_create(username="mila", role="viewer")
    with pytest.raises(Conflict):
        user_create(username="mila", role="viewer")


def test_token_is_stored_hashed_and_shown_once(db):
    user_create(username="mila", role="operator")
    token, raw = token_create(username="mila")
    assert raw.startswith("ord_") and len(raw) > 40
    stored = ApiToken.objects.get()
    assert stored.key_hash == hash_token(raw) and raw not in (stored.key_hash, stored.prefix)
    with pytest.raises(NotFound):
        token_create(username="ghost")


def test_a_generated_password_is_drawn_again_until_it_passes_the_rules(db, monkeypatch):
    drawn = iter(["1234567890123456", "mila-mila-mila-m", "Vq3-kL9_xT2wZp8a"])
    monkeypatch.setattr("orderly.core.services.secrets.token_urlsafe", lambda n: next(drawn))

    user, password = user_create(username="mila-mila", role="viewer")

    assert password == "Vq3-kL9_xT2wZp8a"
    assert user.check_password(password)


def test_a_new_token_never_shares_its_prefix_with_another(db, monkeypatch):
    user_create(username="mila", role="operator")
    first, first_raw = token_create(username="mila")
    drawn = iter([first_raw[:12] + "another-ending", "ord_fresh-prefix-and-the-rest"])
    monkeypatch.setattr(ApiToken, "generate", staticmethod(lambda: next(drawn)))

    second, raw = token_create(username="mila")

    assert (raw, second.prefix) == ("ord_fresh-prefix-and-the-rest", "ord_fresh-pr")
    assert ApiToken.objects.filter(prefix=first.prefix).count() == 1
