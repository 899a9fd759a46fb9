from django.core.management.base import BaseCommand, CommandError

from orderly.core.exceptions import DomainError
from orderly.ops.demo import demo_load
from orderly.ops.progress import Progress


class Command(BaseCommand):
    help = "Load demo data for a coffee roaster: products, shops, a month of orders in every state. Idempotent."

    def handle(self, *args, **options):
        progress = Progress("Loading demo data", 1, stream=self.stdout._out)
        try:
            summary = demo_load(progress=progress.update)
        except DomainError as error:
            raise CommandError(f"Demo data not loaded: {error.message}") from None
        progress.finish()
        self.stdout.write(str(summary))
