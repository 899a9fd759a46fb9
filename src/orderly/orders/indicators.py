"""The seed-002 item indicators as a person reads them: grouped by the process that moves them (stock, warehouse,
shipping, money), each with a tone that says whether it is done, under way, still to do, does not apply to the
item, or needs attention. Pure: reads an OrderItem's fields (or anything with them), no query.

Only what is wrong is an alarm: a unit lost and not shipped again. A step not reached yet is "to do", never red;
a step the item's options or delivery leave out (not invoiced, collected by the customer) "does not apply"; a
step a later one has overtaken (units shipped are no longer held or on the pick list) counts as done.
"""

from dataclasses import dataclass

from orderly.orders.completion import units_kept
from orderly.orders.models import ITEM_INDICATORS
from orderly.orders.status import DeliveryType

DONE, PART, TODO, ALARM, INFO, NONE, NOT_APPLICABLE = "done", "part", "todo", "alarm", "info", "none", "na"
# What a group's tone says beside its name.
GROUP_WORDS = {
    DONE: "done",
    PART: "under way",
    TODO: "to do",
    ALARM: "needs attention",
    NOT_APPLICABLE: "does not apply",
}
GROUPS = (
    ("stock", "Stock", ("available", "expected_in_stock", "canceled")),
    ("warehouse", "Warehouse", ("on_pick_list", "picked", "packed", "released_for_shipment")),
    (
        "shipping",
        "Shipping",
        ("approved_for_shipment", "label_applied", "sorted", "handed_to_carrier", "lost", "returned"),
    ),
    ("money", "Money", ("costs_paid", "invoiced")),
)
# Steps toward shipping: once units are handed over, the step before counts them as done.
SHIPPING_STEPS = {
    "available",
    "on_pick_list",
    "picked",
    "packed",
    "released_for_shipment",
    "approved_for_shipment",
    "label_applied",
    "sorted",
}
PARCEL_STEPS = {"label_applied", "sorted"}  # what a collected item never goes through


@dataclass(frozen=True)
class Indicator:
    name: str
    words: str
    value: int  # the item's counter
    quantity: int  # the item's quantity
    tone: str

    @property
    def attention(self) -> bool:
        return self.tone == ALARM


@dataclass(frozen=True)
class IndicatorGroup:
    key: str
    title: str
    indicators: tuple[Indicator, ...]

    @property
    def tone(self) -> str:
        tones = {indicator.tone for indicator in self.indicators} - {INFO, NONE}
        if ALARM in tones:
            return ALARM
        tones.discard(NOT_APPLICABLE)
        if not tones:
            return NOT_APPLICABLE
        if tones == {DONE}:
            return DONE
        return TODO if tones == {TODO} else PART

    @property
    def words(self) -> str:
        return GROUP_WORDS[self.tone]


def _progress(reached: int, needed: int) -> str:
    if needed <= 0:
        return NOT_APPLICABLE
    if reached >= needed:
        return DONE
    return PART if reached > 0 else TODO


def _tone(name: str, item) -> str:
    to_ship = item.quantity - item.qty_canceled if item.option_fulfil else 0
    shipped = item.qty_handed_to_carrier
    collected = item.delivery_type == DeliveryType.COLLECT
    value = getattr(item, ITEM_INDICATORS[name][0])
    if name == "lost":
        return ALARM if value and shipped < to_ship else INFO if value else NONE
    if name in ("expected_in_stock", "canceled", "returned"):
        return INFO if value else NONE
    if name == "costs_paid":
        return _progress(value, units_kept(item) if item.option_cover else 0)
    if name == "invoiced":
        return _progress(value - item.qty_credited, units_kept(item) if item.option_invoice else 0)
    if name == "available" and not item.option_allocate:
        return NOT_APPLICABLE
    if name in PARCEL_STEPS and collected:
        return NOT_APPLICABLE
    if name in SHIPPING_STEPS:
        return _progress(value + shipped, to_ship)
    return _progress(value, to_ship)  # handed over


def _words(name: str, item) -> str:
    if name == "handed_to_carrier" and item.delivery_type == DeliveryType.COLLECT:
        return "Collected by the customer"
    return ITEM_INDICATORS[name][1]


def item_indicator_groups(item) -> list[IndicatorGroup]:
    """The item's fifteen indicators in their four groups, each with its tone."""
    return [
        IndicatorGroup(
            key,
            title,
            tuple(
                Indicator(
                    name,
                    _words(name, item),
                    getattr(item, ITEM_INDICATORS[name][0]),
                    item.quantity,
                    _tone(name, item),
                )
                for name in names
            ),
        )
        for key, title, names in GROUPS
    ]
