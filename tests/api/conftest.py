"""Fixtures for API tests."""

import pytest

from tests.api.helpers import ApiClient
from tests.factories import ProductFactory, VariantFactory


@pytest.fixture
def api(tokens):
    return ApiClient(tokens)


@pytest.fixture
def variant(db):
    """An active variant, ESP-250, of the active product Espresso blend."""
    return VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=ProductFactory(name="Espresso blend"))
