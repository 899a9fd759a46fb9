"""Order input is refused with every problem at once, each naming its field; the first is what one answer tells."""

import datetime as dt
from decimal import Decimal

import pytest

from orderly.core.exceptions import InvalidInput, Problems, ValidationError
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_update
from orderly.orders.services import validation as clean
from tests.factories import VariantFactory, address, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price=Decimal("8.50"), tax_rate=Decimal("9"))
    VariantFactory(sku="DEC-500", name="Decaf 500 g", price=Decimal("14.00"), tax_rate=Decimal("9"))


def _problems(exc) -> list[tuple[str, str, str]]:
    return [(problem.field, problem.code, problem.message) for problem in exc.problems]


def test_a_new_order_with_several_problems_is_refused_with_all_of_them_and_writes_nothing(catalog):
    with pytest.raises(InvalidInput) as refused:
        make_order(
            customer={"name": "Margot de Wit", "email": "not-an-email"},
            shipping_address=address(country="XX"),
            items=[
                {"sku": "ESP-250", "quantity": -2},
                {"sku": "NOPE-1", "quantity": 1, "metadata": "{bad"},
            ],
        )
    assert _problems(refused.value) == [
        ("customer.email", "invalid", "customer.email 'not-an-email' is not a valid e-mail address."),
        (
            "shipping_address.country",
            "invalid",
            "shipping_address.country 'XX' is not an ISO 3166-1 country code (e.g. NL, DE, US).",
        ),
        ("items[0].quantity", "invalid", "items[0].quantity must be greater than zero."),
        ("items[1].sku", "unknown_sku", "No product variant has SKU 'NOPE-1'."),
        (
            "items[1].metadata",
            "invalid",
            "items[1].metadata is not valid JSON: Expecting property name enclosed in double quotes at line 1, "
            'column 2. Write an object such as {"colour": "black", "size": "250 g"}.',
        ),
    ]
    # One answer (the API's) tells the first, as before: code, status, field, message and detail.
    error = refused.value
    assert (error.code, error.status, error.field, error.detail) == ("invalid", 422, "customer.email", {})
    assert error.message == "customer.email 'not-an-email' is not a valid e-mail address."
    assert (Order.all_objects.count(), OrderItem.objects.count()) == (0, 0)


def test_a_single_problem_is_raised_as_it_was(catalog):
    with pytest.raises(ValidationError) as refused:
        make_order(items=[{"sku": "NOPE-1", "quantity": 1}])
    assert type(refused.value).__name__ == "UnknownSku"
    assert refused.value.problems == [refused.value]


def test_an_unknown_sku_does_not_also_ask_for_a_unit_price(catalog):
    with pytest.raises(ValidationError) as refused:
        make_order(items=[{"sku": "NOPE-1", "quantity": 1}, {"sku": "ESP-250", "quantity": 1}])
    assert [problem.field for problem in refused.value.problems] == ["items[0].sku"]


def test_an_edit_with_several_problems_is_refused_with_all_of_them_and_writes_nothing(catalog, actor):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}, {"sku": "DEC-500", "quantity": 1}])
    first, second = order.items.order_by("line_no")
    with pytest.raises(InvalidInput) as refused:
        order_update(
            order=order,
            changes={
                "customer": {"name": "Changed", "email": "nope"},
                "notes": "New notes",
                "items": [
                    {"id": first.id, "quantity": 0, "position": "A-01", "expected_on": "2026-02-30"},
                    {"id": second.id, "purchase_price": "-1", "adjustments": [{"label": "Wrap"}]},
                ],
            },
            actor=actor,
        )
    assert _problems(refused.value) == [
        ("customer.email", "invalid", "customer.email 'nope' is not a valid e-mail address."),
        ("items[0].quantity", "invalid", "items[0].quantity must be greater than zero."),
        ("items[0].expected_on", "invalid", "items[0].expected_on '2026-02-30' is not a date (YYYY-MM-DD)."),
        ("items[1].adjustments[0].amount", "invalid", "items[1].adjustments[0].amount is required."),
        ("items[1].purchase_price", "invalid", "items[1].purchase_price must not be negative."),
    ]
    order.refresh_from_db()
    assert (order.customer_name, order.notes, order.events.count()) == ("Anna de Vries", "", 1)
    assert list(order.items.order_by("line_no").values_list("quantity", "position", "purchase_price")) == [
        (2, "", None),
        (1, "", None),
    ]


