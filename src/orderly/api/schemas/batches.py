"""Request and response bodies of the batch endpoints. Shapes and types only: which orders may join a batch and
what may be reprocessed or removed are the batch services' rules."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import MAX_ID, InputSchema, OutputSchema, PagedQuery, PageMeta, page_meta
from orderly.batches.models import Batch, BatchDocument, BatchOrder
from orderly.batches.selectors import Stuck
from orderly.batches.status import BatchStatus, Outcome
from orderly.carriers.connectors.base import LabelFormat
from orderly.orders.selectors import DEFAULT_SORT, SORTS, OrderFilters
from orderly.orders.status import CustomerType, FulfillmentStatus, OrderStatus, PaymentStatus, Stage

# ---- requests ------------------------------------------------------------------------------------------------


class BatchOrderFilterIn(InputSchema):
    """The orders list's query parameters (GET /orders), selecting every order they match."""

    q: str = Field("", max_length=200)
    status: Literal["", *OrderStatus.values] = ""
    stage: Literal["", *Stage.values] = ""
    fulfillment_status: Literal["", *FulfillmentStatus.values] = ""
    payment_status: Literal["", *PaymentStatus.values] = ""
    channel: int | None = Field(None, ge=1, le=MAX_ID)
    customer_type: Literal["", *CustomerType.values] = ""
    has_error: bool | None = None
    archived: Literal["false", "true", "all"] = "false"
    test: Literal["false", "true", "all"] = "false"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Literal[*SORTS] = DEFAULT_SORT

    def filters(self) -> OrderFilters:
        flag = {"false": False, "true": True, "all": None}
        return OrderFilters(
            q=self.q, status=self.status, stage=self.stage, fulfillment_status=self.fulfillment_status,
            payment_status=self.payment_status, channel=self.channel, customer_type=self.customer_type,
            has_error=self.has_error, archived=flag[self.archived], test=flag[self.test], date_from=self.date_from,
            date_to=self.date_to, sort=self.sort,
        )  # fmt: skip


class BatchCreate(InputSchema):
    """Either `orders` (order numbers) or `filter` (the orders list's query parameters): up to 1,000 orders."""

    orders: list[str] | None = Field(None, max_length=1000, examples=[["OR-000012", "OR-000013"]])
    filter: BatchOrderFilterIn | None = None


class BatchReprocessIn(InputSchema):
    orders: list[str] | None = Field(
        None, max_length=1000, description="Failed orders to process again; all the failed ones when left out"
    )


class BatchQuery(PagedQuery):
    status: Literal["", *BatchStatus.values] = Field("", description="Only batches with this status")
    q: str = Field("", max_length=16, description="Part of the batch number")
    created_by: str = Field("", max_length=150, description="Who created it (user name)")


class LabelsQuery(Schema):
    format: Literal["", *(f.value for f in LabelFormat)] = Field(
        "", description="pdf-4x6, pdf-a6, pdf-a4 (four per page) or zpl; the user's label format when left out"
    )


# ---- responses -----------------------------------------------------------------------------------------------


class BatchCountsOut(OutputSchema):
    succeeded: int
    failed: int
    waiting: int


class BatchOrderOut(OutputSchema):
    number: str = Field(examples=["OR-000123"])
    outcome: str = Field(json_schema_extra={"enum": Outcome.values})
    reason: str = Field(description="Why it failed, in words")
    fix: str = Field(description="What to do about it")
    step: str = Field(description="The last step recorded: '', fulfilled, labelled or told")
    attempts: int
    fulfillment: str | None = Field(examples=["FF-000042"])
    tracking_number: str


class BatchStuckOut(OutputSchema):
    since: dt.datetime = Field(description="The last sign of progress")
    for_seconds: int
    waiting: list[str] = Field(description="The orders still waiting")


class BatchDocumentOut(OutputSchema):
    kind: str = Field(json_schema_extra={"enum": ["pick_pack", "labels"]})
    format: str
    status: str = Field(json_schema_extra={"enum": ["queued", "making", "ready", "failed"]})
    progress: int = Field(description="Percent done")
    error: str
    size: int
    finished_at: dt.datetime | None


class BatchSummaryOut(OutputSchema):
    number: str = Field(examples=["BA-000001"])
    status: str = Field(json_schema_extra={"enum": BatchStatus.values})
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    order_count: int
    counts: BatchCountsOut


class BatchOut(BatchSummaryOut):
    stuck: BatchStuckOut | None = Field(description="Set while processing makes no progress (a dead worker)")
    documents: list[BatchDocumentOut]
    orders: list[BatchOrderOut]


class BatchPage(PageMeta):
    items: list[BatchSummaryOut]


def summary_dict(batch: Batch) -> dict:
    return {
        "number": batch.number, "status": batch.status, "created_by": batch.created_by_name,
        "created_at": batch.created_at, "finished_at": batch.finished_at, "order_count": batch.order_count,
        "counts": batch.counts,
    }  # fmt: skip


def document_dict(document: BatchDocument) -> dict:
    return {
        "kind": document.kind, "format": document.format, "status": document.status, "progress": document.progress,
        "error": document.error, "size": document.size, "finished_at": document.finished_at,
    }  # fmt: skip


def entry_dict(entry: BatchOrder) -> dict:
    return {
        "number": entry.order.number, "outcome": entry.outcome, "reason": entry.reason, "fix": entry.fix,
        "step": entry.step, "attempts": entry.attempts,
        "fulfillment": entry.fulfillment.number if entry.fulfillment_id else None,
        "tracking_number": entry.tracking_number,
    }  # fmt: skip


def batch_dict(batch: Batch, entries: list[BatchOrder], stuck: Stuck | None, documents) -> dict:
    return {
        **summary_dict(batch),
        "stuck": None if stuck is None else {"since": stuck.since, "for_seconds": stuck.for_seconds,
                                            "waiting": stuck.waiting},
        "documents": [document_dict(d) for d in documents],
        "orders": [entry_dict(e) for e in entries],
    }  # fmt: skip


def batch_page(page, request=None) -> dict:
    return {**page_meta(page, request), "items": [summary_dict(b) for b in page.items]}
