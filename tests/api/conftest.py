"""Fixtures for API tests."""

import pytest

from tests.api.helpers import ApiClient
from tests.factories import ProductFactory, VariantFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The per-role users get passwords; a deliberately slow hash costs seconds per test and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api(tokens):
    return ApiClient(tokens)


@pytest.fixture
def variant(db):
    """An active variant, ESP-250, of the active product Espresso blend."""
    return VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=ProductFactory(name="Espresso blend"))
