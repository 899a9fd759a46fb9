"""Fixtures for API tests."""

import pytest

from orderly.core import faults
from tests.api.helpers import ApiClient
from tests.factories import ProductFactory, VariantFactory


@pytest.fixture
def api(tokens):
    return ApiClient(tokens)


@pytest.fixture
def variant(db):
    """An active variant, ESP-250, of the active product Espresso blend."""
    return VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=ProductFactory(name="Espresso blend"))


@pytest.fixture(autouse=True)
def no_database_refusal(request):
    """No API test may make the database refuse a write a service let through (an IntegrityError or DataError
    reaching an endpoint is a check missing from the service): the fault counts stay as they were. Tests marked
    `database_refusal` provoke one on purpose."""
    before = faults.fault_counts()
    yield
    if request.node.get_closest_marker("database_refusal") is None:
        assert faults.fault_counts() == before
