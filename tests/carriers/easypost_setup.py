"""What the EasyPost connector's tests share: the parcels they book, the loopback server and the connector."""

import base64
import re
from decimal import Decimal

import pytest

from orderly.carriers.connectors.base import (
    Address,
    CustomsItem,
    ParcelRequest,
)
from orderly.carriers.connectors.easypost import EasyPostConnector
from orderly.carriers.connectors.http import make_client
from tests.carriers.fake_easypost import FakeEasyPost

SENDER = Address(
    name="Owen Hartley",
    company="Hartley Roasters",
    street="88 Kiln Row",
    street2="Unit 4",
    postal_code="97209",
    city="Portland",
    state="OR",
    country="US",
    phone="5035550119",
    email="shipping@hartley.example",
)
RECIPIENT = Address(
    name="Marisol Ortega", street="2210 Alder Court", postal_code="95816", city="Sacramento", state="CA", country="us"
)
ABROAD = Address(name="Tamsin Reilly", street="12 Harbour Lane", postal_code="SL1 5BE", city="Slough", country="GB")
BEANS = CustomsItem(
    description="Roasted coffee beans",
    quantity=2,
    weight_kg=Decimal("0.27"),
    value=Decimal("9.5"),
    currency="USD",
    hs_code="090121",
    origin_country="us",
    sku="ESP-250",
)


def parcel(reference="PA-000512", **changes) -> ParcelRequest:
    fields = {
        "reference": reference,
        "order_number": "OR-000901",
        "sender": SENDER,
        "recipient": RECIPIENT,
        "weight_kg": Decimal("1.25"),
        "method_code": "USPS:Priority",
        "value": Decimal("24.5"),
        "currency": "USD",
        **changes,
    }
    return ParcelRequest(**fields)


@pytest.fixture
def server():
    with FakeEasyPost(lifetime=60) as fake:
        yield fake


@pytest.fixture(scope="module")
def guarded_client():
    """One client through the egress guard for the module's tests (making its TLS context costs 0.2 s)."""
    with make_client(0.5) as client:
        yield client


@pytest.fixture
def easypost(server, guarded_client):
    return EasyPostConnector(
        credentials=FakeEasyPost.connector_credentials, settings={"base_url": server.base_url}, client=guarded_client
    )


def media_box(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return float(found[1]), float(found[2])


AUTH = "Basic " + base64.b64encode(b"EZTK-fake-4c1e9b:").decode()
