"""`orderly batch_resume_stalled`: queue again the processing of batches whose worker died (for cron, every few
minutes). Each order resumes after its last recorded step; none is processed twice."""

from django.core.management.base import BaseCommand

from orderly.batches.services import batches_resume_stalled


class Command(BaseCommand):
    help = "Queue again the processing of batches whose waiting orders no worker is working on."

    def handle(self, *args, **options):
        numbers = batches_resume_stalled()
        self.stdout.write(f"Resumed {len(numbers)} batch(es){': ' + ', '.join(numbers) if numbers else ''}.")
