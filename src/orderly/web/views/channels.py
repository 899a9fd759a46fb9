"""Sales channel pages: the overview, one channel, its form, SKU mappings, CSV upload, and Synchronize.

Anyone signed in reads; operators synchronize and upload; managers configure channels and mappings.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from orderly.catalog.selectors import orderable_variants
from orderly.channels import selectors, services
from orderly.channels.connectors import csv_file
from orderly.channels.connectors.csv_file import CsvRejected
from orderly.channels.models import ChannelKind
from orderly.channels.services.outbox import outbox_retry
from orderly.channels.settings_schema import DEFAULT_SYNC_INTERVAL
from orderly.core.exceptions import DomainError
from orderly.orders.selectors import order_get
from orderly.web.decorators import role_required
from orderly.web.forms.channels import ChannelForm, MappingForm
from orderly.web.views.common import actor, or_404, safe_next

RUNS_SHOWN = 20


def _settings_rows(channel) -> list[tuple[str, str]]:
    settings = channel.settings or {}
    rows = []
    if settings.get("base_url"):
        rows.append(("Shop address", settings["base_url"]))
    if channel.pulls:
        rows.append(("Sync every", f"{settings.get('sync_interval_minutes', DEFAULT_SYNC_INTERVAL)} minutes"))
    for external, action in sorted((settings.get("status_map") or {}).items()):
        rows.append((f"Shop status “{external}”", f"→ {action}"))
    return rows


def _unmapped(channel) -> tuple[list[dict], list[dict]]:
    """SKUs on the channel's orders that resolve to no variant: (not mapped yet, mapped but orders not yet reset)."""
    rows = selectors.unmapped_skus(channel)
    return [r for r in rows if not r["mapped"]], [r for r in rows if r["mapped"]]


def webhook_url(request, channel) -> str:
    return request.build_absolute_uri(reverse("api-v1:channel_webhook", args=[channel.id]))


@role_required()
def channel_list_view(request):
    # Channels are few (a merchant's shops); one query for the last run of each is fine.
    rows = [
        {"channel": channel, "last_run": selectors.last_sync_run(channel)} for channel in selectors.channel_overview()
    ]
    return TemplateResponse(request, "web/channels/list.html", {"rows": rows})


@role_required()
def channel_detail(request, channel_id: int):
    or_404(selectors.channel_get, channel_id)
    channel = selectors.channel_overview().get(pk=channel_id)
    mappings = list(selectors.mapping_list(channel))
    unmapped, awaiting_reset = _unmapped(channel)
    context = {
        "channel": channel,
        "settings_rows": _settings_rows(channel),
        "credentials": selectors.masked_credentials(channel),
        "credentials_unreadable": selectors.credentials_unreadable(channel),
        "syncs": channel.pulls,
        "receives_webhooks": channel.kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE, ChannelKind.WEBHOOK),
        "webhook_url": webhook_url(request, channel),
        "mappings": mappings,
        "unmapped": unmapped,
        "awaiting_reset": awaiting_reset,
        "runs": selectors.sync_run_list(channel)[:RUNS_SHOWN],
        "pushes": selectors.outbox_for_channel(channel)[:RUNS_SHOWN],
        "health": selectors.sync_health(channel) if channel.pulls else None,
    }
    return TemplateResponse(request, "web/channels/detail.html", context)


def _channel_form(request, form: ChannelForm, *, channel=None, status: int = 200):
    context = {
        "form": form,
        "channel": channel,
        "kinds": [(value, label) for value, label in ChannelKind.choices if value != ChannelKind.MANUAL],
        "masked": selectors.masked_credentials(channel) if channel else {},
    }
    return TemplateResponse(request, "web/channels/form.html", context, status=status)


@role_required("manager")
def channel_new(request):
    if request.method != "POST":
        return _channel_form(request, ChannelForm(creating=True))
    form = ChannelForm.from_post(request.POST, creating=True)
    try:
        channel = services.channel_create(**form.create_input())
    except DomainError as exc:
        form.show_error(exc)
        return _channel_form(request, form, status=exc.status)
    messages.success(request, f"Channel {channel.name} created.")
    return redirect("web:channel_detail", channel_id=channel.id)


