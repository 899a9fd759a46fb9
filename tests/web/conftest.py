import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def plain_static_files(settings, tmp_path_factory):
    """Serve static files by name: the hashed manifest exists only after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each test makes a user per role; the production hasher is slow on purpose, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clients(users):
    """A logged-in test client per role, by role name."""
    logged_in = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        logged_in[role] = client
    return logged_in


@pytest.fixture
def op(clients):
    return clients["operator"]


@pytest.fixture
def manager(clients):
    return clients["manager"]


@pytest.fixture
def viewer(clients):
    return clients["viewer"]
