"""The item indicators as read at a glance: grouped by process, a tone each, red only for what is wrong."""

from types import SimpleNamespace

from orderly.orders.indicators import item_indicator_groups
from orderly.orders.models import ITEM_INDICATORS


def an_item(quantity=4, delivery_type="ship", **values):
    fields = {field: 0 for field, _words in ITEM_INDICATORS.values()} | {"qty_credited": 0}
    options = {"option_allocate": True, "option_fulfil": True, "option_cover": True, "option_invoice": True}
    return SimpleNamespace(quantity=quantity, delivery_type=delivery_type, **{**fields, **options, **values})


def tones(item) -> dict[str, dict[str, str]]:
    return {
        group.key: {indicator.name: indicator.tone for indicator in group.indicators}
        for group in item_indicator_groups(item)
    }


def group_tones(item) -> dict[str, str]:
    return {group.key: group.tone for group in item_indicator_groups(item)}


def test_a_new_item_has_everything_still_to_do_and_nothing_red():
    item = an_item()
    assert tones(item) == {
        "stock": {"available": "todo", "expected_in_stock": "none", "canceled": "none"},
        "warehouse": {"on_pick_list": "todo", "picked": "todo", "packed": "todo", "released_for_shipment": "todo"},
        "shipping": {
            "approved_for_shipment": "todo",
            "label_applied": "todo",
            "sorted": "todo",
            "handed_to_carrier": "todo",
            "lost": "none",
            "returned": "none",
        },
        "money": {"costs_paid": "todo", "invoiced": "todo"},
    }
    assert group_tones(item) == {"stock": "todo", "warehouse": "todo", "shipping": "todo", "money": "todo"}
    assert sum(len(group.indicators) for group in item_indicator_groups(item)) == 15


def test_shipped_units_count_as_past_the_steps_before_shipping():
    # held and pick-list counters drop once the units leave; the steps are done, not "0/4" red
    item = an_item(qty_handed_to_carrier=4, qty_costs_paid=4, qty_invoiced=4)
    assert group_tones(item) == {"stock": "done", "warehouse": "done", "shipping": "done", "money": "done"}


def test_part_of_the_item_held_is_under_way():
    item = an_item(quantity=8, qty_available=6, qty_expected=2, qty_on_pick_list=8)
    found = tones(item)
    assert (found["stock"]["available"], found["stock"]["expected_in_stock"]) == ("part", "info")
    assert found["warehouse"]["on_pick_list"] == "done"
    assert group_tones(item)["stock"] == "part"
    assert group_tones(item)["warehouse"] == "part"


def test_lost_is_an_alarm_only_while_the_units_are_not_shipped_again():
    assert tones(an_item())["shipping"]["lost"] == "none"  # Lost 0/4: no alarm
    lost = an_item(qty_lost=4)
    assert tones(lost)["shipping"]["lost"] == "alarm"
    assert group_tones(lost)["shipping"] == "alarm"
    assert [i.words for g in item_indicator_groups(lost) for i in g.indicators if i.attention] == ["Lost"]
    shipped_again = an_item(qty_lost=4, qty_handed_to_carrier=4)
    assert tones(shipped_again)["shipping"]["lost"] == "info"
    assert group_tones(shipped_again)["shipping"] == "done"


def test_a_collected_item_has_no_parcel_steps_and_is_collected_not_unshipped():
    item = an_item(delivery_type="collect", qty_handed_to_carrier=4)
    found = tones(item)["shipping"]
    assert (found["label_applied"], found["sorted"], found["handed_to_carrier"]) == ("na", "na", "done")
    handed = next(i for g in item_indicator_groups(item) for i in g.indicators if i.name == "handed_to_carrier")
    assert handed.words == "Collected by the customer"
    assert group_tones(item)["shipping"] == "done"


def test_options_that_leave_a_step_out_make_it_not_apply():
    item = an_item(option_invoice=False, option_cover=False, option_allocate=False)
    found = tones(item)
    assert (found["money"]["invoiced"], found["money"]["costs_paid"], found["stock"]["available"]) == ("na", "na", "na")
    assert group_tones(item)["money"] == "na"
    assert group_tones(item)["stock"] == "na"
    not_shipped = an_item(option_fulfil=False)
    assert set(tones(not_shipped)["warehouse"].values()) == {"na"}


def test_credited_and_returned_units_leave_what_must_be_invoiced():
    item = an_item(qty_handed_to_carrier=4, qty_returned=1, qty_invoiced=4, qty_credited=1, qty_costs_paid=3)
    found = tones(item)
    assert (found["money"]["invoiced"], found["money"]["costs_paid"], found["shipping"]["returned"]) == (
        "done",
        "done",
        "info",
    )
    everything_canceled = an_item(qty_canceled=4)
    assert group_tones(everything_canceled) == {"stock": "na", "warehouse": "na", "shipping": "na", "money": "na"}
