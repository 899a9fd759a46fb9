import pytest

from tests.batches.fake_carrier import FakeCarriers


@pytest.fixture
def carriers(monkeypatch):
    return FakeCarriers().install(monkeypatch)
