import pytest

from orderly.core.actors import Actor
from tests.factories import UserFactory, make_token


@pytest.fixture
def operator(db):
    return UserFactory(username="olga", role="operator")


@pytest.fixture
def actor(operator):
    return Actor.for_user(operator)


@pytest.fixture
def users(db):
    """One user per role, by role name."""
    return {role: UserFactory(username=role, role=role) for role in ("viewer", "operator", "manager", "admin")}


@pytest.fixture
def tokens(users):
    """A bearer token per role, by role name."""
    return {role: make_token(user) for role, user in users.items()}
