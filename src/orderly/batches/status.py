"""Statuses of a batch, of each order in it and of its documents, and the batch's allowed transitions."""

from django.db import models


class BatchStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"  # orders are waiting or being processed
    FAILED = "failed", "Failed"  # processing ended and one or more orders failed
    FINISHED = "finished", "Finished"  # every order succeeded: history from now on


BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.PROCESSING: frozenset({BatchStatus.FAILED, BatchStatus.FINISHED}),
    # reprocessing sends it back to processing; removing its last failed order finishes it
    BatchStatus.FAILED: frozenset({BatchStatus.PROCESSING, BatchStatus.FINISHED}),
    BatchStatus.FINISHED: frozenset(),
}


class Outcome(models.TextChoices):
    WAITING = "waiting", "Waiting"  # not processed yet, or being processed now
    SUCCEEDED = "succeeded", "Succeeded"  # fulfilled, labelled and handed to its shop
    FAILED = "failed", "Failed"  # stopped at a step: `reason` says why and `fix` what to do


class Step(models.TextChoices):
    """How far an order got; a worker that takes it over resumes after the last step recorded."""

    NONE = "", "Not started"  # checks run again on every attempt until it is fulfilled
    FULFILLED = "fulfilled", "Fulfilled"  # its fulfillment made: stock taken, indicators moved
    LABELLED = "labelled", "Labelled"  # its parcel booked and the tracking number recorded
    TOLD = "told", "Handed to the shop"  # its tracking in the channel outbox (or nothing to tell)


STEP_ORDER = [Step.NONE, Step.FULFILLED, Step.LABELLED, Step.TOLD]


class DocumentKind(models.TextChoices):
    PICK_PACK = "pick_pack", "Pick & pack list"
    LABELS = "labels", "Shipping labels"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for the worker
    MAKING = "making", "Being made"  # `progress` says how far
    READY = "ready", "Ready"  # `content` holds it
    FAILED = "failed", "Failed"  # `error` says why; asking again makes it again
