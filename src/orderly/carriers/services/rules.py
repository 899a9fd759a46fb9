"""Shipping rules, which pick a carrier's method for an order, and the parcel weight a method is checked against."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from orderly.carriers.locks import lock_shipping_rule
from orderly.carriers.models import CarrierAccount, ShippingMethod, ShippingRule
from orderly.carriers.selectors import packaging_weight_grams
from orderly.carriers.services.common import in_session, session_read
from orderly.catalog.models import Variant
from orderly.core.actors import Actor
from orderly.core.countries import COUNTRY_CODES
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import AlreadyExists, NotFound, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.orders.models import Order
from orderly.orders.services import validation as clean

GRAMS = Decimal("1000")


def carrier_find(reference, *, field: str = "carrier") -> CarrierAccount:
    """A carrier account by its id or its name (case-insensitive); NotFound naming `field` otherwise."""
    found = None
    if isinstance(reference, int) and not isinstance(reference, bool):
        found = CarrierAccount.objects.filter(pk=reference).first() if 0 < reference < 2**63 else None
    elif isinstance(reference, str) and reference.strip():
        value = reference.strip()
        found = CarrierAccount.objects.filter(name__iexact=value).first()
        if found is None and value.isdigit() and int(value) < 2**63:
            found = CarrierAccount.objects.filter(pk=int(value)).first()
    if found is None:
        raise NotFound(f"{field}: no carrier {reference!r}.", field=field, resource="carrier", key=str(reference))
    return found


def method_find(account: CarrierAccount, code, *, field: str = "method") -> ShippingMethod:
    value = clean.text(code, field=field, max_length=100, required=True)
    method = account.methods.filter(code=value).first()
    if method is None:
        raise NotFound(f"{field}: carrier {account.name} has no method {value!r}.", field=field,
                       resource="shipping_method", key=value)  # fmt: skip
    return method


def _country(value) -> str:
    country = clean.text(value, field="country", max_length=2, required=True).upper()
    if country not in COUNTRY_CODES:
        raise ValidationError(f"country: {value!r} is not an ISO 3166-1 country code.", field="country")
    return country


def _channel(value):
    if value in (None, ""):
        return None
    model = ShippingRule._meta.get_field("channel").related_model  # channels sit above: no import
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValidationError("channel must be the id of a sales channel.", field="channel")
    channel = model.objects.filter(pk=int(value)).first() if int(value) < 2**63 else None
    if channel is None:
        raise NotFound(f"channel: no channel {value!r}.", field="channel", resource="channel", key=str(value))
    return channel


def _rule_fields(data: dict) -> dict:
    """The rule's fields from `data`, each checked; a method that does not ship to the rule's country is refused
    here, not at the first booking the rule would send there."""
    country = _country(data.get("country"))
    if data.get("carrier") in (None, ""):
        raise ValidationError("carrier is required: the carrier account's name or id.", field="carrier")
    method = method_find(carrier_find(data.get("carrier")), data.get("method"))
    if not method.serves(country):
        raise ValidationError(
            f"method: {method.name} ({method.code}) of {method.account.name} does not ship to {country}; add "
            f"{country} to the method's countries, or choose a method that serves it.",
            code=ErrorCode.METHOD_NOT_SERVING, field="method", carrier=method.account.name, method=method.code,
            country=country,
        )  # fmt: skip
    return {
        "country": country,
        "channel": _channel(data.get("channel")),
        "delivery_method": clean.text(data.get("delivery_method"), field="delivery_method", max_length=100),
        "method": method,
    }


def _save(rule: ShippingRule) -> ShippingRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        key = f"{rule.country}/{rule.channel_id or '*'}/{rule.delivery_method or '*'}"
        raise AlreadyExists(f"A rule for {key} exists already.", resource="shipping_rule", key=key) from None
    return rule


@retry_on_conflict
@transaction.atomic
def rule_create(*, data: dict, actor: Actor) -> ShippingRule:
    """A rule: `country` (ISO), optional `channel` (id) and `delivery_method` (the shop's words, as orders keep
    them), `carrier` by name or id and `method` by its code. One rule per country, channel and delivery method."""
    return _save(ShippingRule(**_rule_fields(data)))


@retry_on_conflict
@transaction.atomic
def rule_update(*, rule: ShippingRule, data: dict, actor: Actor) -> ShippingRule:
    """Change a rule; fields not given keep their value (`carrier` and `method` go together)."""
    rule = lock_shipping_rule(rule.pk)
    merged = {
        "country": rule.country, "channel": rule.channel_id, "delivery_method": rule.delivery_method,
        "carrier": rule.method.account_id, "method": rule.method.code, **data,
    }  # fmt: skip
    for field, value in _rule_fields(merged).items():
        setattr(rule, field, value)
    return _save(rule)


@retry_on_conflict
@transaction.atomic
def rule_delete(*, rule: ShippingRule, actor: Actor) -> None:
    rule.delete()


@dataclass(frozen=True)
class Resolved:
    account: CarrierAccount
    method: ShippingMethod
    rule: ShippingRule | None = None


def shipping_method_resolve(*, order: Order, channel=None) -> Resolved | None:
    """The carrier method for `order` by the rules of its shipping country: the rule naming both its channel and
    the shop's delivery method wins, then one naming the delivery method, then one naming the channel, then the
    country's default; rules of disabled carriers are skipped. None when no rule matches."""
    address = order.shipping_address
    if address is None:
        return None
    channel_id = channel.pk if channel is not None else order.channel_id
    method_text = (order.delivery_method or "").strip()
    if in_session():
        # a batch books hundreds of orders by the same few rules: all of them read once, each order's chosen here
        rules = [
            rule
            for rule in session_read("shipping_rules", _enabled_rules)
            if rule.country == address.country.upper()
            and rule.channel_id in (None, channel_id)
            and (not rule.delivery_method or rule.delivery_method.upper() == method_text.upper())
        ]
    else:
        rules = (
            ShippingRule.objects.select_related("method__account")
            .filter(country=address.country.upper(), method__account__enabled=True)
            .filter(Q(channel__isnull=True) | Q(channel_id=channel_id))
            .filter(Q(delivery_method="") | Q(delivery_method__iexact=method_text))
        )

    def rank(rule: ShippingRule) -> tuple[int, int]:
        return (bool(rule.channel_id) + 2 * bool(rule.delivery_method), -rule.pk)

    best = max(rules, key=rank, default=None)
    return Resolved(best.method.account, best.method, best) if best else None


