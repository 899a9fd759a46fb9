"""Customer e-mail pages under Settings: the templates with a preview and each channel's switch (managers edit,
everyone reads), and the e-mail log with Resend (operators). The order page's e-mail panel is drawn by
views.orders.render_order."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from orderly.billing.seller import seller_details
from orderly.channels.selectors import channel_get
from orderly.core.exceptions import DomainError, ValidationError
from orderly.notifications import selectors
from orderly.notifications.services import (
    channel_emails_set,
    email_resend,
    email_template_reset,
    email_template_save,
)
from orderly.notifications.status import EmailKind, EmailStatus
from orderly.notifications.switches import channel_switches
from orderly.notifications.templates import VARIABLES, checked_template
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState
from orderly.web.views.common import actor, or_404, overview_page, safe_next


def _template_form(template, data=None) -> FormState:
    form = FormState()
    form.add("subject", "Subject", template.subject)
    form.add("body", "Body", template.body)
    if data is not None:
        form.values_from(data)
        form.fields["body"].value = str(data.get("body", ""))  # keep the body's blank lines and indents as typed
    return form


def _preview(form: FormState):
    """The form's template rendered with the sample values, or None when it cannot be (the error is on the form)."""
    try:
        return checked_template(
            subject=form.value("subject"), body=form.value("body"), shop_name=seller_details()["name"]
        )
    except DomainError as exc:
        form.show_error(exc)
        return None


@role_required()
def emails_settings(request):
    templates = [selectors.template_of(kind) for kind in EmailKind.values]
    context = {"tab": "emails", "templates": templates, "switches": channel_switches()}
    return TemplateResponse(request, "web/notifications/settings.html", context)


@role_required(write="manager")
def email_template_edit(request, kind: str):
    """The template's form with its preview; Preview renders what is typed without saving, Save checks and saves."""
    template = or_404(selectors.template_of, kind)
    form = _template_form(template, request.POST if request.method == "POST" else None)
    status = 200
    preview = _preview(form)
    if request.method == "POST" and request.POST.get("action") == "save" and preview is not None:
        try:
            email_template_save(kind=kind, subject=form.value("subject"), body=form.value("body"), actor=actor(request))
        except DomainError as exc:
            form.show_error(exc)
            status = exc.status
        else:
            messages.success(request, f"The {kind} e-mail's template was saved; e-mails queued from now on use it.")
            return redirect("web:settings_emails")
    elif form.has_error:
        status = 422
    context = {
        "tab": "emails",
        "template": template,
        "form": form,
        "preview": preview,
        "variables": VARIABLES.items(),
        "kind_label": EmailKind(kind).label,
    }
    return TemplateResponse(request, "web/notifications/template_form.html", context, status=status)


@role_required("manager")
@require_POST
def email_template_reset_view(request, kind: str):
    or_404(selectors.template_of, kind)
    email_template_reset(kind=kind, actor=actor(request))
    messages.success(request, f"The {kind} e-mail uses Orderly's default template again.")
    return redirect("web:settings_emails")


@role_required("manager")
@require_POST
def channel_emails_switch(request, channel_id: int):
    channel = or_404(channel_get, channel_id)
    send = request.POST.get("send") == "1"
    channel_emails_set(channel=channel, send=send, actor=actor(request))
    if send:
        messages.success(request, f"{channel}'s customers get the shipped and delivered e-mails from now on.")
    else:
        messages.success(request, f"{channel}'s customers get no e-mails from Orderly from now on.")
    return redirect("web:settings_emails")


@role_required()
def email_log(request):
    values = {key: request.GET.get(key, "").strip() for key in ("order", "status", "kind")}
    error, page = None, None
    try:
        emails = selectors.email_list(order=values["order"], status=values["status"], kind=values["kind"])
        page = overview_page(request, emails, selectors.EMAIL_LOG_ORDER)
    except ValidationError as exc:
        error = exc
    context = {
        "tab": "email_log",
        "values": values,
        "page": page,
        "error": error,
        "status_choices": EmailStatus.choices,
        "kind_choices": EmailKind.choices,
    }
    return TemplateResponse(request, "web/notifications/log.html", context, status=error.status if error else 200)


@role_required("operator")
@require_POST
def email_resend_view(request, email_id: int):
    message = or_404(selectors.email_get, email_id)
    fallback = reverse("web:settings_email_log")
    try:
        again = email_resend(message=message, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The {again.kind} e-mail of order {message.order.number} is queued to {again.to}.")
    return redirect(safe_next(request, fallback))
