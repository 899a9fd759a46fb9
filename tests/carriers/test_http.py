"""The carriers' shared HTTP helpers: Retry-After, the egress guard, timeouts and the client's ownership."""

import datetime as dt
from email.utils import format_datetime

import httpx
import pytest

from orderly.carriers.connectors.base import CarrierUnavailable
from orderly.carriers.connectors.http import CarrierHttp, header, retry_after, shorten, timeout_of
from orderly.carriers.connectors.sendcloud import SendcloudConnector
from tests.carriers.fake_sendcloud import FakeSendcloud


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("0.25", 0.25),
        ("-4", 0.0),
        (None, 30.0),
        ("", 30.0),
        ("nan", 30.0),
        ("later", 30.0),
        ("Thu, 01 Jan 2026 00:00:00", 30.0),  # a date without its zone is unreadable
    ],
)
def test_retry_after_reads_seconds_and_falls_back_to_the_default(value, expected):
    assert retry_after(value) == expected


def test_retry_after_reads_an_http_date_against_now():
    now = dt.datetime(2026, 3, 3, 12, 0, 0, tzinfo=dt.UTC)
    later = format_datetime(now + dt.timedelta(seconds=90), usegmt=True)
    assert retry_after(later, now=now.timestamp()) == 90.0
    assert retry_after(format_datetime(now - dt.timedelta(hours=1), usegmt=True), now=now.timestamp()) == 0.0


def test_header_is_found_whatever_its_case_and_text_is_shortened():
    assert header({"X-HMAC-Signature": "abc"}, "x-hmac-signature") == "abc"
    assert header({}, "Sendcloud-Signature") == ""
    assert shorten("a  b\n c" + "x" * 600, 10) == "a b cxxxx…"


def test_a_loopback_address_is_refused_by_the_egress_guard_without_retry(settings):
    settings.ORDERLY_ALLOW_PRIVATE_NETWORKS = False
    with FakeSendcloud(lifetime=30) as server:
        with (
            SendcloudConnector(
                credentials=FakeSendcloud.connector_credentials, settings={"base_url": server.base_url}
            ) as connector,
            pytest.raises(CarrierUnavailable) as refused,
        ):
            connector.methods()
        assert server.requests == []
    error = refused.value
    assert error.message.startswith("Sendcloud was not called (POST /api/v3/shipping-options): 127.0.0.1 is a loopback")
    assert (error.retryable, error.fix) == (False, "Check the account's base URL.")


def test_the_timeout_setting_bounds_a_call_of_the_connectors_own_client():
    with FakeSendcloud(lifetime=30) as server:
        server.fail_next("hang", seconds=1.0)
        connector = SendcloudConnector(
            credentials=FakeSendcloud.connector_credentials, settings={"base_url": server.base_url, "timeout": 0.2}
        )
        with pytest.raises(CarrierUnavailable) as timed_out:
            connector.methods()
        connector.close()
    assert timed_out.value.outcome_unknown is True  # a POST, even one that only reads
    assert connector.http.client.is_closed


def test_a_given_client_stays_open_when_the_connector_closes():
    with httpx.Client() as client:
        http = CarrierHttp(
            name="Sendcloud", base_url="http://127.0.0.1:9", auth=("a", "b"), read_error=dict, client=client
        )
        http.close()
        assert client.is_closed is False


@pytest.mark.parametrize(
    ("setting", "expected"), [(0.5, 0.5), ("2", 2.0), (None, 20.0), ("soon", 20.0), (0, 20.0), (-1, 20.0), (1e9, 20.0)]
)
def test_the_timeout_setting_is_read_as_seconds(setting, expected):
    default = httpx.Timeout(20.0, connect=5.0)
    assert timeout_of(setting, default).read == expected
