"""Shopify orders as the Admin REST API returns them (tests/channels/payloads/shopify/) come out of parse_order
carrying exactly what the shop charged: our total rule over the lines and charges gives the shop's total_price to
the cent. No database needed."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.channels.connectors.base import ExternalOrder, Malformed
from orderly.channels.connectors.shopify import parse_order

PAYLOADS = Path(__file__).parent / "payloads" / "shopify"
FILES = sorted(PAYLOADS.glob("*.json"))
NOT_STOCK = {"allocate": False, "fulfil": False}


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def cents(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def tax_of(entry: dict) -> Decimal:
    return sum((Decimal(t["amount"]) for t in entry.get("tax_lines", [])), Decimal(0))


def line_total(item: dict, included: bool) -> Decimal:
    subtotal = item["quantity"] * Decimal(item["unit_price"])
    return subtotal - Decimal(item["discount"]) + (Decimal(0) if included else tax_of(item))


def charge_total(charge: dict, included: bool) -> Decimal:
    return Decimal(charge["amount"]) - Decimal(charge["discount"]) + (Decimal(0) if included else tax_of(charge))


def computed_total(order: ExternalOrder) -> Decimal:
    """The order total by the rule our side applies (common to every channel)."""
    included = order.prices_include_tax
    return sum((line_total(i, included) for i in order.items), Decimal(0)) + sum(
        (charge_total(c, included) for c in order.charges), Decimal(0)
    )


def shop_figure(order: dict, key: str) -> str:
    """One of the order's own totals, in the customer's currency."""
    bag = order.get(f"{key}_set")
    if isinstance(bag, dict) and bag.get("presentment_money"):
        return cents(bag["presentment_money"]["amount"])
    return cents(order[key])


def units(groups: list[dict]) -> dict:
    result: dict[str, int] = {}
    for group in groups:
        for line in group["lines"]:
            result[line["line_id"]] = result.get(line["line_id"], 0) + line["quantity"]
    return result


def test_the_corpus_covers_the_cases():
    assert len(FILES) >= 18
    for path in FILES:
        data = json.loads(path.read_text())
        assert set(data) == {"source", "case", "order", "expect"}, path.name
        assert data["source"] and data["case"], path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_payload_gives_what_the_shop_charged(path):
    data = json.loads(path.read_text())
    order, expect = data["order"], data["expect"]

    parsed = parse_order(order)

    if expect["malformed"]:
        assert isinstance(parsed, Malformed)
        assert expect["reason_contains"] in parsed.reason
        assert parsed.raw is order
        return
    assert isinstance(parsed, ExternalOrder), getattr(parsed, "reason", "")
    included = parsed.prices_include_tax
    assert (parsed.currency, included) == (expect["currency"], expect["prices_include_tax"])
    assert [
        {
            "sku": i["sku"],
            "quantity": i["quantity"],
            "unit_price": i["unit_price"],
            "discount": i["discount"],
            "tax": cents(tax_of(i)),
            "total": cents(line_total(i, included)),
            "non_stock": i.get("options") == NOT_STOCK,
        }
        for i in parsed.items
    ] == expect["lines"]
    assert [
        {
            "kind": c["kind"],
            "title": c["title"],
            "amount": c["amount"],
            "discount": c["discount"],
            "tax": cents(tax_of(c)),
            "total": cents(charge_total(c, included)),
        }
        for c in parsed.charges
    ] == expect["charges"]
    everything = parsed.items + parsed.charges
    assert cents(sum((tax_of(e) for e in everything), Decimal(0))) == expect["tax_total"]
    assert cents(sum((Decimal(e["discount"]) for e in everything), Decimal(0))) == expect["discount_total"]
    assert cents(sum((charge_total(c, included) for c in parsed.charges), Decimal(0))) == expect["charges_total"]
    payment = parsed.payment and {"paid": parsed.payment["paid"], "refunded": parsed.payment["refunded"]}
    assert payment == expect["payment"]
    assert units(parsed.fulfillments) == expect["fulfilled_lines"]
    assert units(parsed.refunds) == expect["refunded_lines"]
    assert (parsed.is_test, parsed.customer["name"], parsed.external_status) == (
        expect["is_test"],
        expect["customer_name"],
        expect["external_status"],
    )
    # The total by our rule is the shop's own, to the cent; so are the stated figures.
    assert cents(computed_total(parsed)) == expect["total"] == shop_figure(order, "total_price") == parsed.stated_total
    assert expect["tax_total"] == shop_figure(order, "total_tax") == parsed.stated_tax


def test_discount_codes_are_shown_and_the_order_level_code_is_not_taken_twice():
    order = parse_order(load("percentage_code_across_order.json")["order"])

    assert order.discount_codes == [{"code": "WELCOME15", "type": "percentage", "amount": "12.75"}]
    assert [i["discount"] for i in order.items] == ["5.70", "3.45", "3.60"]
    assert order.delivery_method == "ups_ground"
    assert [t["title"] for t in order.charges[0]["tax_lines"]] == ["Texas State Tax", "Austin City Tax"]


def test_free_shipping_is_the_shipping_lines_discount_taken_once():
    order = parse_order(load("free_shipping_code.json")["order"])

    assert order.charges == [
        {
            "kind": "shipping",
            "title": "Express",
            "code": "Express",
            "amount": "12.00",
            "discount": "12.00",
            "tax_lines": [],
        }
    ]
    assert order.discount_codes == [{"code": "FREESHIP", "type": "shipping", "amount": "12.00"}]


def test_canadian_lines_carry_both_taxes_and_their_summed_rate():
    order = parse_order(load("canada_gst_qst.json")["order"])

    first = order.items[0]
    assert first["tax_lines"] == [
        {"title": "GST", "rate": "5.00", "amount": "2.70"},
        {"title": "QST", "rate": "9.975", "amount": "5.39"},
    ]
    assert first["tax_rate"] == "14.975"
    assert first["identifiers"] == {
        "line_id": "14900100000071",
        "shopify_variant_id": "45100000071",
        "shopify_product_id": "8810000012",
    }
    assert order.charges[0]["tax_lines"] == [
        {"title": "GST", "rate": "5.00", "amount": "0.75"},
        {"title": "QST", "rate": "9.975", "amount": "1.50"},
    ]
    assert order.delivery_method == "DOM.EP"


def test_a_foreign_currency_order_is_kept_in_the_customers_currency_with_the_shops_figures_beside():
    entry = load("presentment_usd_cad_shop.json")["order"]

    order = parse_order(entry)

    assert order.currency == "USD"
    assert order.items[0]["unit_price"] == "25.00" and entry["line_items"][0]["price"] == "34.13"
    assert order.shop_money == {
        "currency": "CAD",
        "total": entry["total_price"],
        "tax": entry["total_tax"],
        "subtotal": entry["subtotal_price"],
        "discount": entry["total_discounts"],
        "shipping": entry["total_shipping_price_set"]["shop_money"]["amount"],
    }
    assert parse_order(load("plain_paid_with_shipping.json")["order"]).shop_money == {}


def test_guests_and_pos_orders_have_a_name_and_maybe_no_email():
    guest = parse_order(load("guest_no_customer_no_email.json")["order"])
    pos = parse_order(load("pos_no_shipping_address_with_tip.json")["order"])

    assert guest.customer == {"name": "Tomasz Wierzbicki", "email": ""}
    assert guest.shipping_address["name"] == "Halina Wierzbicka"
    assert pos.customer == {"name": "Guest", "email": ""}
    assert (pos.shipping_address, pos.billing_address, pos.charges, pos.delivery_method) == (None, None, [], "")
    assert pos.fulfillments[0]["lines"] == [{"line_id": "14900100000131", "quantity": 1}]
    assert pos.fulfillments[0]["tracking_number"] == ""


def test_fulfillments_and_refunds_name_lines_units_and_restock():
    order = parse_order(load("partially_refunded_restock.json")["order"])

    assert order.fulfillments == [
        {
            "external_id": "5600100000171",
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            "created_at": "2025-03-19T16:30:00+00:00",
            "lines": [{"line_id": "14900100000171", "quantity": 3}, {"line_id": "14900100000172", "quantity": 1}],
        }
    ]
    assert order.refunds == [
        {"external_id": "9300100000171", "lines": [{"line_id": "14900100000171", "quantity": 1, "restock": True}]}
    ]
    assert order.payment == {"state": "partially_refunded", "paid": "79.28", "refunded": "20.38"}


def test_a_refund_that_keeps_the_goods_does_not_restock():
    entry = load("partially_refunded_restock.json")["order"]
    entry["refunds"][0]["refund_line_items"][0]["restock_type"] = "no_restock"

    assert parse_order(entry).refunds[0]["lines"][0]["restock"] is False


def test_lines_without_sku_get_a_key_that_is_the_same_on_every_later_order():
    first = load("gift_card_and_custom_lines.json")["order"]
    later = json.loads(json.dumps(first))
    later["id"] += 1
    for n, line in enumerate(later["line_items"]):
        line["id"] = 15000000000000 + n  # new line ids on every order

    skus = [[i["sku"] for i in parse_order(entry).items] for entry in (first, later)]

    assert (
        skus[0]
        == skus[1]
        == [
            "shopify-variant-45100000221",
            "shopify-title-engraving-service",
            "shopify-title-vintage-hand-grinder-one-of-a-kind",
        ]
    )
    items = parse_order(first).items
    assert [i.get("options") for i in items] == [NOT_STOCK, NOT_STOCK, None]
    assert items[0]["identifiers"]["line_id"] == "14900100000221"


def test_a_line_without_sku_variant_or_title_keys_on_the_product():
    entry = load("gift_card_and_custom_lines.json")["order"]
    entry["line_items"][0].update(sku=None, variant_id=None)

    assert parse_order(entry).items[0]["sku"] == "shopify-product-8810000030"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda o: o.pop("id"), "the order has no id"),
        (lambda o: o.pop("line_items"), "line_items is missing"),
        (lambda o: o["line_items"][1]["tax_lines"][0].update(price="1,20", price_set=None), "tax_lines[0].price"),
        (lambda o: o["line_items"][0].update(quantity="two"), "line_items[0].quantity 'two' is not a whole number"),
        (lambda o: o["shipping_lines"][0]["price_set"]["presentment_money"].update(amount="free"), "shipping_lines[0]"),
        (lambda o: o.update(refunds={"id": 1}), "refunds is not a list"),
        (
            lambda o: o["line_items"][2].update(discount_allocations=["5.00"]),
            "discount_allocations[0] is not an object",
        ),
    ],
)
def test_an_unusable_order_is_malformed_with_what_and_where(change, reason):
    entry = load("gift_card_and_custom_lines.json")["order"]
    change(entry)

    parsed = parse_order(entry)

    assert isinstance(parsed, Malformed)
    assert reason in parsed.reason
    assert parsed.raw is entry


# -- generated orders within the documented schema ---------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=500, places=2)
RATES = [0.05, 0.09975, 0.0625, 0.21, 0.08, 0.1, 0.07, 0.029, 0.0]
CURRENCIES = [("EUR", "EUR", "1"), ("CAD", "USD", "1.3652"), ("USD", "EUR", "1.0841"), ("JPY", "JPY", "1")]


def _bag(presentment: Decimal, fx: Decimal, shop: str, customer: str) -> dict:
    return {
        "shop_money": {"amount": str((presentment * fx).quantize(Decimal("0.01"))), "currency_code": shop},
        "presentment_money": {"amount": str(presentment), "currency_code": customer},
    }


@st.composite
def shopify_orders(draw):
    """A Shopify order with its total_price as Shopify states it, and the figures that must not be taken (shop
    money beside presentment money, a stale total_discount, discount_codes, order-level tax_lines) set to decoys."""
    shop, customer, fx_text = draw(st.sampled_from(CURRENCIES))
    fx = Decimal(fx_text)
    sets = fx != 1 or draw(st.booleans())  # single-currency orders may come without *_set (older shape)
    included = draw(st.booleans())
    total = tax_total = Decimal(0)

    def money(obj: dict, key: str, value: Decimal) -> None:
        obj[key] = str((value * fx).quantize(Decimal("0.01")))  # the bare field is in the shop's currency
        if sets:
            obj[f"{key}_set"] = _bag(value, fx, shop, customer)

    def taxes() -> tuple[list[dict], Decimal]:
        result, summed = [], Decimal(0)
        for _ in range(draw(st.integers(0, 2))):
            tax = {"title": draw(st.sampled_from(["GST", "QST", "VAT"])), "rate": draw(st.sampled_from(RATES))}
            value = draw(amounts)  # the shop's figure, whatever the rate would say
            money(tax, "price", value)
            summed += value
            result.append(tax)
        return result, summed

    def allocations(gross: Decimal) -> tuple[list[dict], Decimal]:
        result, left = [], gross
        for n in range(draw(st.integers(0, 2))):
            value = draw(st.decimals(min_value=0, max_value=left, places=2))
            left -= value
            allocation = {"discount_application_index": n}
            money(allocation, "amount", value)
            result.append(allocation)
        return result, gross - left

    lines = []
    for n in range(draw(st.integers(1, 4))):
        quantity, price = draw(st.integers(1, 30)), draw(amounts)
        line = {"id": 900 + n, "quantity": quantity, "title": f"Item {n}", "sku": draw(st.sampled_from(["", f"S-{n}"]))}
        line["variant_id"] = draw(st.sampled_from([None, 4000 + n]))
        money(line, "price", price)
        allocated, discount = allocations(quantity * price)
        line["discount_allocations"] = allocated
        if not allocated:
            discount = draw(st.decimals(min_value=0, max_value=quantity * price, places=2))
        money(line, "total_discount", discount if not allocated else draw(amounts))  # a decoy beside allocations
        line["tax_lines"], tax = taxes()
        tax_total += tax
        total += quantity * price - discount + (0 if included else tax)
        lines.append(line)
    shipping_lines = []
    for n in range(draw(st.integers(0, 2))):
        price = draw(amounts)
        shipping = {"id": 700 + n, "title": f"Rate {n}", "code": draw(st.sampled_from(["", f"R{n}"]))}
        money(shipping, "price", price)
        shipping["discount_allocations"], discount = allocations(price)
        money(shipping, "discounted_price", price - discount)
        shipping["tax_lines"], tax = taxes()
        tax_total += tax
        total += price - discount + (0 if included else tax)
        shipping_lines.append(shipping)
    order = {
        "id": draw(st.integers(1, 10**15)),
        "name": "#1",
        "currency": shop,
        "presentment_currency": customer,
        "taxes_included": included,
        "financial_status": draw(st.sampled_from(["paid", "pending", "authorized", "partially_paid", "refunded"])),
        "line_items": lines,
        "shipping_lines": shipping_lines,
        "discount_codes": [{"code": "DECOY", "amount": str(draw(amounts)), "type": "fixed_amount"}],
        "tax_lines": [{"title": "Decoy", "rate": 0.5, "price": str(draw(amounts))}],
        "updated_at": "2025-01-01T00:00:00Z",
    }
    if draw(st.booleans()):
        duties = draw(amounts)
        order["original_total_duties_set"] = _bag(duties, fx, shop, customer)
        total += duties
    money(order, "total_price", total)
    money(order, "total_tax", tax_total)
    match draw(st.integers(0, 2)):
        case 0:
            order["customer"] = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
        case 1:
            order["customer"] = None
    order["email"] = draw(st.sampled_from([None, "", "ada@example.com"]))
    return order


def _presentment_tax(order: dict) -> str:
    return shop_figure(order, "total_tax") if "total_tax_set" in order else cents(order["total_tax"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=shopify_orders())
def test_generated_orders_come_to_the_shops_total(order):
    parsed = parse_order(order)

    assert isinstance(parsed, ExternalOrder), parsed.reason
    assert cents(computed_total(parsed)) == shop_figure(order, "total_price") == parsed.stated_total
    assert cents(sum((tax_of(e) for e in parsed.items + parsed.charges), Decimal(0))) == _presentment_tax(order)
    assert parsed.customer["name"] in ("Ada Lovelace", "Guest")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=shopify_orders(), where=st.integers(0, 10**6), value=json_values, data=st.data())
def test_any_field_of_a_generated_order_set_to_anything_never_raises(order, where, value, data):
    # Walk to a random object in the order and set a random key of it to a random JSON value.
    target = order
    for _ in range(data.draw(st.integers(0, 3))):
        children = [v for v in (target.values() if isinstance(target, dict) else target) if isinstance(v, dict | list)]
        if not children:
            break
        target = children[where % len(children)]
    if isinstance(target, dict) and target:
        target[sorted(target)[where % len(target)]] = value
    elif isinstance(target, list) and target:
        target[where % len(target)] = value

    parsed = parse_order(order)

    assert isinstance(parsed, ExternalOrder | Malformed)
    if isinstance(parsed, Malformed):
        assert parsed.reason and parsed.raw is order


def test_shipping_refunds_are_read_from_refund_shipping_lines_else_from_shipping_refund_adjustments():
    full = json.loads((PAYLOADS / "shipping_refunded_in_full.json").read_text())["order"]
    part = json.loads((PAYLOADS / "shipping_refunded_in_part.json").read_text())["order"]
    assert parse_order(full).charge_refunds == [{"position": 1, "kind": "shipping", "amount": "7.95"}]
    # 5.00 and its tax 0.31, both negative in the adjustment, naming no shipping line
    assert parse_order(part).charge_refunds == [{"position": None, "kind": "shipping", "amount": "5.31"}]

    # Shopify may repeat the same money as an adjustment beside refund_shipping_lines: it is read once
    both = copy.deepcopy(full)
    both["refunds"][0]["order_adjustments"] = copy.deepcopy(part["refunds"][0]["order_adjustments"])
    assert parse_order(both).charge_refunds == [{"position": 1, "kind": "shipping", "amount": "7.95"}]

    # a refunded part of a taxed shipping line takes its share of the line's tax: 5.00 of 10.00 with 0.63
    taxed = copy.deepcopy(part)
    line = taxed["shipping_lines"][0]
    taxed["refunds"][0]["refund_shipping_lines"] = [
        {"id": 1, "shipping_line_id": line["id"], "subtotal_amount_set": line["price_set"] | {
            "presentment_money": {"amount": "5.00", "currency_code": "USD"}}}
    ]  # fmt: skip
    assert parse_order(taxed).charge_refunds == [{"position": 1, "kind": "shipping", "amount": "5.32"}]

    # an amount that is not a number keeps the order as failed, naming where
    broken = copy.deepcopy(part)
    broken["refunds"][0]["order_adjustments"][0]["amount_set"]["presentment_money"]["amount"] = "five"
    parsed = parse_order(broken)
    assert isinstance(parsed, Malformed)
    assert "refunds[0].order_adjustments[0].amount_set.presentment_money.amount" in parsed.reason
