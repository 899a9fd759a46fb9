"""Order conversion, pure: what a plan still needs roasted per product, turned into batches of a profile.

Dataclasses in, dataclasses out, no database. The selectors load the figures, the services write what comes out.

Counting kg once. For a product, the supply is the free loose roasted stock plus the expected output of every
scheduled roast batch; the demand is every open plan's *remaining* (ordered minus allocated packaged, in kg).
Each plan first counts on the batches scheduled for it; what those leave uncovered draws, plan by plan in order of
priority (fulfillment date, then plan), first on loose stock, then on the output other plans' batches make beyond
their own need. What is still uncovered is *to roast*. So, per plan, remaining = available + scheduled + to roast
exactly, no kg is counted by two plans, and over all plans the kg to roast are exactly what the supply lacks.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
GRAM = Decimal("0.001")

# The words a row's `problems` may hold; a row with any of them cannot be scheduled.
NO_PROFILE = "no_profile"  # the product has no profile (group) to roast it with
PROFILE_NOT_IN_GROUP = "profile_not_in_group"  # the chosen profile makes another product
NO_MACHINE = "no_machine"  # the profile names no machine, or none is active
MACHINE_INACTIVE = "machine_inactive"
BATCH_SIZE_OUT_OF_RANGE = "batch_size_out_of_range"  # outside the machine's minimum and maximum
NO_GREEN_LOT = "no_green_lot"  # the profile names no green coffee
GREEN_SHORT = "green_short"  # the green lots lack the kg the batches need


# ---------------------------------------------------------------------------------------------- kg counting


@dataclass(frozen=True)
class Need:
    """A plan's remaining kg of a product: ordered minus allocated packaged, in kg."""

    plan: int
    product: int
    remaining_kg: Decimal
    priority: tuple = ()  # lower first: (fulfillment date, plan id)


@dataclass(frozen=True)
class Scheduled:
    """Expected roasted kg of scheduled (not yet completed) batches of a product, made for a plan."""

    plan: int
    product: int
    expected_kg: Decimal


@dataclass(frozen=True)
class Share:
    remaining_kg: Decimal
    available_kg: Decimal  # free loose stock this plan counts on
    scheduled_kg: Decimal  # output of scheduled batches this plan counts on
    to_roast_kg: Decimal  # the rest: remaining − available − scheduled, never negative


def shares(
    needs: Sequence[Need], loose: Mapping[int, Decimal], scheduled: Sequence[Scheduled]
) -> dict[tuple[int, int], Share]:
    """Each (plan, product) of `needs` with what it counts on: see the module's docstring."""
    own: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for s in scheduled:
        own[(s.plan, s.product)] += s.expected_kg
    by_product: dict[int, list[Need]] = defaultdict(list)
    need_of: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    priority: dict[tuple[int, int], tuple] = {}
    for n in needs:
        need_of[(n.plan, n.product)] += max(n.remaining_kg, ZERO)
        priority.setdefault((n.plan, n.product), n.priority)
    for plan, product in need_of:
        by_product[product].append(Need(plan, product, need_of[(plan, product)], priority[(plan, product)]))
    surplus: dict[int, Decimal] = defaultdict(Decimal)
    for (plan, product), kg in own.items():
        surplus[product] += max(kg - need_of.get((plan, product), ZERO), ZERO)
    result: dict[tuple[int, int], Share] = {}
    for product, plan_needs in by_product.items():
        free_loose = max(loose.get(product, ZERO), ZERO)
        free_scheduled = surplus[product]
        for n in sorted(plan_needs, key=lambda n: (n.priority, n.plan)):
            from_own = min(n.remaining_kg, own.get((n.plan, product), ZERO))
            uncovered = n.remaining_kg - from_own
            from_loose = min(uncovered, free_loose)
            free_loose -= from_loose
            from_others = min(uncovered - from_loose, free_scheduled)
            free_scheduled -= from_others
            result[(n.plan, product)] = Share(
                remaining_kg=n.remaining_kg,
                available_kg=from_loose,
                scheduled_kg=from_own + from_others,
                to_roast_kg=uncovered - from_loose - from_others,
            )
    return result


