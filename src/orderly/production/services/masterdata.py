"""Machines, profile groups and profiles: the recipes order conversion reads.

Every service checks the whole input first and writes nothing when refused (ValidationError 422 naming the field,
Conflict 409 for a name already taken, NotFound 404 for an unknown name).
"""

from decimal import Decimal

from django.db import transaction

from orderly.catalog.models import Product
from orderly.core.exceptions import AlreadyExists, UnknownReference, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.inventory.models import Lot
from orderly.inventory.status import LotKind
from orderly.production.locks import lock_machine, lock_profile, lock_profile_group
from orderly.production.models import Machine, Profile, ProfileGreen, ProfileGroup
from orderly.production.services.common import (
    kg,
    number,
    split_by_shares,
    text,
    weight_loss,
    whole,
)
from orderly.production.status import MAX_WEIGHT_LOSS
from orderly.production.weights import HUNDRED, end_from_loss, loss_of

# ---------------------------------------------------------------------------------------------- machines


def _machine_fields(data: dict, current: Machine | None) -> dict:
    clean = {}
    if "name" in data or current is None:
        clean["name"] = text(data.get("name"), field="name", max_length=100)
        taken = Machine.objects.filter(name=clean["name"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise AlreadyExists(
                f"A machine named {clean['name']!r} already exists.",
                resource="machine",
                key=str(clean["name"]),
                field="name",
            )
    for field in ("min_batch_kg", "max_batch_kg"):
        if field in data or current is None:
            clean[field] = kg(data.get(field), field=field)
    if "batches_per_day" in data or current is None:
        clean["batches_per_day"] = whole(data.get("batches_per_day"), field="batches_per_day", maximum=1000)
    if data.get("is_active") is not None:
        clean["is_active"] = bool(data["is_active"])
    low = clean.get("min_batch_kg", current.min_batch_kg if current else None)
    high = clean.get("max_batch_kg", current.max_batch_kg if current else None)
    if high < low:
        raise ValidationError(
            f"max_batch_kg ({high}) must be at least min_batch_kg ({low}).",
            field="max_batch_kg" if "max_batch_kg" in data or current is None else "min_batch_kg",
        )
    return clean


@retry_on_conflict
@transaction.atomic
def machine_create(*, data: dict) -> Machine:
    """A machine: `name` (new), `min_batch_kg` ≤ `max_batch_kg` (kg green per batch), `batches_per_day`."""
    return Machine.objects.create(**_machine_fields(data, None))


@retry_on_conflict
@transaction.atomic
def machine_update(*, machine: Machine, changes: dict) -> Machine:
    """Change a machine's fields. Refused when a profile on it would then have a batch size outside its range."""
    machine = lock_machine(machine.pk)
    clean = _machine_fields(changes, machine)
    low = clean.get("min_batch_kg", machine.min_batch_kg)
    high = clean.get("max_batch_kg", machine.max_batch_kg)
    outside = machine.profiles.exclude(batch_kg__gte=low, batch_kg__lte=high).order_by("name").first()
    if outside is not None:
        raise ValidationError(
            f"Profile {outside.name} roasts {outside.batch_kg} kg batches on {machine.name}; the range "
            f"{low}–{high} kg would leave it outside.",
            field="min_batch_kg" if outside.batch_kg < low else "max_batch_kg",
        )
    for name, value in clean.items():
        setattr(machine, name, value)
    machine.save()
    return machine


def machine_by_name(name, *, field: str = "machine") -> Machine:
    found = Machine.objects.filter(name=str(name or "").strip()).first()
    if found is None:
        raise UnknownReference(f"No machine {name!r}.", resource="machine", key=str(name), field=field)
    return found


# ---------------------------------------------------------------------------------------------- profile groups


def _group_product(value) -> Product:
    name = text(value, field="product", max_length=200)
    product = Product.objects.filter(name=name).first()
    if product is None:
        raise UnknownReference(
            f"No product {name!r}: a profile group makes a product of the catalog.",
            resource="product",
            key=str(name),
            field="product",
        )
    return product


@retry_on_conflict
@transaction.atomic
def profile_group_create(*, data: dict) -> ProfileGroup:
    """A profile group: `name` (new) and `product` (the roasted product's name; one group per product)."""
    name = text(data.get("name"), field="name", max_length=200)
    product = _group_product(data.get("product"))
    if ProfileGroup.objects.filter(name=name).exists():
        raise AlreadyExists(
            f"A profile group named {name!r} already exists.", resource="profile_group", key=str(name), field="name"
        )
    if ProfileGroup.objects.filter(product=product).exists():
        raise AlreadyExists(
            f"Product {product.name} already has a profile group.",
            resource="profile_group",
            key=product.name,
            field="product",
        )
    return ProfileGroup.objects.create(name=name, product=product)


@retry_on_conflict
@transaction.atomic
def profile_group_update(*, group: ProfileGroup, changes: dict) -> ProfileGroup:
    """Rename a group or point it at another product (which must have no group)."""
    group = lock_profile_group(group.pk)
    if "name" in changes:
        name = text(changes["name"], field="name", max_length=200)
        if ProfileGroup.objects.filter(name=name).exclude(pk=group.pk).exists():
            raise AlreadyExists(
                f"A profile group named {name!r} already exists.", resource="profile_group", key=str(name), field="name"
            )
        group.name = name
    if "product" in changes:
        product = _group_product(changes["product"])
        if ProfileGroup.objects.filter(product=product).exclude(pk=group.pk).exists():
            raise AlreadyExists(
                f"Product {product.name} already has a profile group.",
                resource="profile_group",
                key=product.name,
                field="product",
            )
        group.product = product
    group.save()
    return group


def profile_group_by_name(name, *, field: str = "group") -> ProfileGroup:
    found = ProfileGroup.objects.select_related("product").filter(name=str(name or "").strip()).first()
    if found is None:
        raise UnknownReference(f"No profile group {name!r}.", resource="profile_group", key=str(name), field=field)
    return found


# ---------------------------------------------------------------------------------------------- profiles


def raw_lot(number_or_name, *, field: str) -> Lot:
    """A green (raw) lot by its number (LOT-…) or its name."""
    key = str(number_or_name or "").strip()
    lot = (
        Lot.objects.filter(kind=LotKind.RAW, number=key).first()
        or Lot.objects.filter(kind=LotKind.RAW, name=key).first()
    )
    if lot is None:
        raise UnknownReference(
            f"No green lot {number_or_name!r} (a raw lot's number or name).",
            resource="lot",
            key=str(number_or_name),
            field=field,
        )
    return lot


def _list(value, *, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"{field} must be a list.", field=field)
    if len(value) > 50:
        raise ValidationError(f"{field} has at most 50 entries.", field=field)
    return list(value)


def _machines(value) -> list[Machine]:
    machines = []
    for i, name in enumerate(_list(value, field="machines")):
        machine = machine_by_name(name, field=f"machines[{i}]")
        if machine in machines:
            raise ValidationError(f"Machine {machine.name} is given twice.", field=f"machines[{i}]")
        machines.append(machine)
    return machines


def _green_lots(value) -> list[Lot]:
    lots = []
    for i, key in enumerate(_list(value, field="green_lots")):
        lot = raw_lot(key, field=f"green_lots[{i}]")
        if lot in lots:
            raise ValidationError(f"Green lot {lot.number} is given twice.", field=f"green_lots[{i}]")
        lots.append(lot)
    return lots


def _components(value) -> list[tuple[Lot, Decimal]]:
    components: list[tuple[Lot, Decimal]] = []
    for i, entry in enumerate(_list(value, field="components")):
        if not isinstance(entry, dict):
            raise ValidationError("A component is {green_lot, share}.", field=f"components[{i}]")
        lot = raw_lot(entry.get("green_lot"), field=f"components[{i}].green_lot")
        share = number(entry.get("share"), field=f"components[{i}].share")
        if not 0 < share <= HUNDRED:
            raise ValidationError(
                f"A component's share is more than 0 and at most 100 %, got {share}.", field=f"components[{i}].share"
            )
        if any(lot == other for other, _ in components):
            raise ValidationError(f"Green lot {lot.number} is given twice.", field=f"components[{i}].green_lot")
        components.append((lot, share))
    if components:
        total = sum((share for _, share in components), Decimal("0"))
        if total != HUNDRED:
            raise ValidationError(
                f"The components' shares must add up to 100 %, they add up to {total} %.", field="components"
            )
    return components


def _weights(data: dict, current: Profile | None) -> tuple[Decimal, Decimal | None]:
    """(batch_kg, end_kg) from the input: end_kg given, weight_loss given (end computed), or, when the batch
    size alone changes, the profile's weight loss kept."""
    batch = kg(data["batch_kg"], field="batch_kg") if "batch_kg" in data or current is None else current.batch_kg
    has_end = data.get("end_kg") is not None
    has_loss = data.get("weight_loss") is not None
    loss = weight_loss(data["weight_loss"]) if has_loss else None
    if has_end:
        end = kg(data["end_kg"], field="end_kg")
        if end > batch:
            raise ValidationError(f"end_kg ({end}) cannot be more than batch_kg ({batch}).", field="end_kg")
        if loss_of(batch, end) > MAX_WEIGHT_LOSS:
            raise ValidationError(
                f"end_kg {end} of {batch} kg is a weight loss of {loss_of(batch, end)} %; at most "
                f"{MAX_WEIGHT_LOSS} % is allowed.",
                field="end_kg",
            )
        if loss is not None and end_from_loss(batch, loss) != end:
            raise ValidationError(
                f"end_kg {end} and weight_loss {loss} % disagree: {loss} % of {batch} kg leaves "
                f"{end_from_loss(batch, loss)} kg. Give one of them.",
                field="weight_loss",
            )
        return batch, end
    if loss is not None:
        return batch, end_from_loss(batch, loss)
    if current is not None and current.end_kg is not None and "end_kg" not in data and "weight_loss" not in data:
        return batch, end_from_loss(batch, loss_of(current.batch_kg, current.end_kg))
    return batch, None  # weight loss from the profile's completed roasts, else the default


def _check_machines(machines: list[Machine], batch: Decimal) -> None:
    for _i, machine in enumerate(machines):
        if not machine.min_batch_kg <= batch <= machine.max_batch_kg:
            raise ValidationError(
                f"batch_kg {batch} is outside machine {machine.name}'s range of {machine.min_batch_kg}–"
                f"{machine.max_batch_kg} kg.",
                field="batch_kg",
            )


def _write_greens(profile: Profile, lots: list[Lot], components: list[tuple[Lot, Decimal]]) -> None:
    ProfileGreen.objects.filter(profile=profile).delete()
    if components:
        weights = split_by_shares(profile.batch_kg, [share for _, share in components])
        rows = [
            ProfileGreen(profile=profile, lot=lot, rank=i, kg_per_batch=weight)
            for i, ((lot, _), weight) in enumerate(zip(components, weights, strict=True))
        ]
    else:
        rows = [ProfileGreen(profile=profile, lot=lot, rank=i) for i, lot in enumerate(lots)]
    ProfileGreen.objects.bulk_create(rows)


def _shares(profile: Profile) -> list[tuple[Lot, Decimal]]:
    """A blend's components as (lot, share in percent) from the stored kg per batch."""
    return [
        (g.lot, g.kg_per_batch * HUNDRED / profile.batch_kg)
        for g in profile.greens.select_related("lot").order_by("rank")
        if g.kg_per_batch is not None
    ]


def _check_name(name: str, exclude: int | None) -> None:
    taken = Profile.objects.filter(name=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise AlreadyExists(
            f"A profile named {name!r} already exists.", resource="profile", key=str(name), field="name"
        )


@retry_on_conflict
@transaction.atomic
def profile_create(*, data: dict) -> Profile:
    """A profile: `group`, `name` (new), `machines` (names; the batch size in each one's range), `green_lots`
    (lot numbers or names, preferred first) or `components` ([{green_lot, share}], shares adding up to 100 %),
    `batch_kg`, and `end_kg` or `weight_loss` (0–40 %) or neither (then the average of the last 10 completed
    roasts, else 15 %)."""
    group = profile_group_by_name(data.get("group"))
    name = text(data.get("name"), field="name", max_length=200)
    machines = _machines(data.get("machines"))
    lots = _green_lots(data.get("green_lots"))
    components = _components(data.get("components"))
    if lots and components:
        raise ValidationError("Give green_lots or, for a blend, components; not both.", field="components")
    batch, end = _weights(data, None)
    _check_machines(machines, batch)
    _check_name(name, None)
    rank = Profile.objects.filter(group=group).count()
    profile = Profile.objects.create(
        group=group, name=name, batch_kg=batch, end_kg=end, rank=rank, is_active=data.get("is_active") is not False
    )
    profile.machines.set(machines)
    _write_greens(profile, lots, components)
    return profile


@retry_on_conflict
@transaction.atomic
def profile_update(*, profile: Profile, changes: dict) -> Profile:
    """Change any of a profile's fields (as profile_create takes them); green_lots or components given replace
    the profile's green coffee; a new batch size rescales a blend's kg per batch by its shares."""
    profile = lock_profile(profile.pk)
    if "group" in changes:
        profile.group = profile_group_by_name(changes["group"])
    if "name" in changes:
        profile.name = text(changes["name"], field="name", max_length=200)
        _check_name(profile.name, profile.pk)
    machines = _machines(changes["machines"]) if "machines" in changes else list(profile.machines.all())
    old_shares = _shares(profile)
    lots = _green_lots(changes["green_lots"]) if changes.get("green_lots") is not None else None
    components = _components(changes["components"]) if changes.get("components") is not None else None
    if lots and components:
        raise ValidationError("Give green_lots or, for a blend, components; not both.", field="components")
    batch, end = _weights(changes, profile)
    _check_machines(machines, batch)
    batch_changed = batch != profile.batch_kg
    profile.batch_kg, profile.end_kg = batch, end
    if changes.get("is_active") is not None:
        profile.is_active = bool(changes["is_active"])
    profile.save()
    if "machines" in changes:
        profile.machines.set(machines)
    if lots is not None or components is not None:
        _write_greens(profile, lots or [], components or [])
    elif batch_changed and old_shares:
        _write_greens(profile, [], old_shares)
    return profile


def profile_by_name(name, *, field: str = "profile") -> Profile:
    found = Profile.objects.select_related("group__product").filter(name=str(name or "").strip()).first()
    if found is None:
        raise UnknownReference(f"No profile {name!r}.", resource="profile", key=str(name), field=field)
    return found
