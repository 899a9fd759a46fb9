"""Reads of production: machines, profile groups, profiles with their figures, roast batches.

    machine_list(*, q="", active=None) -> QuerySet[Machine]
    machine_get(name) -> Machine
    profile_group_list(*, q="") -> QuerySet[ProfileGroup]       with product and profiles
    profile_group_get(name) -> ProfileGroup
    profile_list(*, q="", group="") -> QuerySet[Profile]        with group, machines, greens
    profile_get(name) -> Profile
    weight_losses(profiles) -> dict[int, Decimal]              each profile's weight loss in use (percent)
    profile_views(profiles) -> list[ProfileView]                profiles with their figures, for api and web
    roast_batch_list(*, date_from=None, date_to=None, machine="", status="", plan="", product="")
    roast_batch_get(number) -> RoastBatch
    machine_day_load(batches) -> dict[(machine id, date), int]  batches per machine and day (scheduled, completed)

Each runs a fixed number of queries whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Prefetch, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber

from orderly.core.exceptions import NotFound
from orderly.production.models import Machine, Profile, ProfileGreen, ProfileGroup, RoastBatch
from orderly.production.status import DEFAULT_WEIGHT_LOSS, LOSS_HISTORY, RoastStatus
from orderly.production.weights import HUNDRED, end_from_loss, loss_of


def machine_list(*, q: str = "", active: bool | None = None) -> QuerySet[Machine]:
    machines = Machine.objects.all()
    if q:
        machines = machines.filter(name__icontains=q)
    if active is not None:
        machines = machines.filter(is_active=active)
    return machines.order_by("name", "id")


def machine_get(name: str) -> Machine:
    found = Machine.objects.filter(name=str(name or "").strip()).first()
    if found is None:
        raise NotFound(f"No machine {name!r}.", resource="machine", key=str(name), field="machine")
    return found


def profile_group_list(*, q: str = "") -> QuerySet[ProfileGroup]:
    groups = ProfileGroup.objects.select_related("product").prefetch_related(
        Prefetch("profiles", queryset=Profile.objects.order_by("rank", "id"))
    )
    if q:
        groups = groups.filter(Q(name__icontains=q) | Q(product__name__icontains=q))
    return groups.order_by("name", "id")


def profile_group_get(name: str) -> ProfileGroup:
    found = profile_group_list().filter(name=str(name or "").strip()).first()
    if found is None:
        raise NotFound(f"No profile group {name!r}.", resource="profile_group", key=str(name), field="group")
    return found


def _profiles() -> QuerySet[Profile]:
    return Profile.objects.select_related("group__product").prefetch_related(
        Prefetch("machines", queryset=Machine.objects.order_by("name")),
        Prefetch("greens", queryset=ProfileGreen.objects.select_related("lot").order_by("rank", "id")),
    )


def profile_list(*, q: str = "", group: str = "", product_ids=None) -> QuerySet[Profile]:
    profiles = _profiles()
    if q:
        profiles = profiles.filter(Q(name__icontains=q) | Q(group__name__icontains=q))
    if group:
        profiles = profiles.filter(group__name=group)
    if product_ids is not None:
        profiles = profiles.filter(group__product_id__in=set(product_ids))
    return profiles.order_by("group__name", "rank", "id")


def profile_get(name: str) -> Profile:
    found = _profiles().filter(name=str(name or "").strip()).first()
    if found is None:
        raise NotFound(f"No profile {name!r}.", resource="profile", key=str(name), field="profile")
    return found


def weight_losses(profiles) -> dict[int, Decimal]:
    """The weight loss (percent) each profile works with: its own (from its end weight), else the average of its
    last 10 completed roasts, else 15 %. One query for all the profiles without their own."""
    losses: dict[int, Decimal] = {}
    history = []
    for profile in profiles:
        if profile.end_kg is not None:
            losses[profile.pk] = loss_of(profile.batch_kg, profile.end_kg)
        else:
            history.append(profile.pk)
    if history:
        ranked = (
            RoastBatch.objects.filter(profile_id__in=history, status=RoastStatus.COMPLETED)
            .annotate(
                recent=Window(
                    RowNumber(), partition_by=[F("profile_id")], order_by=[F("completed_at").desc(), F("id").desc()]
                )
            )
            .filter(recent__lte=LOSS_HISTORY)
            .values_list("profile_id", "green_used_kg", "roasted_out_kg")
        )
        per_profile: dict[int, list[Decimal]] = defaultdict(list)
        for profile_id, used, out in ranked:
            per_profile[profile_id].append((used - out) * HUNDRED / used)
        for profile_id in history:
            found = per_profile.get(profile_id)
            losses[profile_id] = (
                (sum(found, Decimal("0")) / len(found)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if found
                else Decimal(DEFAULT_WEIGHT_LOSS)
            )
    return losses


@dataclass
class ProfileView:
    profile: Profile
    weight_loss: Decimal  # percent, as in use
    end_kg: Decimal  # roasted kg out of one batch at that loss
    loss_source: str  # "profile", "history" or "default"
    machines: list[str] = field(default_factory=list)
    green_lots: list[str] = field(default_factory=list)  # lot numbers, preferred first
    components: list[dict] = field(default_factory=list)  # a blend's {green_lot, name, share, kg_per_batch}


def profile_views(profiles) -> list[ProfileView]:
    profiles = list(profiles)
    losses = weight_losses(profiles)
    views = []
    for p in profiles:
        loss = losses[p.pk]
        source = "profile" if p.end_kg is not None else ("default" if loss == DEFAULT_WEIGHT_LOSS else "history")
        greens = list(p.greens.all())
        end = p.end_kg if p.end_kg is not None else end_from_loss(p.batch_kg, loss)
        views.append(
            ProfileView(
                profile=p, weight_loss=loss, end_kg=end,
                loss_source=source, machines=[m.name for m in p.machines.all()],
                green_lots=[g.lot.number for g in greens if g.kg_per_batch is None],
                components=[
                    {"green_lot": g.lot.number, "name": g.lot.name, "kg_per_batch": g.kg_per_batch,
                     "share": (g.kg_per_batch * HUNDRED / p.batch_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)}
                    for g in greens if g.kg_per_batch is not None
                ],
            )
        )  # fmt: skip
    return views


# ---------------------------------------------------------------------------------------------- roast batches


# The roast schedule's order: by day, machine (by name) and batch; its lists page by cursor on these keys.
ROAST_BATCH_ORDER = ("date", "machine__name", "id")


def roast_batch_list(
    *, date_from=None, date_to=None, machine: str = "", status: str = "", plan: str = "", product: str = ""
) -> QuerySet[RoastBatch]:
    batches = RoastBatch.objects.select_related("plan", "product", "profile", "machine", "lot")
    if date_from:
        batches = batches.filter(date__gte=date_from)
    if date_to:
        batches = batches.filter(date__lte=date_to)
    if machine:
        # By the machine's id, found first: its index (machine, date, id) then reads the schedule in date order.
        batches = batches.filter(machine_id=Subquery(Machine.objects.filter(name=machine).order_by().values("id")[:1]))
    if status:
        batches = batches.filter(status=status)
    if plan:
        batches = batches.filter(plan__number=plan.strip().upper())
    if product:
        batches = batches.filter(product__name=product)
    return batches.order_by(*ROAST_BATCH_ORDER)


def roast_batch_get(number: str) -> RoastBatch:
    try:
        return RoastBatch.objects.select_related("plan", "product", "profile", "machine", "lot").get(
            number=str(number or "").strip().upper()
        )
    except RoastBatch.DoesNotExist:
        raise NotFound(
            f"No roast batch {number!r}.", resource="roast_batch", key=str(number), field="roast_batch"
        ) from None


def machine_day_load(batches) -> dict[tuple[int, object], int]:
    """Batches per (machine id, date) over the days and machines of `batches`, canceled ones left out."""
    keys = {(b.machine_id, b.date) for b in batches}
    if not keys:
        return {}
    rows = (
        RoastBatch.objects.filter(machine_id__in={k[0] for k in keys}, date__in={k[1] for k in keys})
        .exclude(status=RoastStatus.CANCELED)
        .values("machine_id", "date")
        .annotate(total=Sum("batches"))
        .order_by()
    )
    return {(r["machine_id"], r["date"]): r["total"] for r in rows}
