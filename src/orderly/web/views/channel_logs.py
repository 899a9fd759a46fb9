"""Channels › Sync log and Channels › Updates to shops: every channel's syncs and pushes, filtered and paged. The
start page's shop numbers link here, each to the list of exactly the rows it counts. Anyone signed in reads."""

from django.template.response import TemplateResponse

from orderly.channels import selectors
from orderly.channels.models import OutboxMessage, SyncRunKind, SyncRunStatus
from orderly.core.exceptions import ValidationError
from orderly.web.decorators import role_required
from orderly.web.views.common import overview_page

FAILING = "failing"  # the sync log's status filter for a channel's failures since its last sync that did not fail


def _values(params, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: params.get(key, "").strip()[:100] for key in keys}


def _channel(raw: str):
    """The channel the `channel` filter names by id, None when it is empty; ValidationError when it names none."""
    if not raw:
        return None
    found = selectors.channel_list().filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if found is None:
        raise ValidationError(f"channel {raw!r} is no channel's id; choose one from the list.", field="channel")
    return found


def _one_of(name: str, raw: str, choices) -> str:
    if raw and raw not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.", field=name)
    return raw


@role_required()
def sync_log(request):
    values = _values(request.GET, ("channel", "kind", "status"))
    page, channel, error = None, None, None
    try:
        channel = _channel(values["channel"])
        kind = _one_of("kind", values["kind"], SyncRunKind.values)
        status = _one_of("status", values["status"], [*SyncRunStatus.values, FAILING])
        runs = selectors.sync_run_search(
            channel_id=channel.pk if channel else None,
            kind=kind,
            status="" if status == FAILING else status,
            failing_only=status == FAILING,
        )
        page = overview_page(request, runs, selectors.SYNC_LOG_ORDER)
    except ValidationError as exc:
        error = exc
    context = {
        "page": page,
        "error": error,
        "values": values,
        "channel": channel,
        "channels": selectors.channel_list(),
        "kind_choices": SyncRunKind.choices,
        "status_choices": [*SyncRunStatus.choices, (FAILING, "Failed since the last good sync")],
    }
    return TemplateResponse(request, "web/channels/sync_log.html", context, status=400 if error else 200)


@role_required()
def push_list(request):
    values = _values(request.GET, ("channel", "status"))
    page, channel, error = None, None, None
    try:
        channel = _channel(values["channel"])
        status = _one_of("status", values["status"], list(selectors.PUSH_STATES))
        pushes = selectors.outbox_search(channel_id=channel.pk if channel else None, status=status)
        page = overview_page(request, pushes, selectors.PUSHES_ORDER)
    except ValidationError as exc:
        error = exc
    context = {
        "page": page,
        "error": error,
        "values": values,
        "channel": channel,
        "channels": selectors.channel_list(),
        "status_choices": list(selectors.PUSH_STATES.items()),
        "max_attempts": OutboxMessage.MAX_ATTEMPTS,
    }
    return TemplateResponse(request, "web/channels/pushes.html", context, status=400 if error else 200)