@role_required("manager")
def channel_edit(request, channel_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    if request.method != "POST":
        return _channel_form(request, ChannelForm.from_channel(channel), channel=channel)
    form = ChannelForm.from_post(request.POST, creating=False, kind=channel.kind)
    try:
        services.channel_update(channel=channel, **form.changes(channel))
    except DomainError as exc:
        form.show_error(exc)
        channel.refresh_from_db()
        return _channel_form(request, form, channel=channel, status=exc.status)
    messages.success(request, f"Channel {form.name.value} saved.")
    return redirect("web:channel_detail", channel_id=channel.id)


@role_required("manager")
@require_POST
def channel_set_enabled(request, channel_id: int, enabled: bool):
    channel = or_404(selectors.channel_get, channel_id)
    try:
        services.channel_update(channel=channel, enabled=enabled)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        word = "enabled: it is synchronized on its schedule" if enabled else "disabled: its syncing stopped"
        messages.success(request, f"Channel {channel.name} {word}.")
    return redirect(safe_next(request, reverse("web:channel_detail", args=[channel.id])))


def _tell_run(request, channel, run) -> None:
    """A notification with what a sync run did, or that it started (queued for the worker, or already running)."""
    if run.status in ("queued", "running"):
        messages.info(
            request,
            f"Synchronization of {channel.name} started ({run.get_status_display().lower()}): its progress "
            "and outcome are in the sync log.",
        )
        return
    counts = f"{run.imported} imported, {run.updated} updated, {run.skipped} skipped, {run.failed} failed"
    if run.status == "failed":
        messages.error(request, f"Synchronizing {channel.name} failed: {run.error or 'see the sync log'} ({counts}).")
    elif run.failed:
        messages.warning(request, f"{channel.name} synchronized with failures: {counts}. See the sync log.")
    else:
        messages.success(request, f"{channel.name} synchronized: {counts}.")


@role_required("operator")
@require_POST
def channel_sync(request, channel_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    try:
        run, _ = services.run_enqueue(channel=channel, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _tell_run(request, channel, run)
    return redirect(safe_next(request, reverse("web:channel_detail", args=[channel.id])))


@role_required("operator")
@require_POST
def channel_sync_all(request):
    try:
        runs = services.runs_enqueue_enabled(actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if not runs:
            messages.info(request, "No enabled channel pulls orders; nothing to synchronize.")
        for run in runs:
            _tell_run(request, run.channel, run)
    return redirect(safe_next(request, reverse("web:channel_list")))


@role_required("operator")
@require_POST
def order_synchronize(request, number: str):
    order = or_404(order_get, number)
    try:
        run = services.order_run_enqueue(order=order, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if run.status in ("queued", "running"):
            messages.info(
                request,
                f"Synchronization of order {order.number} started: changes the shop has will show on its timeline.",
            )
        elif run.status == "failed" or run.failed:
            reasons = [run.error] + [f.get("reason", "") for f in run.failures or [] if isinstance(f, dict)]
            reason = "; ".join(r for r in reasons if r) or "see the channel's sync log"
            messages.error(request, f"Order {order.number} could not be synchronized: {reason}")
        elif run.updated:
            messages.success(request, f"Order {order.number} synchronized: the shop's changes are on its timeline.")
        else:
            messages.success(request, f"Order {order.number} synchronized: nothing changed in the shop.")
    return redirect("web:order_detail", number=order.number)


@role_required("operator")
@require_POST
def channel_push_retry(request, channel_id: int, message_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    message = selectors.outbox_for_channel(channel).filter(pk=message_id).first()
    if message is None:
        raise Http404("No such update to the shop.")
    try:
        outbox_retry(message=message, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"The update of order {message.order.number} will be sent to {channel.name} again now."
        )
    return redirect(safe_next(request, reverse("web:channel_detail", args=[channel.id])))


def _mapping_page(request, channel, form: MappingForm, status: int = 200):
    mappings = list(selectors.mapping_list(channel))
    unmapped, awaiting_reset = _unmapped(channel)
    context = {
        "channel": channel,
        "form": form,
        "mappings": mappings,
        "unmapped": unmapped,
        "awaiting_reset": awaiting_reset,
        "variants": orderable_variants(),
    }
    return TemplateResponse(request, "web/channels/mappings.html", context, status=status)


@role_required("manager")
def channel_mappings(request, channel_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    if request.method != "POST":
        return _mapping_page(request, channel, MappingForm())
    form = MappingForm.from_post(request.POST)
    try:
        mapping = services.mapping_set(channel=channel, **form.data())
    except DomainError as exc:
        form.show_error(exc)
        return _mapping_page(request, channel, form, status=exc.status)
    messages.success(
        request,
        f"{mapping.external_sku} now maps to {mapping.variant.sku}. Reset the orders that had an error for it.",
    )
    return redirect("web:channel_mappings", channel_id=channel.id)


@role_required("manager")
@require_POST
def channel_mapping_delete(request, channel_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    sku = request.POST.get("external_sku", "")
    try:
        services.mapping_delete(channel=channel, external_sku=sku)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The mapping of {sku} was removed.")
    return redirect(safe_next(request, reverse("web:channel_mappings", args=[channel.id])))


def _import_page(request, channel, *, message: str = "", report=None, status: int = 200):
    columns = [(name, True) for name in csv_file.REQUIRED] + [(name, False) for name in csv_file.OPTIONAL]
    context = {"channel": channel, "message": message, "report": report or [], "columns": columns}
    return TemplateResponse(request, "web/channels/import.html", context, status=status)


@role_required("operator")
def channel_import(request, channel_id: int):
    channel = or_404(selectors.channel_get, channel_id)
    if request.method != "POST":
        return _import_page(request, channel)
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, channel, message="Choose a CSV file to upload.", status=422)
    try:
        run = services.csv_import(channel=channel, content=upload.read(), actor=actor(request))
    except CsvRejected as exc:
        return _import_page(request, channel, message=exc.message, report=exc.errors, status=exc.status)
    except DomainError as exc:
        return _import_page(request, channel, message=exc.message, status=exc.status)
    counts = f"{run.imported} imported, {run.updated} updated, {run.skipped} unchanged"
    read_as = run.trigger.partition(" · ")[2]
    messages.success(request, f"{upload.name}: {counts}." + (f" Read as: {read_as}." if read_as else ""))
    return redirect(reverse("web:order_list") + f"?channel={channel.id}")
