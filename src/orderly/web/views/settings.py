"""A person's own settings, under the menu with their name: API tokens (list, create — shown once —, revoke) and
their password. Every role may change its own settings."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from orderly.core.exceptions import DomainError
from orderly.core.selectors import token_list
from orderly.core.services import password_change, token_create, token_revoke, user_locale_set
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState
from orderly.web.forms.settings import (
    EXPIRY_CHOICES,
    forget_passwords,
    password_form,
    password_input,
    token_form,
    token_input,
)
from orderly.web.locale import LOCALES, server_locale


@role_required()
def settings_home(request):
    return redirect("web:settings_tokens")


def _tokens_page(request, form, *, created=None, raw_token: str = "", status: int = 200) -> TemplateResponse:
    now = timezone.now()
    tokens = [(token, token.status_at(now)) for token in token_list(user=request.user)]
    context = {
        "tab": "tokens",
        "form": form,
        "expiry_choices": EXPIRY_CHOICES,
        "tokens": tokens,
        "created": created,
        "raw_token": raw_token,
    }
    response = TemplateResponse(request, "web/settings/tokens.html", context, status=status)
    if raw_token:
        response["Cache-Control"] = "no-store"  # the token is shown once: no copy in any cache
    return response


@role_required()
def tokens(request):
    if request.method != "POST":
        return _tokens_page(request, token_form())
    form = token_form(request.POST)
    try:
        token, raw = token_create(username=request.user.username, **token_input(form))
    except DomainError as exc:
        form.show_error(exc)
        return _tokens_page(request, form, status=exc.status)
    # Answered here rather than after a redirect, so that the token is never kept in a session or a URL.
    return _tokens_page(request, token_form(), created=token, raw_token=raw)


@role_required()
@require_POST
def token_revoke_view(request, prefix: str):
    try:
        token = token_revoke(prefix=prefix, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        named = f" ({token.name})" if token.name else ""
        messages.success(request, f"API token {token.prefix}{named} revoked; it is refused from now on.")
    return redirect("web:settings_tokens")


@role_required()
def password(request):
    if request.method != "POST":
        return TemplateResponse(request, "web/settings/password.html", {"tab": "password", "form": password_form()})
    form = password_form(request.POST)
    try:
        password_change(user=request.user, **password_input(form))
    except DomainError as exc:
        form.show_error(exc)
        forget_passwords(form)
        context = {"tab": "password", "form": form}
        return TemplateResponse(request, "web/settings/password.html", context, status=exc.status)
    update_session_auth_hash(request, request.user)  # stay logged in here; other sessions end
    messages.success(request, "Password changed. Your other sessions have been logged out.")
    return redirect("web:settings_password")


def _display_page(request, form, status: int = 200) -> TemplateResponse:
    context = {
        "tab": "display",
        "form": form,
        "locales": list(LOCALES.items()),
        "server_label": LOCALES[server_locale()],
    }
    return TemplateResponse(request, "web/settings/display.html", context, status=status)


@role_required()
def display(request):
    """The person's own locale for dates and numbers (anyone signed in: it changes only what they see)."""
    form = FormState()
    form.add("locale", "Locale", request.user.locale)
    if request.method != "POST":
        return _display_page(request, form)
    form.values_from(request.POST)
    try:
        user_locale_set(user=request.user, locale=form.value("locale"), allowed=tuple(LOCALES))
    except DomainError as exc:
        form.show_error(exc)
        return _display_page(request, form, status=exc.status)
    messages.success(request, "Dates and numbers now read as you chose.")
    return redirect("web:settings_display")
