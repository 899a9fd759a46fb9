import pytest
from django.test import Client


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
