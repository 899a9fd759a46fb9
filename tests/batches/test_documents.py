"""The documents read back: the pick list's totals are the batch's units, the pack slips follow the shelves, the
labels are one page (or one ZPL block) per parcel in pack-slip order."""

import datetime as dt
import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from orderly.batches import selectors
from orderly.batches.models import BatchDocument
from orderly.batches.services import document_request
from orderly.batches.status import DocumentStatus
from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict
from orderly.inventory.services import stock_receive
from tests.batches.helpers import create, order_of, run, variant

pytestmark = pytest.mark.django_db


def _receive(sku, units, position, day="2026-01-01"):
    return stock_receive(
        kind="packaged", sku=sku, quantity=units, position=position, lot_date=dt.date.fromisoformat(day),
        actor=Actor.system(),
    )  # fmt: skip


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture
def shipped(actor, carriers):
    """Three orders over three shelves; the second order's SKU stands on the first shelf."""
    variant("DEC-250"), variant("ESP-250"), variant("FIL-500"), variant("GIFT")
    lot_a = _receive("ESP-250", 2, "B-02")
    lot_b = _receive("ESP-250", 10, "B-02", "2026-02-01")
    _receive("DEC-250", 10, "A-01")
    _receive("FIL-500", 10, "C-03")
    first = order_of(("ESP-250", 3), ("FIL-500", 1))
    second = order_of(("DEC-250", 2))
    gift = {"sku": "GIFT", "name": "Gift card", "quantity": 1, "options": {"allocate": False, "fulfil": False}}
    third = order_of(("FIL-500", 4), gift)
    batch = run(create(actor, first, second, third))
    return batch, (first, second, third), (lot_a, lot_b)


def test_the_pick_list_totals_the_batch_and_the_slips_follow_the_shelves(shipped):
    batch, (first, second, third), (lot_a, lot_b) = shipped
    rows, slips = selectors.pick_pack(batch)

    assert [(r.position, r.sku, r.quantity, r.lots) for r in rows] == [
        ("A-01", "DEC-250", 2, {"LOT-000003": 2}),
        ("B-02", "ESP-250", 3, {lot_a.number: 2, lot_b.number: 1}),
        ("C-03", "FIL-500", 5, {"LOT-000004": 5}),
    ]
    assert sum(r.quantity for r in rows) == 2 + 3 + 1 + 4  # every unit the batch ships
    assert [s.order for s in slips] == [second.number, first.number, third.number]
    gift = slips[2].missing
    assert gift == [("GIFT", "Gift card", 1, "not shipped from this warehouse")]

    document = document_request(batch=batch, kind="pick_pack")

    assert (document.status, document.progress, document.pages) == (DocumentStatus.READY, 100, 4)
    pages = _text(bytes(BatchDocument.objects.get(pk=document.pk).content))
    assert len(pages) == 4
    assert all(f"Batch {batch.number}" in text and f"Page {n} of 4" in text for n, text in enumerate(pages, 1))
    assert "Pick list" in pages[0] and "Total units" in pages[0]
    assert [re.search(r"Pack slip — (OR-\d+)", text).group(1) for text in pages[1:]] == [s.order for s in slips]
    assert "Not in this parcel" in pages[3] and "Gift card" in pages[3]
    assert "Keizersgracht 12" in pages[1] and "1015 CJ Amsterdam" in pages[1]


@pytest.mark.parametrize("fmt", ["pdf-4x6", "zpl"])
def test_all_labels_one_per_parcel_in_pack_slip_order(shipped, fmt):
    batch, _orders, _lots = shipped
    _rows, slips = selectors.pick_pack(batch)

    document = document_request(batch=batch, kind="labels", fmt=fmt)
    content = bytes(BatchDocument.objects.get(pk=document.pk).content)

    assert document.status == DocumentStatus.READY
    if fmt == "zpl":
        blocks = re.findall(rb"\^XA.*?\^XZ", content, re.S)
        assert len(blocks) == 3
        assert [re.search(rb"\^FD(FF-\d+)", b).group(1).decode() for b in blocks] == [s.fulfillment for s in slips]
    else:
        pages = _text(content)
        assert [re.search(r"FF-\d+", t).group(0) for t in pages] == [s.fulfillment for s in slips]


def test_a_document_is_kept_and_made_again_only_when_the_batch_changed(shipped):
    batch, _orders, _lots = shipped
    first = document_request(batch=batch, kind="pick_pack")
    again = document_request(batch=batch, kind="pick_pack")
    assert (again.pk, again.finished_at) == (first.pk, first.finished_at)


def test_no_documents_before_an_order_succeeded(actor, carriers):
    variant("ESP-250")
    batch = run(create(actor, order_of(("ESP-250", 1))))  # no stock: failed
    with pytest.raises(Conflict) as refused:
        document_request(batch=batch, kind="labels", fmt="pdf-a6")
    assert refused.value.detail == {"batch": batch.number, "status": "failed"}
    assert BatchDocument.objects.count() == 0


def test_labels_on_a4_are_four_to_a_page(shipped):
    batch, _orders, _lots = shipped

    document = document_request(batch=batch, kind="labels", fmt="pdf-a4")
    reader = PdfReader(BytesIO(bytes(BatchDocument.objects.get(pk=document.pk).content)))

    assert len(reader.pages) == 1  # three parcels: one A4 page
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
