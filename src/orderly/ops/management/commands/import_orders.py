import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orderly.channels.connectors.csv_file import MAX_BYTES
from orderly.channels.selectors import channel_named
from orderly.channels.services import CsvRejected, csv_import
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError
from orderly.ops.progress import Progress

COMMAND_LINE = Actor(kind="system", name="Command line")


class Command(BaseCommand):
    help = (
        "Import a CSV file of orders into a CSV channel, as an upload on the channel's Import page or through the "
        "API does: every row is checked first, and a file with any bad row is refused whole, each error with its "
        "line, column and reason, and nothing written (exit code 1). Formats: src/orderly/channels/FORMATS.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (at most 10 MB and 50,000 rows); - reads standard input")
        parser.add_argument("--channel", required=True, metavar="NAME", help="the CSV channel, by its name")

    def handle(self, *args, file: str, channel: str, **options):
        try:
            target = channel_named(channel)
        except DomainError as error:
            raise CommandError(error.message) from None
        content, name = self._read(file)
        progress = Progress(f"Importing {name}", 1, stream=self.stdout._out)
        try:
            run = csv_import(channel=target, content=content, actor=COMMAND_LINE, progress=progress.update)
        except CsvRejected as refused:
            self._end_bar(progress)
            for error in refused.errors:
                column = f", column {error['column']}" if error["column"] else ""
                self.stderr.write(f"  line {error['line']}{column}: {error['reason']}")
            raise CommandError(refused.message) from None
        except DomainError as error:
            self._end_bar(progress)
            raise CommandError(error.message) from None
        progress.finish()
        read_as = run.trigger.partition(" · ")[2]
        self.stdout.write(
            f"{name} into {target.name}: {run.imported} imported, {run.updated} updated, {run.skipped} unchanged"
            + (f". Read as: {read_as}." if read_as else ".")
        )

    def _read(self, file: str) -> tuple[bytes, str]:
        """The file's bytes (one more than the limit at most: enough for the reader to refuse it) and its name."""
        if file == "-":
            return sys.stdin.buffer.read(MAX_BYTES + 1), "standard input"
        path = Path(file)
        try:
            with path.open("rb") as source:
                return source.read(MAX_BYTES + 1), path.name
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None

    def _end_bar(self, progress: Progress) -> None:
        if progress.terminal and progress.drawn:
            self.stdout.write("")  # ends the bar's line, so the errors start on their own
