"""Whatever a carrier answers, a connector raises a CarrierError or answers the contract's types: never an httpx,
JSON, key or type error."""

import pytest

from orderly.carriers.connectors.base import BookedParcel, CarrierError, LabelFormat
from orderly.carriers.connectors.easypost import EasyPostConnector
from orderly.carriers.connectors.http import make_client
from orderly.carriers.connectors.sendcloud import SendcloudConnector
from tests.carriers import easypost_setup, sendcloud_setup
from tests.carriers.fake_easypost import FakeEasyPost
from tests.carriers.fake_sendcloud import FakeSendcloud

ODD_BODIES = [
    (200, []),
    (200, None),
    (200, {}),
    (200, {"data": None, "shipments": None, "carriers": None, "events": None}),
    (200, {"data": [1, "x", None], "shipments": [1, "x"], "has_more": True, "carriers": [1, {"service_levels": [1]}]}),
    (200, {"data": {"parcels": ["x", None]}, "rates": "x", "tracker": "x"}),
    (201, {"data": {"parcels": [{"id": 1, "status": "x"}], "errors": ["x"]}, "id": "shp_1", "rates": [1, None]}),
    (200, {"id": "shp_1", "tracking_code": 5, "selected_rate": {"rate": "free"}, "postage_label": "x"}),
    (200, {"events": [1, {"event_at": "yesterday"}, {"status_code": 5}], "tracker": {"id": "trk_1"}}),
    (200, b"\xff\xfe not text"),
    (422, {"error": "just a sentence"}),
    (400, {"errors": "not a list"}),
    (409, {"errors": [None, {"source": "x"}]}),
    (404, b""),
]

BOOKED = BookedParcel(carrier_reference="1", tracking_number="3SBRNO000000001")


def calls(connector, reference_parcel):
    return {
        "book": lambda: connector.book(reference_parcel),
        "find_booked": lambda: connector.find_booked(reference_parcel.reference),
        "label": lambda: connector.label(BOOKED, LabelFormat.PDF_A6),
        "label_zpl": lambda: connector.label(BOOKED, LabelFormat.ZPL),
        "void": lambda: connector.void(BOOKED),
        "track": lambda: connector.track(BOOKED),
        "methods": lambda: connector.methods(),
    }


@pytest.fixture(scope="module")
def client():
    with make_client(2) as shared:
        yield shared


@pytest.mark.parametrize(("status", "body"), ODD_BODIES)
@pytest.mark.parametrize("after", [0, 1])  # the first call of a two-call operation, then the second
def test_odd_answers_become_carrier_errors(client, status, body, after):
    cases = [
        (FakeSendcloud, SendcloudConnector, sendcloud_setup.parcel()),
        (FakeEasyPost, EasyPostConnector, easypost_setup.parcel()),
    ]
    for fake, connector_class, reference_parcel in cases:
        with fake(lifetime=30) as server:
            connector = connector_class(
                credentials=fake.connector_credentials, settings={"base_url": server.base_url}, client=client
            )
            for name, call in calls(connector, reference_parcel).items():
                server.answer_next(status, body, after=after)
                try:
                    result = call()
                except CarrierError:
                    pass
                else:
                    assert (
                        result is None or isinstance(result, bytes | list | BookedParcel) or hasattr(result, "voided")
                    ), (fake.__name__, name, result)
                server.faults.clear()
