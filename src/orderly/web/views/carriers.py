"""Settings › Carriers (accounts, their methods, shipping rules, the packaging weight), the label actions of an
order's fulfillments (Book label, Download label, Void label) and the label printer setting. Anyone signed in sees
carriers; managers configure them; operators book and void labels."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from orderly.carriers import selectors, services
from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.services.accounts import CREDENTIAL_KEYS
from orderly.carriers.status import CarrierKind, LabelStatus
from orderly.core.countries import COUNTRY_CODES
from orderly.core.exceptions import DomainError, ValidationError
from orderly.orders.models import ADDRESS_FIELDS
from orderly.orders.selectors import order_get
from orderly.shipping import selectors as shipping_selectors
from orderly.shipping.status import Delivery, FulfillmentStatus
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState
from orderly.web.forms.orders import ADDRESS_LABELS
from orderly.web.views.common import actor, or_404

SECRET_KEYS = ("public_key", "secret_key", "api_key", "webhook_secret")
SECRET_LABELS = {"public_key": "Public key", "secret_key": "Secret key", "api_key": "API key",
                 "webhook_secret": "Webhook secret"}  # fmt: skip
FORMAT_CHOICES = [(f.value, label) for f, label in zip(LabelFormat, (
    "PDF 4×6 in (label printer)", "PDF A6 (label printer)", "PDF A4, four per page (office printer)",
    "ZPL II (thermal printer)"), strict=True)]  # fmt: skip
CONTENT_TYPES = {LabelFormat.ZPL: "application/x-zpl"}


# ---- Settings › Carriers ----------------------------------------------------------------------------------------


def _rule_form() -> FormState:
    form = FormState()
    form.add("country", "Country", "NL")
    form.add("delivery_method", "Shop's delivery method (empty: any)")
    form.add("channel", "Channel id (empty: every channel)")
    form.add("carrier_method", "Carrier and method")
    return form


def _carriers_page(request, *, rule_form=None, packaging_form=None, status=200) -> TemplateResponse:
    carriers = list(selectors.carriers_list())
    packaging = packaging_form or FormState()
    if packaging_form is None:
        packaging.add("grams", "Packaging weight (g)", selectors.packaging_weight_grams())
    context = {
        "tab": "carriers",
        "carriers": carriers,
        "rules": list(selectors.rules_list()),
        "rule_form": rule_form or _rule_form(),
        "method_choices": [
            (f"{c.pk}:{m.code}", f"{c.name} — {m.name} ({m.code})") for c in carriers for m in c.methods.all()
        ],  # fmt: skip
        "packaging_form": packaging,
        "countries": sorted(COUNTRY_CODES),
    }
    return TemplateResponse(request, "web/carriers/list.html", context, status=status)


@role_required()
def carrier_list(request):
    return _carriers_page(request)


def _carrier_form(account=None) -> FormState:
    form = FormState()
    form.add("name", "Name", account.name if account else "")
    form.add("kind", "Kind", account.kind if account else CarrierKind.OWN)
    form.add("enabled", "Enabled", "on" if (account is None or account.enabled) else "")
    settings = account.settings if account else {}
    for key, label in (("base_url", "API address (empty: the carrier's own)"),
                       ("tracking_url", "Tracking URL ({tracking_number} is filled in)"),
                       ("carrier_name", "Name printed on own labels")):  # fmt: skip
        form.add(f"settings.{key}", label, settings.get(key, ""))
    for key in SECRET_KEYS:
        form.add(f"credentials.{key}", SECRET_LABELS[key] + " (empty: keep)", context="Credentials")
    sender = account.sender_address if account else {}
    for name, label in ADDRESS_LABELS.items():
        form.add(f"sender_address.{name}", label, sender.get(name, ""), context="Sender address")
    lines = "\n".join(
        " | ".join([m.code, m.name, " ".join(m.countries), "" if m.max_weight_kg is None else str(m.max_weight_kg)])
        for m in (account.methods.all() if account else [])
    )
    form.add("methods", "Shipping methods", lines)
    return form


def _methods(text: str) -> list[dict]:
    """One method per line: `code | name | countries separated by spaces | max kg`."""
    methods = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")] + ["", "", ""]
        if len(parts) > 7:
            raise ValidationError(f"Line {number} has more than four parts.", field="methods")
        methods.append({"code": parts[0], "name": parts[1] or parts[0], "countries": parts[2].upper().split(),
                        "max_weight_kg": parts[3] or None})  # fmt: skip
    return methods


def _carrier_input(form: FormState, kind: str) -> dict:
    sender = {name: form.value(f"sender_address.{name}") for name in ADDRESS_FIELDS}
    allowed = CREDENTIAL_KEYS.get(kind, ())
    return {
        "name": form.value("name"),
        "enabled": form.value("enabled") == "on",
        "settings": {
            k: form.value(f"settings.{k}")
            for k in ("base_url", "tracking_url", "carrier_name")
            if form.value(f"settings.{k}")
        },  # fmt: skip
        "credentials": {k: form.value(f"credentials.{k}") for k in allowed if form.value(f"credentials.{k}")},
        "sender_address": sender if any(sender.values()) else {},
        "methods": _methods(form.value("methods")),
    }


def _carrier_page(request, form, account=None, status=200) -> TemplateResponse:
    context = {"tab": "carriers", "form": form, "account": account, "kinds": CarrierKind.choices,
               "countries": sorted(COUNTRY_CODES)}  # fmt: skip
    return TemplateResponse(request, "web/carriers/form.html", context, status=status)


@role_required("manager")
def carrier_new(request):
    form = _carrier_form()
    if request.method != "POST":
        return _carrier_page(request, form)
    form.values_from(request.POST)
    try:
        data = _carrier_input(form, form.value("kind"))
        account = services.carrier_create(kind=form.value("kind"), actor=actor(request), **data)
    except DomainError as exc:
        form.show_error(exc)
        return _carrier_page(request, form, status=exc.status)
    messages.success(request, f"Carrier {account.name} added with {account.methods.count()} method(s).")
    return redirect("web:carrier_list")


@role_required("manager")
def carrier_edit(request, carrier_id: int):
    account = or_404(selectors.carrier_get, carrier_id)
    form = _carrier_form(account)
    if request.method != "POST":
        return _carrier_page(request, form, account)
    form.values_from(request.POST)
    try:
        account = services.carrier_update(account=account, changes=_carrier_input(form, account.kind),
                                          actor=actor(request))  # fmt: skip
    except DomainError as exc:
        form.show_error(exc)
        return _carrier_page(request, form, account, status=exc.status)
    messages.success(request, f"Carrier {account.name} saved.")
    return redirect("web:carrier_list")


@role_required("manager")
@require_POST
def rule_add(request):
    form = _rule_form()
    form.values_from(request.POST)
    carrier, _, method = form.value("carrier_method").partition(":")
    try:
        services.rule_create(
            data={"country": form.value("country"), "delivery_method": form.value("delivery_method"),
                  "channel": form.value("channel") or None, "carrier": carrier, "method": method},
            actor=actor(request),
        )  # fmt: skip
    except DomainError as exc:
        form.show_error(exc, place="carrier_method" if exc.field in ("carrier", "method") else None)
        return _carriers_page(request, rule_form=form, status=exc.status)
    messages.success(request, f"Shipping rule for {form.value('country').upper()} added.")
    return redirect("web:carrier_list")


@role_required("manager")
@require_POST
def rule_delete(request, rule_id: int):
    rule = or_404(selectors.rule_get, rule_id)
    services.rule_delete(rule=rule, actor=actor(request))
    messages.success(request, f"Shipping rule for {rule.country} deleted.")
    return redirect("web:carrier_list")


@role_required("manager")
@require_POST
def packaging_set(request):
    form = FormState()
    form.add("grams", "Packaging weight (g)")
    form.values_from(request.POST)
    value = form.value("grams")
    try:
        services.packaging_weight_set(grams=int(value) if value.isdigit() else value, actor=actor(request))
    except DomainError as exc:
        form.show_error(exc)
        return _carriers_page(request, packaging_form=form, status=exc.status)
    messages.success(request, f"Every parcel now weighs {value} g more for its packaging.")
    return redirect("web:carrier_list")


# ---- labels on the order page -----------------------------------------------------------------------------------


def _fulfillment(reference: str):
    try:
        return shipping_selectors.fulfillment_get(reference)
    except DomainError as exc:
        raise Http404(exc.message) from None


def _booked_message(parcel) -> str:
    return (f"Label {parcel.number} booked with {parcel.account.name} ({parcel.method_code}): tracking "
            f"{parcel.tracking_number}.")  # fmt: skip


@role_required("operator")
@require_POST
def label_book_view(request, reference: str):
    """*Book label* on one fulfillment: the carrier and method chosen, or those the shipping rules give."""
    fulfillment = _fulfillment(reference)
    carrier, _, method = request.POST.get("carrier_method", "").partition(":")
    try:
        parcel = services.label_book(fulfillment=fulfillment, actor=actor(request), carrier=carrier or None,
                                     method=method or None, fmt=selectors.label_format_of(request.user))  # fmt: skip
    except DomainError as exc:
        fix = exc.detail.get("fix") if isinstance(exc.detail, dict) else ""
        messages.error(request, f"{exc.message} {fix or ''}".strip())
    else:
        messages.success(request, _booked_message(parcel))
    return redirect("web:order_detail", number=fulfillment.order.number)


@role_required("operator")
@require_POST
def order_labels_book(request, number: str):
    """*Book label* next to *Fulfill*: a label for every shipped fulfillment of the order without a live one."""
    order = or_404(order_get, number)
    fulfillments = [f for f in shipping_selectors.fulfillments_of(order)
                    if f.status == FulfillmentStatus.FULFILLED and f.delivery == Delivery.SHIP]  # fmt: skip
    parcels = selectors.parcels_of(fulfillments)
    todo = [f for f in fulfillments if getattr(parcels.get(f.pk), "label_status", "") != LabelStatus.BOOKED]
    if not todo:
        messages.error(request, f"Order {order.number} has no shipped fulfillment without a label; fulfill it first.")
    for fulfillment in todo:
        try:
            parcel = services.label_book(fulfillment=fulfillment, actor=actor(request),
                                         fmt=selectors.label_format_of(request.user))  # fmt: skip
        except DomainError as exc:
            messages.error(request, f"{fulfillment.number}: {exc.message}")
            break
        messages.success(request, f"{fulfillment.number}: " + _booked_message(parcel))
    return redirect("web:order_detail", number=order.number)


@role_required()
def label_download(request, reference: str):
    """*Download label* in the person's label printer format (or the one asked)."""
    fulfillment = _fulfillment(reference)
    parcel = selectors.parcel_of(fulfillment)
    if parcel is None or parcel.label_status != LabelStatus.BOOKED:
        raise Http404(f"Fulfillment {fulfillment.number} has no live label.")
    asked = request.GET.get("format", "")
    fmt = LabelFormat(asked) if asked in LabelFormat.__members__.values() else selectors.label_format_of(request.user)
    try:
        content = services.label_document(parcel=parcel, fmt=fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:order_detail", number=fulfillment.order.number)
    answer = HttpResponse(content, content_type=CONTENT_TYPES.get(fmt, "application/pdf"))
    extension = "zpl" if fmt == LabelFormat.ZPL else "pdf"
    answer["Content-Disposition"] = f'attachment; filename="{fulfillment.number}-{parcel.number}-{fmt}.{extension}"'
    return answer


@role_required("operator")
@require_POST
def label_void_view(request, reference: str):
    fulfillment = _fulfillment(reference)
    try:
        parcel = services.label_void(fulfillment=fulfillment, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Label {parcel.number} of {fulfillment.number} voided; book a new one when ready.")
    return redirect("web:order_detail", number=fulfillment.order.number)


# ---- the label printer setting ----------------------------------------------------------------------------------


@role_required()
def label_printer(request):
    form = FormState()
    form.add("format", "Label format", selectors.label_format_of(request.user).value)
    status = 200
    if request.method == "POST":
        form.values_from(request.POST)
        try:
            services.label_printer_set(user=request.user, format=form.value("format"), actor=actor(request))
        except DomainError as exc:
            form.show_error(exc)
            status = exc.status
        else:
            messages.success(request, f"Labels download as {dict(FORMAT_CHOICES)[form.value('format')]} from now on.")
            return redirect("web:settings_label_printer")
    context = {"tab": "label_printer", "form": form, "choices": FORMAT_CHOICES}
    return TemplateResponse(request, "web/settings/label_printer.html", context, status=status)
