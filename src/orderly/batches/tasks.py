"""Background entry points for batches (django-tasks): each takes ids, calls one service, and is idempotent."""

from django_tasks import task


@task()
def process_batch(batch_id: int) -> None:
    """Claim and process the batch's waiting orders until none is left (several of these share a batch)."""
    from orderly.batches.services import batch_process

    batch_process(batch_id=batch_id)


@task()
def make_document(document_id: int) -> None:
    from orderly.batches.services import document_make

    document_make(document_id=document_id)
