"""What the Sendcloud connector's tests share: the parcels they book, the loopback server and the connector."""

import base64
import re
from decimal import Decimal

import pytest

from orderly.carriers.connectors.base import (
    Address,
    CustomsItem,
    ParcelRequest,
)
from orderly.carriers.connectors.http import make_client
from orderly.carriers.connectors.sendcloud import SendcloudConnector
from tests.carriers.fake_sendcloud import FakeSendcloud

SENDER = Address(
    name="Pieter de Wit",
    company="Branderij Noord",
    street="Veemkade 300",
    postal_code="1019HD",
    city="Amsterdam",
    country="NL",
    email="pieter@branderij.example",
    phone="+31200003344",
)
RECIPIENT = Address(
    name="Femke Jansen", street="Lange Nieuwstraat 14", postal_code="3512PH", city="Utrecht", country="nl"
)
ABROAD = Address(
    name="Dana Whitfield",
    street="81 Orchard Street",
    postal_code="10002",
    city="New York",
    country="US",
    state="NY",
    email="dana.whitfield@example.com",
    phone="+12125550147",
)
BEANS = CustomsItem(
    description="Roasted coffee beans 250 g",
    quantity=2,
    weight_kg=Decimal("0.27"),
    value=Decimal("9.5"),
    currency="EUR",
    hs_code="090121",
    origin_country="nl",
    sku="ESP-250",
)


def parcel(reference="PA-000311", **changes) -> ParcelRequest:
    fields = {
        "reference": reference,
        "order_number": "OR-000811",
        "sender": SENDER,
        "recipient": RECIPIENT,
        "weight_kg": Decimal("1.25"),
        "method_code": "postnl:standard",
        "value": Decimal("24.5"),
        **changes,
    }
    return ParcelRequest(**fields)


@pytest.fixture
def server():
    with FakeSendcloud(lifetime=60) as fake:
        yield fake


@pytest.fixture(scope="module")
def guarded_client():
    """One client through the egress guard for the module's tests (making its TLS context costs 0.2 s)."""
    with make_client(0.5) as client:
        yield client


@pytest.fixture
def sendcloud(server, guarded_client):
    return SendcloudConnector(
        credentials=FakeSendcloud.connector_credentials, settings={"base_url": server.base_url}, client=guarded_client
    )


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def media_box(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return float(found[1]), float(found[2])
