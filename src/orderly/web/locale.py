"""Dates and numbers as each person reads them: a locale of their own (Settings) or the server's ORDERLY_LOCALE.

Only the formats follow the locale; the words of the pages stay as they are. "iso" is the plain international
form the pages always had (2026-11-29, 1,234.50)."""

import datetime as dt
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.utils import formats, timezone, translation

LOCALES = {
    "iso": "International (2026-11-29, 1,234.50)",
    "en": "English, US (11/29/2026, 1,234.50)",
    "nl": "Nederlands (29-11-2026, 1.234,50)",
    "de": "Deutsch (29.11.2026, 1.234,50)",
}
_current: ContextVar[str] = ContextVar("orderly_locale", default="")


def server_locale() -> str:
    return settings.ORDERLY_LOCALE if settings.ORDERLY_LOCALE in LOCALES else "iso"


def current_locale() -> str:
    return _current.get() or server_locale()


class LocaleMiddleware:
    """Use the signed-in person's locale while their request is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "locale", "") if user is not None and user.is_authenticated else ""
        token = _current.set(chosen if chosen in LOCALES else "")
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def number(value, places: int = 2) -> str:
    amount = Decimal(value)
    locale = current_locale()
    if locale == "iso":
        return f"{amount:,.{places}f}"
    with translation.override(locale):
        return formats.number_format(amount, places, use_l10n=True, force_grouping=True)


def day(value: dt.date) -> str:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    locale = current_locale()
    if locale == "iso":
        return value.strftime("%Y-%m-%d")
    with translation.override(locale):
        return formats.date_format(value, "SHORT_DATE_FORMAT", use_l10n=True)


def moment(value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """`value` in the display time zone (or `tz`: a list of many looks the zone up once) as the person reads it."""
    value = timezone.localtime(value, tz) if timezone.is_aware(value) else value
    locale = current_locale()
    if locale == "iso":
        return value.strftime("%Y-%m-%d %H:%M")
    with translation.override(locale):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT", use_l10n=True)
