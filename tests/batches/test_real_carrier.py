"""A batch through the carriers area itself (no stand-in): the own-label carrier resolves by its shipping rule,
books one parcel per order, and the batch's labels document holds each parcel's label, in pack-slip order."""

import io

import pytest
from pypdf import PdfReader

from orderly.batches import labels
from orderly.batches.status import BatchStatus, Outcome, Step
from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.models import Parcel
from tests.batches.helpers import create, order_of, receive, run, variant
from tests.carriers.helpers import own_carrier

pytestmark = pytest.mark.django_db


def test_a_batch_books_with_the_own_label_carrier_and_composes_its_labels(actor):
    own_carrier()
    variant("ESP-250")
    receive("ESP-250", 10)
    first, second = order_of(("ESP-250", 2)), order_of(("ESP-250", 1))

    batch = run(create(actor, first, second))

    assert (batch.status, batch.counts) == (BatchStatus.FINISHED, {"succeeded": 2, "failed": 0, "waiting": 0})
    entries = list(batch.entries.order_by("position"))
    assert [(e.outcome, e.step) for e in entries] == [(Outcome.SUCCEEDED, Step.TOLD)] * 2
    parcels = list(Parcel.objects.order_by("pk").values_list("number", "tracking_number", "label_status"))
    assert parcels == [("PA-000001", "PA-000001", "booked"), ("PA-000002", "PA-000002", "booked")]
    assert [e.parcel for e in entries] == ["PA-000001", "PA-000002"]
    documents = [labels.label_document(fulfillment=e.fulfillment, fmt=LabelFormat.PDF_A6) for e in entries]
    combined = PdfReader(io.BytesIO(labels.labels_compose(documents, LabelFormat.PDF_A4)))
    assert len(combined.pages) == 1  # two labels, four to an A4 page
    assert "PA-000001" in combined.pages[0].extract_text() and "PA-000002" in combined.pages[0].extract_text()
