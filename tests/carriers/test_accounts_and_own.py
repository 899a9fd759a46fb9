"""Carrier accounts (credentials kept encrypted and merged, the kind fixed, methods in use kept) and the own-label
connector's webhook (its signature checked before anything is read)."""

import datetime as dt
import hashlib
import hmac
import json

import pytest

from orderly.carriers.connectors.base import CarrierRefused, TrackingStatus, WebhookSignatureRefused
from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.services import carrier_update
from orderly.carriers.services.common import credentials_of
from orderly.core.exceptions import Conflict, ValidationError
from tests.carriers.helpers import SYSTEM, WEBHOOK_SECRET, own_carrier

EVENT = {"tracking_number": "PA-000007", "status": "delivered", "event_id": "d-1",
         "occurred_at": "2026-12-02T14:30:00+01:00", "carrier_status": "Signed: J."}  # fmt: skip
BODY = json.dumps({"events": [EVENT]}).encode()
HEX = hmac.new(WEBHOOK_SECRET.encode(), BODY, hashlib.sha256).hexdigest()


def connector():
    return OwnConnector(credentials={"webhook_secret": WEBHOOK_SECRET}, settings={})


@pytest.mark.parametrize("signature", [HEX, HEX.upper(), f"sha256={HEX}"])
def test_a_signed_webhook_is_read(signature):
    [update] = connector().parse_webhook(headers={"X-Orderly-Signature": signature}, body=BODY, secret=WEBHOOK_SECRET)
    assert (update.tracking_number, update.status, update.event_id, update.carrier_status) == (
        "PA-000007", TrackingStatus.DELIVERED, "d-1", "Signed: J.",
    )  # fmt: skip
    assert update.occurred_at == dt.datetime(2026, 12, 2, 13, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("headers", "secret"),
    [({}, WEBHOOK_SECRET), ({"X-Orderly-Signature": HEX[:-2] + "00"}, WEBHOOK_SECRET),
     ({"X-Orderly-Signature": HEX}, ""), ({"X-Orderly-Signature": HEX}, "another secret")],
)  # fmt: skip
def test_a_missing_or_wrong_signature_is_refused_before_reading(headers, secret):
    with pytest.raises(WebhookSignatureRefused):
        connector().parse_webhook(headers=headers, body=b"not even json", secret=secret)


@pytest.mark.parametrize(
    "body", [b"[1]", b'{"events": {}}', b'{"events": [{"status": "lost", "occurred_at": "2026-12-01"}]}',
             b'{"events": [{"status": "delivered", "occurred_at": "yesterday"}]}', b"\xff"],
)  # fmt: skip
def test_a_signed_body_that_is_not_tracking_is_refused(body):
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(CarrierRefused):
        connector().parse_webhook(headers={"X-Orderly-Signature": signature}, body=body, secret=WEBHOOK_SECRET)


@pytest.mark.django_db
def test_credentials_merge_and_the_kind_is_fixed():
    account = own_carrier()
    carrier_update(account=account, changes={"credentials": {}}, actor=SYSTEM)
    assert credentials_of(account) == {"webhook_secret": WEBHOOK_SECRET}
    carrier_update(account=account, changes={"credentials": {"webhook_secret": ""}}, actor=SYSTEM)
    account.refresh_from_db()
    assert credentials_of(account) == {}
    with pytest.raises(ValidationError) as refused:
        carrier_update(account=account, changes={"kind": "easypost"}, actor=SYSTEM)
    assert refused.value.field == "kind"


@pytest.mark.django_db
def test_a_method_a_rule_uses_cannot_be_removed():
    account = own_carrier()
    with pytest.raises(Conflict) as refused:
        carrier_update(account=account, changes={"methods": [{"code": "express"}]}, actor=SYSTEM)
    assert refused.value.detail == {"resource": "shipping_method", "key": "standard"}
    assert sorted(account.methods.values_list("code", flat=True)) == ["express", "standard"]
