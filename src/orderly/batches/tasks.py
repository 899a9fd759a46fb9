"""Background entry points for batches (django-tasks): each takes ids, calls one service, and is idempotent."""

from django_tasks import task

from orderly.batches.services import batch_process, document_make


@task()
def process_batch(batch_id: int) -> None:
    """Claim and process the batch's waiting orders until none is left (several of these share a batch)."""
    batch_process(batch_id=batch_id)


@task()
def make_document(document_id: int) -> None:
    document_make(document_id=document_id)
