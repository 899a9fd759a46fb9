"""The checks an order must pass before it can be processed, and the error state they leave."""

from dataclasses import dataclass

from orderly.catalog.selectors import mapped_variants, variants_by_sku
from orderly.core.actors import Actor
from orderly.orders import events
from orderly.orders.models import Order, OrderItem


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    fix: str


def find_problems(order: Order, items: list[OrderItem]) -> list[Problem]:
    """What blocks processing: unknown or inactive SKUs, no items, no shipping address for shipped items."""
    problems = []
    unknown = [item.sku for item in items if item.variant_id is None]
    inactive = [item.sku for item in items if item.variant_id and not item.variant.is_orderable]
    if unknown:
        skus = ", ".join(unknown)
        problems.append(
            Problem(
                "unknown_sku",
                f"No product matches SKU {skus}.",
                f"Create a variant with SKU {skus} in the catalog (or map the channel's SKU), then reset the order.",
            )
        )
    if inactive:
        skus = ", ".join(inactive)
        problems.append(
            Problem(
                "inactive_product",
                f"SKU {skus} belongs to an inactive product or variant.",
                f"Activate the product of {skus} in the catalog, or replace the item, then reset the order.",
            )
        )
    if not items:
        problems.append(Problem("no_items", "The order has no items.", "Edit the order and add at least one item."))
    if order.shipping_address_id is None and any(item.delivery_type == "ship" for item in items):
        problems.append(
            Problem(
                "no_shipping_address",
                "The order has items to ship but no shipping address.",
                "Edit the order and enter a shipping address, then reset the order.",
            )
        )
    return problems


def resolve_variants(items: list[OrderItem], channel_id: int | None = None) -> None:
    """Link items whose SKU now matches a catalog variant (e.g. created after the order came in), or, for the
    order's channel, a variant the channel's SKU was mapped to (the mapping wins over a same-named SKU)."""
    unresolved = [item for item in items if item.variant_id is None]
    if not unresolved:
        return
    skus = {item.sku for item in unresolved}
    found = variants_by_sku(skus)
    if channel_id is not None:
        found.update(mapped_variants(channel_id, skus))
    for item in unresolved:
        if variant := found.get(item.sku):
            item.variant = variant
            item.save(update_fields=["variant"])


def apply_checks(order: Order, actor: Actor) -> list[Problem]:
    """Run the checks and set or clear the order's error to match, with timeline events. Inside a transaction."""
    items = list(order.items.select_related("variant__product"))
    resolve_variants(items, order.channel_id)
    problems = find_problems(order, items)
    if problems:
        first = problems[0]
        message = " ".join(p.message for p in problems)
        fix = " ".join(p.fix for p in problems)
        if (order.error_code, order.error_message) != (first.code, message[:1000]):
            order.error_code, order.error_message, order.error_fix = first.code, message[:1000], fix[:1000]
            order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
            events.error_raised(order, actor)
    elif order.error_code:
        code, message = order.error_code, order.error_message
        order.error_code = order.error_message = order.error_fix = ""
        order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
        events.error_cleared(order, actor, code, message)
    return problems