def _enabled_rules() -> list[ShippingRule]:
    return list(ShippingRule.objects.select_related("method__account").filter(method__account__enabled=True))


def parcel_weight(lines) -> Decimal:
    """The parcel's weight in kg: each line's variant weight × its units (items without a variant weigh nothing),
    plus the packaging weight setting. `lines`: the fulfillment's lines with their items and variants loaded."""
    total = sum(
        ((line.order_item.variant.weight if line.order_item.variant_id else Decimal(0)) * line.quantity
         for line in lines),
        Decimal(0),
    )  # fmt: skip
    grams = session_read("packaging_weight", packaging_weight_grams)
    return (total + Decimal(grams) / GRAMS).quantize(Decimal("0.001"))


def weight_of(units: list[tuple[int | None, int]]) -> Decimal:
    """parcel_weight of [(variant id, units)] (None for an item without a variant): the variants' weights read in
    one query, or once per booking session for all the parcels of a batch."""
    ids = {variant_id for variant_id, _units in units if variant_id is not None}
    weights = session_read("variant_weights", dict) if in_session() else {}
    if missing := ids - set(weights):
        weights.update(Variant.objects.filter(pk__in=missing).values_list("pk", "weight"))
    total = sum((weights.get(variant_id, Decimal(0)) * count for variant_id, count in units if variant_id), Decimal(0))
    grams = session_read("packaging_weight", packaging_weight_grams)
    return (total + Decimal(grams) / GRAMS).quantize(Decimal("0.001"))


def check_method(method: ShippingMethod, *, weight: Decimal, country: str) -> None:
    """Refuse a parcel the method cannot take: over its weight limit, or to a country it does not serve."""
    if method.max_weight_kg is not None and weight > method.max_weight_kg:
        raise ValidationError(
            f"The parcel weighs {weight} kg, over the {method.max_weight_kg} kg that {method.name} ({method.code}) "
            "takes. Split the fulfillment into lighter parcels, or book it with a method that takes more.",
            code=ErrorCode.PARCEL_OVERWEIGHT, field="method", method=method.code, weight_kg=str(weight),
            max_weight_kg=str(method.max_weight_kg),
        )  # fmt: skip
    if not method.serves(country):
        raise ValidationError(
            f"{method.name} ({method.code}) does not ship to {country}; choose another method or add a rule for "
            f"{country}.",
            code=ErrorCode.METHOD_NOT_SERVING, field="method", carrier=method.account.name, method=method.code,
            country=country,
        )  # fmt: skip