# ---------------------------------------------------------------------------------------------- batches


@dataclass(frozen=True)
class MachineSpec:
    name: str
    min_batch_kg: Decimal
    max_batch_kg: Decimal
    active: bool = True


@dataclass(frozen=True)
class GreenSpec:
    lot: str  # the raw lot's number
    kg_per_batch: Decimal | None = None  # a blend component's kg in one batch; None for a preferred lot


@dataclass(frozen=True)
class ProfileSpec:
    name: str
    batch_kg: Decimal
    end_kg: Decimal  # roasted kg out of one batch, at the weight loss in use
    machines: tuple[str, ...] = ()  # allowed, preferred first
    greens: tuple[GreenSpec, ...] = ()

    @property
    def is_blend(self) -> bool:
        return any(g.kg_per_batch is not None for g in self.greens)


@dataclass(frozen=True)
class RowEdit:
    """A person's changes to a row; None: as the profile says."""

    profile: str | None = None
    machine: str | None = None
    green_lot: str | None = None
    batch_kg: Decimal | None = None
    end_kg: Decimal | None = None
    batches: int | None = None


@dataclass(frozen=True)
class GreenDraw:
    lot: str
    kg: Decimal


@dataclass
class Row:
    product_id: int
    product: str
    remaining_kg: Decimal
    available_kg: Decimal
    scheduled_kg: Decimal
    to_roast_kg: Decimal
    batches: int = 0
    carryover_kg: Decimal = ZERO  # roasted kg the batches make beyond what is to roast
    profile: str | None = None
    machine: str | None = None
    green_lot: str | None = None  # the lot drawn (the first component's for a blend)
    green: list[GreenDraw] = field(default_factory=list)  # every lot and its kg for all the batches
    batch_kg: Decimal | None = None
    end_kg: Decimal | None = None
    weight_loss: Decimal | None = None  # percent
    green_kg: Decimal = ZERO
    expected_kg: Decimal = ZERO
    edited: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def schedulable(self) -> bool:
        return self.batches > 0 and not self.problems


@dataclass(frozen=True)
class ConversionInput:
    products: Mapping[int, str]  # product id → name, for the plan's products
    shares: Mapping[int, Share]  # product id → what the plan counts on
    profiles: Mapping[int, Sequence[ProfileSpec]]  # product id → its group's active profiles, default first
    machines: Mapping[str, MachineSpec]
    green_free: Mapping[str, Decimal]  # raw lot number → kg available (not held)
    edits: Mapping[int, RowEdit] = field(default_factory=dict)


