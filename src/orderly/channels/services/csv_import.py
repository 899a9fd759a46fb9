"""Uploading a CSV file of orders to a CSV channel."""

from collections.abc import Callable

from django.db import transaction

from orderly.channels.connectors.csv_file import CsvRejected, parse_csv
from orderly.channels.models import ChannelKind, SalesChannel, SyncRun, SyncRunKind
from orderly.channels.services.sync import sync_run_finish, take_orders
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.retry import retry_on_conflict

STEP = 500  # orders taken at a time, as a channel sync takes a page: `progress` is told after each step


@retry_on_conflict
def csv_import(
    *,
    channel: SalesChannel,
    content: bytes | str,
    actor: Actor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncRun:
    """Import a file in the documented CSV format into a CSV channel, all or nothing.

    Every row is checked first; any error refuses the whole file with CsvRejected (422) listing each error's line,
    column and reason, and nothing is written. Orders already imported (same order_id) are updated or skipped as
    in a sync; deleted ones are not imported again. Returns the run in the channel's sync log; its trigger says
    who uploaded it, which format the file was read as, and what the merchant should know (e.g. that it was read
    as Windows-1252). `progress(orders_taken, orders_in_file)` is called as the orders are taken, before the
    commit (the command line's progress bar).
    """
    if channel.kind != ChannelKind.CSV:
        raise ValidationError(
            f"Channel {channel} is a {channel.get_kind_display()} channel; files go to a CSV channel.",
            code=ErrorCode.CHANNEL_KIND_UNSUPPORTED,
            channel=channel.name,
            kind=channel.kind,
            action="import_csv",
        )
    orders = parse_csv(content)
    lines = {order.external_id: line for line, order in orders}
    with transaction.atomic():
        kind = "Shopify's orders export" if getattr(orders, "file_format", "") == "shopify_export" else ""
        description = getattr(orders, "description", "")
        plain = description == "The file looks comma-separated with decimal points."  # as documented: nothing to say
        parts = [kind, "" if plain else description.rstrip("."), *getattr(orders, "notices", [])]
        read_as = "; ".join(part for part in parts if part)
        trigger = " · ".join(filter(None, [actor.name if actor else "", read_as]))
        run = SyncRun.objects.create(channel=channel, kind=SyncRunKind.CSV, trigger=trigger[:150])
        entries = [order for _, order in orders]
        for start in range(0, len(entries), STEP):
            take_orders(channel, entries[start : start + STEP], run, Actor.for_channel(channel))
            if progress is not None:
                progress(min(start + STEP, len(entries)), len(entries))
        run.refresh_from_db()
        if run.failed:
            errors = [
                {
                    "line": lines.get(f["external_id"], 0),
                    "column": "",
                    "reason": f"order {f['external_id']}: {f['reason']}",
                }
                for f in run.failures
            ]
            raise CsvRejected(errors)
        return sync_run_finish(run)
