from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderly.core.exceptions import DomainError
from orderly.ops.backup import database_backup
from orderly.ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Copy the SQLite database into a new file, consistently, while Orderly runs "
        "(PostgreSQL: pg_dump, as the README shows)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write (must not exist yet)")

    def handle(self, *args, path: str, **options):
        progress = Progress("Backing up", 1, stream=self.stdout._out)
        try:
            target = database_backup(Path(path), progress=progress.update)
        except DomainError as error:
            raise CommandError(error.message) from None
        progress.finish()
        self.stdout.write(f"Backed up to {target} ({target.stat().st_size:,} bytes).")
