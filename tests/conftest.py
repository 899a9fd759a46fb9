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


@pytest.fixture(autouse=True)
def plain_static_files(settings, tmp_path_factory):
    """Serve static files by name from the apps: the hashed manifest exists only after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make a user per role; the production hasher is slow on purpose, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
