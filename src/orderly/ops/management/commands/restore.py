from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderly.core.exceptions import DomainError
from orderly.ops.backup import database_restore
from orderly.ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup made by `orderly backup`. Stop `orderly serve` and any worker "
        "first: what they write meanwhile is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to restore")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the database")

    def handle(self, *args, path: str, yes: bool, **options):
        if not yes:
            answer = input("This replaces every order, product and user with the backup's. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("Nothing restored.")
        progress = Progress("Restoring", 1, stream=self.stdout._out)
        try:
            target = database_restore(Path(path), progress=progress.update)
        except DomainError as error:
            raise CommandError(error.message) from None
        progress.finish()
        self.stdout.write(f"Restored {target} from {Path(path).resolve()}.")
