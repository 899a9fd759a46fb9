from django.core.management.base import BaseCommand, CommandError

from orderly.core.exceptions import DomainError
from orderly.ops.demo import demo_load


class Command(BaseCommand):
    help = "Load demo data for a coffee roaster: products, shops, a month of orders in every state. Idempotent."

    def handle(self, *args, **options):
        try:
            summary = demo_load()
        except DomainError as error:
            raise CommandError(f"Demo data not loaded: {error.message}") from None
        self.stdout.write(str(summary))