def loss_percent(batch_kg: Decimal, end_kg: Decimal) -> Decimal:
    return ((batch_kg - end_kg) * HUNDRED / batch_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def batches_for(to_roast_kg: Decimal, end_kg: Decimal) -> int:
    """Batches of `end_kg` roasted each that cover `to_roast_kg`: rounded up, 0 when nothing is to roast."""
    if to_roast_kg <= 0:
        return 0
    return int((to_roast_kg / end_kg).to_integral_value(rounding=ROUND_CEILING))


def split_batch(batch_kg: Decimal, profile: ProfileSpec) -> list[GreenDraw]:
    """A blend's kg per batch at `batch_kg`: the stored weights, or rescaled by their shares to the gram (the last
    component takes the rounding, so the parts add up to the batch exactly)."""
    components = [g for g in profile.greens if g.kg_per_batch is not None]
    if batch_kg == profile.batch_kg:
        return [GreenDraw(g.lot, g.kg_per_batch) for g in components]
    parts = [(batch_kg * g.kg_per_batch / profile.batch_kg).quantize(GRAM, rounding=ROUND_HALF_UP) for g in components]
    parts[-1] = batch_kg - sum(parts[:-1], ZERO)
    return [GreenDraw(g.lot, kg) for g, kg in zip(components, parts, strict=True)]


def _machine(row: Row, profile: ProfileSpec, edit: RowEdit, machines: Mapping[str, MachineSpec]) -> None:
    if edit.machine is not None:
        chosen = machines.get(edit.machine)
    else:
        allowed = [machines[name] for name in profile.machines if name in machines and machines[name].active]
        fitting = [m for m in allowed if m.min_batch_kg <= row.batch_kg <= m.max_batch_kg]
        chosen = (fitting or allowed or [None])[0]
    if chosen is None:
        row.problems.append(NO_MACHINE)
        return
    row.machine = chosen.name
    if not chosen.active:
        row.problems.append(MACHINE_INACTIVE)
    if not chosen.min_batch_kg <= row.batch_kg <= chosen.max_batch_kg:
        row.problems.append(BATCH_SIZE_OUT_OF_RANGE)


def _green(row: Row, profile: ProfileSpec, edit: RowEdit, free: dict[str, Decimal]) -> None:
    if profile.is_blend:
        per_batch = split_batch(row.batch_kg, profile)
        row.green = [GreenDraw(d.lot, d.kg * row.batches) for d in per_batch]
        row.green_lot = row.green[0].lot
        if any(free.get(d.lot, ZERO) < d.kg for d in row.green):
            row.problems.append(GREEN_SHORT)
        return
    candidates = [edit.green_lot] if edit.green_lot is not None else [g.lot for g in profile.greens]
    if not candidates:
        row.problems.append(NO_GREEN_LOT)
        return
    enough = [lot for lot in candidates if free.get(lot, ZERO) >= row.green_kg]
    row.green_lot = (enough or candidates)[0]
    row.green = [GreenDraw(row.green_lot, row.green_kg)]
    if not enough:
        row.problems.append(GREEN_SHORT)


def convert_row(product_id: int, inp: ConversionInput, free: dict[str, Decimal]) -> Row:
    """One product's row; draws its green kg from `free` when it can be scheduled, so the next row does not count
    on the same green coffee."""
    share = inp.shares.get(product_id) or Share(ZERO, ZERO, ZERO, ZERO)
    edit = inp.edits.get(product_id) or RowEdit()
    row = Row(
        product_id=product_id, product=inp.products[product_id], remaining_kg=share.remaining_kg,
        available_kg=share.available_kg, scheduled_kg=share.scheduled_kg, to_roast_kg=share.to_roast_kg,
        edited=edit != RowEdit(),
    )  # fmt: skip
    profiles = list(inp.profiles.get(product_id, ()))
    if edit.profile is not None:
        profile = next((p for p in profiles if p.name == edit.profile), None)
        if profile is None:
            row.profile = edit.profile
            row.problems.append(PROFILE_NOT_IN_GROUP)
            return row
    elif profiles:
        profile = profiles[0]
    else:
        if row.to_roast_kg > 0 or edit.batches:
            row.problems.append(NO_PROFILE)
        return row
    row.profile = profile.name
    row.batch_kg = edit.batch_kg if edit.batch_kg is not None else profile.batch_kg
    if edit.end_kg is not None:
        row.end_kg = edit.end_kg
    elif row.batch_kg == profile.batch_kg:
        row.end_kg = profile.end_kg
    else:  # another batch size, the profile's weight loss
        row.end_kg = (row.batch_kg * profile.end_kg / profile.batch_kg).quantize(GRAM, rounding=ROUND_HALF_UP)
    row.weight_loss = loss_percent(row.batch_kg, row.end_kg)
    row.batches = edit.batches if edit.batches is not None else batches_for(row.to_roast_kg, row.end_kg)
    row.green_kg = row.batch_kg * row.batches
    row.expected_kg = row.end_kg * row.batches
    row.carryover_kg = max(row.expected_kg - row.to_roast_kg, ZERO)
    if row.batches == 0:
        return row
    _machine(row, profile, edit, inp.machines)
    _green(row, profile, edit, free)
    if not row.problems:
        for draw in row.green:
            free[draw.lot] = free.get(draw.lot, ZERO) - draw.kg
    return row


def convert(inp: ConversionInput) -> list[Row]:
    """Every product of the plan as a row, by product name; rows draw green coffee in that order."""
    free = dict(inp.green_free)
    order = sorted(inp.products, key=lambda pid: (inp.products[pid], pid))
    return [convert_row(product_id, inp, free) for product_id in order]
