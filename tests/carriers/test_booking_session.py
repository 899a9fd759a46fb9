"""A booking session (a batch worker's run of many bookings): the shipping rules, the packaging weight and the
variants' weights read once, and one connector per account whose HTTP client stays open until the session ends."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.services import booking_session, carrier_create, carrier_update, label_book
from orderly.carriers.services.common import close, connector_for, session_read
from orderly.carriers.services.rules import weight_of
from tests.carriers.fake_sendcloud import FakeSendcloud
from tests.carriers.helpers import SENDER, SYSTEM, own_carrier, shipped
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _reads(captured, table: str) -> int:
    return sum(1 for query in captured.captured_queries if f'FROM "{table}"' in query["sql"])


def _sendcloud_account(name="Sendcloud"):
    return carrier_create(
        name=name, kind="sendcloud", actor=SYSTEM, sender_address=SENDER,
        settings={"base_url": "http://127.0.0.1:9/unused"}, credentials=FakeSendcloud.connector_credentials,
        methods=[{"code": "postnl:standard", "name": "PostNL Standard", "countries": ["NL"], "max_weight_kg": "23"}],
    )  # fmt: skip


def test_bookings_in_a_session_read_the_rules_and_the_packaging_weight_once(monkeypatch):
    own_carrier()
    fulfillments = [shipped(units)[1] for units in (1, 2, 3)]
    made = []
    original = OwnConnector.__init__
    monkeypatch.setattr(OwnConnector, "__init__", lambda self, **kw: made.append(1) or original(self, **kw))

    with CaptureQueriesContext(connection) as captured, booking_session():
        parcels = [label_book(fulfillment=f, actor=SYSTEM) for f in fulfillments]

    assert [p.label_status for p in parcels] == ["booked"] * 3
    assert [p.weight_kg for p in parcels] == [Decimal("0.270"), Decimal("0.540"), Decimal("0.810")]
    assert (_reads(captured, "carriers_shippingrule"), _reads(captured, "carriers_packagingweight")) == (1, 1)
    assert len(made) == 1  # one connector for the three bookings


def test_bookings_outside_a_session_read_them_for_each_booking():
    own_carrier()
    fulfillments = [shipped(units)[1] for units in (1, 2)]

    with CaptureQueriesContext(connection) as captured:
        for fulfillment in fulfillments:
            label_book(fulfillment=fulfillment, actor=SYSTEM)

    assert (_reads(captured, "carriers_shippingrule"), _reads(captured, "carriers_packagingweight")) == (2, 2)


def test_a_session_keeps_one_open_connector_per_account_and_closes_it_at_its_end():
    account = _sendcloud_account()

    with booking_session():
        first = connector_for(account)
        close(first)  # a booking lets go of it: the session keeps it open for the next
        again = connector_for(account)
        assert again is first
        assert not first.http.client.is_closed
        with booking_session():  # nested: the same session
            assert connector_for(account) is first
        assert not first.http.client.is_closed

    assert first.http.client.is_closed
    outside = connector_for(account)
    assert outside is not first
    close(outside)
    assert outside.http.client.is_closed


def test_an_account_edited_during_a_session_gets_a_new_connector():
    account = _sendcloud_account()

    with booking_session():
        first = connector_for(account)
        account = carrier_update(account=account, changes={"settings": {"base_url": "http://127.0.0.1:9/other"}},
                                 actor=SYSTEM)  # fmt: skip
        second = connector_for(account)

    assert second is not first
    assert first.http.client.is_closed and second.http.client.is_closed


def test_what_a_session_read_is_read_again_once_older_than_its_max_age():
    reads = []

    with booking_session(max_age=0):
        session_read("thing", lambda: reads.append(1) or len(reads))
        assert session_read("thing", lambda: reads.append(1) or len(reads)) == 2
    with booking_session():
        session_read("thing", lambda: reads.append(1) or len(reads))
        assert session_read("thing", lambda: reads.append(1) or len(reads)) == 3
    assert session_read("thing", lambda: 99) == 99  # outside a session: every time


def test_variant_weights_are_read_once_per_session():
    light, heavy = VariantFactory(weight=Decimal("0.250")), VariantFactory(weight=Decimal("1.500"))

    with CaptureQueriesContext(connection) as captured, booking_session():
        assert weight_of([(light.pk, 2), (heavy.pk, 1), (None, 5)]) == Decimal("2.000")
        assert weight_of([(heavy.pk, 2)]) == Decimal("3.000")

    assert _reads(captured, "catalog_variant") == 1