def test_every_item_parameter_is_edited_and_each_change_is_on_the_timeline(catalog, actor):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    item = order.items.get()
    order_update(
        order=order,
        changes={
            "items": [
                {
                    "id": item.id,
                    "position": "B-02-1",
                    "delivery_type": "collect",
                    "delivery_method": "Pick-up in the roastery",
                    "expected_on": "2026-12-04",
                    "purchase_price": "3.10",
                    "commission": "0.85",
                    "adjustments": [{"label": "Gift wrap", "amount": "1.50"}],
                    "identifiers": '{"grind": "espresso"}',
                    "metadata": {"gift_note": "Happy birthday"},
                    "options": {"allocate": True, "fulfil": True, "cover": False, "invoice": False},
                }
            ]
        },
        actor=actor,
    )
    item.refresh_from_db()
    assert (
        item.position,
        item.delivery_type,
        item.delivery_method,
        item.expected_on,
        item.purchase_price,
        item.commission,
        item.adjustments,
        item.identifiers,
        item.metadata,
        item.options,
    ) == (
        "B-02-1",
        "collect",
        "Pick-up in the roastery",
        dt.date(2026, 12, 4),
        Decimal("3.10"),
        Decimal("0.85"),
        [{"label": "Gift wrap", "amount": "1.50"}],
        {"grind": "espresso"},
        {"gift_note": "Happy birthday"},
        {"allocate": True, "fulfil": True, "cover": False, "invoice": False},
    )
    assert item.line_total == Decimal("20.17")  # (2 × 8.50 + 1.50) + 9 % tax (1.665 rounded half up)
    event = order.events.order_by("-id").first()
    assert event.message == (
        "Edited line 1 (adjustments), line 1 (commission), line 1 (delivery method), line 1 (delivery type), "
        "line 1 (expected on), line 1 (identifiers), line 1 (metadata), line 1 (options), line 1 (position), "
        "line 1 (purchase price)."
    )
    changes = event.data["changes"]
    assert "items" not in changes  # the lines themselves (SKU, quantity, price) did not change
    assert changes["line_1.position"] == {"before": "", "after": "B-02-1"}
    assert changes["line_1.expected_on"] == {"before": None, "after": "2026-12-04"}
    assert changes["line_1.purchase_price"] == {"before": None, "after": "3.10"}
    assert changes["line_1.metadata"] == {"before": {}, "after": {"gift_note": "Happy birthday"}}
    assert changes["line_1.options"] == {
        "before": {"allocate": True, "fulfil": True, "cover": True, "invoice": True},
        "after": {"allocate": True, "fulfil": True, "cover": False, "invoice": False},
    }


def test_sending_the_parameters_back_unchanged_records_nothing(catalog, actor):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2, "position": "A-1", "metadata": {"a": 1}}])
    item = order.items.get()
    order_update(
        order=order,
        changes={"items": [{"id": item.id, "position": "A-1", "metadata": '{"a": 1}', "expected_on": ""}]},
        actor=actor,
    )
    assert order.events.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("[1, 2]", 'metadata must be a JSON object of names and values such as {"colour": "black", "size": "250 g"}, '
         "not list."),
        ("null", 'metadata must be a JSON object of names and values such as {"colour": "black", "size": "250 g"}, '
         "not null."),
        ('{"a": NaN}', "metadata is not valid JSON: NaN is not a number JSON allows."),
        ("[" * 5000 + "]" * 5000, "metadata is not valid JSON: nested too deeply."),
        ('{"a": "' + "x" * 10_000 + '"}', "metadata is too large: at most 10000 characters."),
        ("{'a': 1}", "metadata is not valid JSON: Expecting property name enclosed in double quotes at line 1, "
         'column 2. Write an object such as {"colour": "black", "size": "250 g"}.'),
    ],
)  # fmt: skip
def test_metadata_typed_as_json_is_refused_in_words(typed, message):
    with pytest.raises(ValidationError) as refused:
        clean.mapping(typed, field="metadata")
    assert (refused.value.field, refused.value.message) == ("metadata", message)


def test_metadata_typed_as_json_is_read_and_blank_is_empty():
    assert clean.mapping(' {"size": "250 g", "n": 2} \n', field="metadata") == {"size": "250 g", "n": 2}
    assert clean.mapping("  ", field="metadata") == {}


def test_problems_gathers_and_raises_one_or_several():
    found = Problems()
    assert found.check(clean.quantity, "3", field="q") == 3
    found.raise_any()  # nothing found: nothing raised
    assert found.check(clean.quantity, "x", field="a") is None
    with pytest.raises(ValidationError) as one:
        found.raise_any()
    assert type(one.value) is ValidationError
    found.check(clean.customer, {"name": "", "email": "x"})
    with pytest.raises(InvalidInput) as several:
        found.raise_any()
    assert [p.field for p in several.value.problems] == ["a", "customer.name", "customer.email"]
