"""Carrier accounts and their shipping methods; the packaging weight and label printer settings."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.locks import lock_carrier_account, lock_packaging_weight
from orderly.carriers.models import CarrierAccount, LabelPrinter, PackagingWeight, ShippingMethod
from orderly.carriers.services.common import credentials_of
from orderly.carriers.status import CarrierKind
from orderly.core import crypto
from orderly.core.actors import Actor
from orderly.core.countries import COUNTRY_CODES
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import AlreadyExists, Conflict, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.orders.services import validation as clean

# The credential keys each kind takes (all text); anything else is refused, so a typo is not stored silently.
CREDENTIAL_KEYS = {
    CarrierKind.SENDCLOUD: ("public_key", "secret_key", "webhook_secret"),
    CarrierKind.EASYPOST: ("api_key", "webhook_secret"),
    CarrierKind.OWN: ("webhook_secret",),
}
SETTING_KEYS = ("base_url", "tracking_url", "carrier_name", "label_format", "timeout", "contract_id", "from_country",
                "carriers")  # fmt: skip
MAX_METHODS = 200
MAX_WEIGHT = Decimal("1000")


def _kind(value) -> str:
    if value not in CarrierKind.values:
        raise ValidationError(f"kind must be one of {', '.join(CarrierKind.values)}, not {value!r}.", field="kind")
    return value


def _settings(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("settings must be an object.", field="settings")
    clean_settings = {}
    for key, item in value.items():
        field = f"settings.{key}"
        if key not in SETTING_KEYS:
            raise ValidationError(
                f"{field} is not a carrier setting; use {', '.join(SETTING_KEYS)}.",
                code=ErrorCode.UNKNOWN_FIELD, field=field,
            )  # fmt: skip
        if key == "carriers":  # EasyPost: the carrier accounts whose services it offers
            if not isinstance(item, list) or not all(isinstance(x, str) and 0 < len(x) <= 100 for x in item):
                raise ValidationError(f"{field} must be a list of carrier names.", field=field)
            clean_settings[key] = item[:50]
            continue
        if key == "timeout":
            if isinstance(item, bool) or not isinstance(item, int | float) or not 1 <= item <= 120:
                raise ValidationError(f"{field} must be seconds from 1 to 120.", field=field)
            clean_settings[key] = item
            continue
        text = clean.text(item, field=field, max_length=500)
        if key == "base_url" and text and not text.startswith(("https://", "http://")):
            raise ValidationError(f"{field} must be an http(s) URL.", field=field)
        if key == "label_format" and text and text not in LabelFormat.__members__.values():
            raise ValidationError(f"{field} must be one of {', '.join(f.value for f in LabelFormat)}.", field=field)
        if text:
            clean_settings[key] = text
    return clean_settings


def _credentials(kind: str, value, current: dict) -> dict:
    """The credentials to store: `current` with the keys given replaced; an empty value removes its key."""
    if not isinstance(value, dict):
        raise ValidationError("credentials must be an object.", field="credentials")
    allowed = CREDENTIAL_KEYS[CarrierKind(kind)]
    merged = dict(current)
    for key, item in value.items():
        field = f"credentials.{key}"
        if key not in allowed:
            raise ValidationError(
                f"{field} is not a credential of a {kind} account; it takes {', '.join(allowed)}.",
                code=ErrorCode.UNKNOWN_FIELD, field=field,
            )  # fmt: skip
        text = clean.text(item, field=field, max_length=500)
        if text:
            merged[key] = text
        else:
            merged.pop(key, None)
    return merged


def _methods(value) -> list[dict]:
    if not isinstance(value, list):
        raise ValidationError("methods must be a list.", field="methods")
    if len(value) > MAX_METHODS:
        raise ValidationError(f"methods lists at most {MAX_METHODS}.", field="methods")
    found, seen = [], set()
    for index, entry in enumerate(value):
        path = f"methods[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{path} must be an object with code and name.", field=path)
        code = clean.text(entry.get("code"), field=f"{path}.code", max_length=100, required=True)
        if code in seen:
            raise ValidationError(f"{path}.code: {code!r} is listed twice.", field=f"{path}.code")
        seen.add(code)
        name = clean.text(entry.get("name") or code, field=f"{path}.name", max_length=200)
        countries = entry.get("countries") or []
        if not isinstance(countries, list):
            raise ValidationError(f"{path}.countries must be a list of country codes.", field=f"{path}.countries")
        codes = []
        for n, country in enumerate(countries):
            if not isinstance(country, str) or country.strip().upper() not in COUNTRY_CODES:
                where = f"{path}.countries[{n}]"
                raise ValidationError(f"{where}: {country!r} is not an ISO 3166-1 country code.", field=where)
            codes.append(country.strip().upper())
        found.append({"code": code, "name": name, "countries": sorted(set(codes)),
                      "max_weight_kg": _weight(entry.get("max_weight_kg"), field=f"{path}.max_weight_kg")})  # fmt: skip
    return found


def _weight(value, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a weight in kg.", field=field)
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a weight in kg, not {value!r}.", field=field) from None
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
        raise ValidationError(f"{field} must be above 0 and at most {MAX_WEIGHT} kg.", field=field)
    return weight.quantize(Decimal("0.001"))


def _sender(value) -> dict:
    if value in (None, {}):
        return {}
    return clean.address(value, field="sender_address")


def _name(value, *, exclude: int | None = None) -> str:
    name = clean.text(value, field="name", max_length=100, required=True)
    taken = CarrierAccount.objects.filter(name__iexact=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise AlreadyExists(f"A carrier named {name!r} exists already.", resource="carrier", key=name, field="name")
    return name


def _save_methods(account: CarrierAccount, methods: list[dict]) -> None:
    """The account's methods become `methods`: kept by code (so rules pointing at one stay), new ones added, and
    those left out deleted unless a rule still uses them."""
    current = {m.code: m for m in account.methods.all()}
    for entry in methods:
        method = current.pop(entry["code"], None) or ShippingMethod(account=account, code=entry["code"])
        method.name, method.countries, method.max_weight_kg = entry["name"], entry["countries"], entry["max_weight_kg"]
        method.save()
    for method in current.values():
        if method.rules.exists():
            raise Conflict(
                f"Method {method.code} of {account.name} is used by a shipping rule; change the rule first.",
                code=ErrorCode.IN_USE, field="methods", resource="shipping_method", key=method.code,
            )  # fmt: skip
        method.delete()


@retry_on_conflict
@transaction.atomic
def carrier_create(
    *, name, kind, actor: Actor, enabled: bool = True, settings=None, credentials=None, methods=None,
    sender_address=None,
) -> CarrierAccount:  # fmt: skip
    """A carrier account: `name` unique (case-insensitive), `kind` sendcloud, easypost or own, its settings,
    credentials (encrypted at rest; only the keys its kind takes), sender address and shipping methods
    ([{code, name, countries, max_weight_kg}], codes unique). ValidationError naming the field, nothing written."""
    kind = _kind(kind)
    account = CarrierAccount(
        name=_name(name), kind=kind, enabled=bool(enabled), settings=_settings(settings),
        sender_address=_sender(sender_address),
        credentials_encrypted=crypto.encrypt(_credentials(kind, credentials or {}, {}), purpose=crypto.CARRIERS),
    )  # fmt: skip
    clean_methods = _methods(methods if methods is not None else [])
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise AlreadyExists(f"A carrier named {account.name!r} exists already.", resource="carrier",
                            key=account.name, field="name") from None  # fmt: skip
    _save_methods(account, clean_methods)
    return account


@retry_on_conflict
@transaction.atomic
def carrier_update(*, account: CarrierAccount, changes: dict, actor: Actor) -> CarrierAccount:
    """Change an account: any of name, enabled, settings (replaced whole), credentials (keys given replace the
    stored ones, an empty value removes one, keys not given stay), sender_address, methods (the full list). The
    kind cannot change (its credentials would mean nothing to another carrier)."""
    account = lock_carrier_account(account.pk)
    if "kind" in changes and changes["kind"] != account.kind:
        raise ValidationError("kind cannot change; create another carrier account.", field="kind")
    if "name" in changes:
        account.name = _name(changes["name"], exclude=account.pk)
    if "enabled" in changes:
        if not isinstance(changes["enabled"], bool):
            raise ValidationError("enabled must be true or false.", field="enabled")
        account.enabled = changes["enabled"]
    if "settings" in changes:
        account.settings = _settings(changes["settings"])
    if "sender_address" in changes:
        account.sender_address = _sender(changes["sender_address"])
    if changes.get("credentials") is not None:
        try:
            current = credentials_of(account)
        except Conflict:
            current = {}  # unreadable with this key: what is given now replaces them
        merged = _credentials(account.kind, changes["credentials"], current)
        account.credentials_encrypted = crypto.encrypt(merged, purpose=crypto.CARRIERS)
    methods = _methods(changes["methods"]) if changes.get("methods") is not None else None
    account.save()
    if methods is not None:
        _save_methods(account, methods)
    return account


@retry_on_conflict
@transaction.atomic
def carrier_delete(*, account: CarrierAccount, actor: Actor) -> None:
    """Delete an account with its methods and rules; refused (IN_USE) once a parcel was booked with it: disable it
    instead, so those parcels keep their carrier."""
    if account.parcels.exists():
        raise Conflict(
            f"Carrier {account.name} has parcels; disable it instead of deleting it.",
            code=ErrorCode.IN_USE, resource="carrier", key=account.name,
        )  # fmt: skip
    account.methods.all().delete()
    account.delete()


@retry_on_conflict
@transaction.atomic
def packaging_weight_set(*, grams, actor: Actor) -> PackagingWeight:
    """Grams of packaging added to every parcel's weight (0 to 50,000)."""
    if isinstance(grams, bool) or not isinstance(grams, int) or not 0 <= grams <= 50_000:
        raise ValidationError("grams must be a whole number from 0 to 50000.", field="grams")
    setting = lock_packaging_weight()
    setting.grams = grams
    setting.save()
    return setting


@retry_on_conflict
@transaction.atomic
def label_printer_set(*, user, format, actor: Actor) -> LabelPrinter:
    """The label format `user` prints on."""
    if format not in LabelFormat.__members__.values():
        raise ValidationError(f"format must be one of {', '.join(f.value for f in LabelFormat)}.", field="format")
    printer, _ = LabelPrinter.objects.update_or_create(user=user, defaults={"format": format})
    return printer
