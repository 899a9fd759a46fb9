"""Reads for order conversion: a plan's rows, from every open plan's remaining kg, loose stock, scheduled roasts,
profiles, machines and green lots, in a fixed number of queries whatever the number of orders and lines.

    conversion_input(plan) -> ConversionInput
    conversion_rows(plan) -> list[conversion.Row]
    plan_product_ids(plan) -> set[int]                          the products the plan's orders ask for
    profile_green_lot_ids(product_ids, plan=None) -> set[int]   the raw lots a schedule for them may draw
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum

from orderly.catalog.models import Product, Variant
from orderly.inventory.models import Hold, Lot
from orderly.inventory.status import LotKind
from orderly.orders.models import OrderItem
from orderly.orders.status import OrderStatus
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.plans.status import PlanStatus
from orderly.production import conversion
from orderly.production.models import ConversionEdit, Machine, Profile, ProfileGreen, RoastBatch
from orderly.production.selectors import weight_losses
from orderly.production.status import RoastStatus
from orderly.production.weights import end_from_loss

ZERO = Decimal("0")


def _needs(plan: FulfillmentPlan) -> tuple[list[conversion.Need], set[int]]:
    """Every open plan's remaining kg per product (ordered minus allocated, times the package size), and the
    products of `plan`. Five queries."""
    plans = {
        p["id"]: p
        for p in FulfillmentPlan.objects.filter(status=PlanStatus.OPEN).values("id", "number", "fulfillment_date")
    }
    plans.setdefault(plan.pk, {"id": plan.pk, "number": plan.number, "fulfillment_date": plan.fulfillment_date})
    plan_of = dict(
        PlanOrder.objects.filter(plan_id__in=list(plans), removed_at__isnull=True).values_list("order_id", "plan_id")
    )
    # Whole units per item here, package sizes per variant below: thousands of lines convert no Decimal each.
    items = (
        OrderItem.objects.filter(
            order_id__in=PlanOrder.objects.filter(plan_id__in=list(plans), removed_at__isnull=True).values("order_id"),
            option_allocate=True,
            variant__isnull=False,
        )
        .exclude(status=OrderStatus.CANCELED)
        .values_list("id", "order_id", "quantity", "qty_handed_to_carrier", "qty_canceled", "variant_id")
    )
    held = dict(
        Hold.objects.filter(reference__in=[p["number"] for p in plans.values()], order_item_id__isnull=False)
        .values("order_item_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_item_id", "total")
    )
    units: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, order_id, quantity, shipped, canceled, variant_id in items:
        plan_id = plan_of.get(order_id)
        if plan_id is None:
            continue
        units[(plan_id, variant_id)] += max(quantity - shipped - canceled - int(held.get(item_id, 0)), 0)
    variants = {
        pk: (product_id, size)
        for pk, product_id, size in Variant.objects.filter(pk__in={v for _, v in units}).values_list(
            "pk", "product_id", "package_size"
        )
    }
    remaining: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    own_products: set[int] = set()
    for (plan_id, variant_id), count in units.items():
        product_id, size = variants[variant_id]
        remaining[(plan_id, product_id)] += count * size
        if plan_id == plan.pk:
            own_products.add(product_id)
    needs = [
        conversion.Need(plan_id, product_id, kg, (plans[plan_id]["fulfillment_date"], plan_id))
        for (plan_id, product_id), kg in remaining.items()
    ]
    return needs, own_products


def plan_product_ids(plan: FulfillmentPlan) -> set[int]:
    """The products the plan's orders ask for (a superset of its conversion's rows): one query."""
    return set(
        OrderItem.objects.filter(
            order_id__in=PlanOrder.objects.filter(plan=plan, removed_at__isnull=True).values("order_id"),
            variant__isnull=False,
        )
        .values_list("variant__product_id", flat=True)
        .distinct()
    )


def profile_green_lot_ids(product_ids, plan: FulfillmentPlan | None = None) -> set[int]:
    lots = set(
        ProfileGreen.objects.filter(profile__group__product_id__in=set(product_ids)).values_list("lot_id", flat=True)
    )
    if plan is not None:
        lots |= set(
            ConversionEdit.objects.filter(plan=plan, green_lot__isnull=False).values_list("green_lot_id", flat=True)
        )
    return lots


def _profile_specs(product_ids) -> dict[int, list[conversion.ProfileSpec]]:
    """The active profiles of the products' groups, in group order (the default first), as the conversion takes
    them: their machines' names and green lots' numbers as plain rows, no model per green lot. Four queries."""
    profiles = list(
        Profile.objects.filter(group__product_id__in=set(product_ids), is_active=True)
        .annotate(product_id=F("group__product_id"))
        .only("id", "name", "batch_kg", "end_kg")
        .order_by("group__name", "rank", "id")
    )
    ids = [p.pk for p in profiles]
    machines: dict[int, list[str]] = defaultdict(list)
    for profile_id, name in (
        Profile.machines.through.objects.filter(profile_id__in=ids)
        .order_by("machine__name")
        .values_list("profile_id", "machine__name")
    ):
        machines[profile_id].append(name)
    greens: dict[int, list[conversion.GreenSpec]] = defaultdict(list)
    for profile_id, number, kg_per_batch in (
        ProfileGreen.objects.filter(profile_id__in=ids)
        .order_by("rank", "id")
        .values_list("profile_id", "lot__number", "kg_per_batch")
    ):
        greens[profile_id].append(conversion.GreenSpec(number, kg_per_batch))
    losses = weight_losses(profiles)
    specs: dict[int, list[conversion.ProfileSpec]] = defaultdict(list)
    for p in profiles:
        end = p.end_kg if p.end_kg is not None else end_from_loss(p.batch_kg, losses[p.pk])
        specs[p.product_id].append(
            conversion.ProfileSpec(
                name=p.name, batch_kg=p.batch_kg, end_kg=end, machines=tuple(machines[p.pk]),
                greens=tuple(greens[p.pk]),
            )
        )  # fmt: skip
    return specs


def conversion_input(plan: FulfillmentPlan) -> conversion.ConversionInput:
    needs, product_ids = _needs(plan)
    loose = dict(
        Lot.objects.filter(kind=LotKind.LOOSE, product_id__in=product_ids)
        .values("product_id")
        .annotate(free=Sum(F("on_hand") - F("held")))
        .values_list("product_id", "free")
    )
    scheduled = [
        conversion.Scheduled(plan_id, product_id, expected)
        for plan_id, product_id, expected in RoastBatch.objects.filter(
            status=RoastStatus.SCHEDULED, product_id__in=product_ids
        ).values_list("plan_id", "product_id", "expected_kg")
    ]
    counted = conversion.shares(needs, {k: Decimal(v) for k, v in loose.items()}, scheduled)
    specs = _profile_specs(product_ids)
    edits = {}
    edit_lots = set()
    for e in ConversionEdit.objects.filter(plan=plan).select_related("profile", "machine", "green_lot"):
        edits[e.product_id] = conversion.RowEdit(
            profile=e.profile.name if e.profile_id else None, machine=e.machine.name if e.machine_id else None,
            green_lot=e.green_lot.number if e.green_lot_id else None, batch_kg=e.batch_kg, end_kg=e.end_kg,
            batches=e.batches,
        )  # fmt: skip
        if e.green_lot_id:
            edit_lots.add(e.green_lot.number)
        product_ids.add(e.product_id)
    lot_numbers = {g.lot for spec in specs.values() for p in spec for g in p.greens} | edit_lots
    green_free = {
        number: on_hand - held
        for number, on_hand, held in Lot.objects.filter(kind=LotKind.RAW, number__in=lot_numbers).values_list(
            "number", "on_hand", "held"
        )
    }
    machines = {
        m.name: conversion.MachineSpec(m.name, m.min_batch_kg, m.max_batch_kg, m.is_active)
        for m in Machine.objects.all()
    }
    names = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
    return conversion.ConversionInput(
        products=names,
        shares={product: s for (plan_id, product), s in counted.items() if plan_id == plan.pk},
        profiles=specs,
        machines=machines,
        green_free=green_free,
        edits=edits,
    )


def conversion_rows(plan: FulfillmentPlan) -> list[conversion.Row]:
    return conversion.convert(conversion_input(plan))
