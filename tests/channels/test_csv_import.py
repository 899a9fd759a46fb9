import pytest

from orderly.channels.models import SyncRun
from orderly.channels.services import CsvRejected, channel_create, csv_import
from orderly.core.exceptions import ValidationError
from orderly.orders.models import Order

HEADER = "order_id,order_number,customer_name,customer_email,sku,quantity,unit_price,tax_rate,ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"  # noqa: E501
GOOD = (
    HEADER
    + "A1,1001,Ann,ann@example.com,ESP-250,2,9.50,9,Ann,Main 1,1011 AA,Amsterdam,NL\n"
    + "A1,1001,Ann,ann@example.com,DEC-250,1,10.00,9,Ann,Main 1,1011 AA,Amsterdam,NL\n"
    + "A2,1002,Bob,,ESP-1000,1,30.00,,Bob,Road 2,10115,Berlin,de\n"
)


@pytest.fixture
def csv_channel(db):
    return channel_create(name="Wholesale file", kind="csv")


def test_a_good_file_imports_one_order_per_order_id(csv_channel, variants):
    run = csv_import(channel=csv_channel, content=GOOD.encode())

    assert (run.kind, run.status, run.imported) == ("csv", "succeeded", 2)
    a1 = Order.objects.get(external_id="A1")
    assert [(i.sku, i.quantity) for i in a1.items.all()] == [("ESP-250", 2), ("DEC-250", 1)]
    assert (a1.external_ref, a1.customer_email, str(a1.subtotal)) == ("1001", "ann@example.com", "29.00")
    assert Order.objects.get(external_id="A2").shipping_address.country == "DE"


def test_the_same_file_twice_changes_nothing(csv_channel, variants):
    csv_import(channel=csv_channel, content=GOOD)
    run = csv_import(channel=csv_channel, content=GOOD)
    assert (run.imported, run.updated, run.skipped) == (0, 0, 2)
    assert Order.objects.count() == 2


def test_a_file_with_bad_rows_is_refused_whole_with_every_error(csv_channel, variants):
    bad = (
        HEADER
        + "A1,1001,Ann,ann@example.com,ESP-250,2,9.50,9,Ann,Main 1,1011 AA,Amsterdam,NL\n"
        + "A2,1002,,not-an-email,ESP-250,zero,9.999,150,Bob,Road 2,10115,Berlin,XX\n"
        + "A3,1003,Cy,,,1,1.00,,Cy,Lane 3,12345,Rome,IT\n"
        + "A4,1004,Di,,ESP-250,1\n"
    )
    with pytest.raises(CsvRejected) as rejected:
        csv_import(channel=csv_channel, content=bad)

    assert rejected.value.errors == [
        {"line": 3, "column": "customer_name", "reason": "is required"},
        {"line": 3, "column": "quantity", "reason": "'zero' is not a whole number from 1 to 1000000"},
        {"line": 3, "column": "unit_price", "reason": "'9.999' has more than 2 decimals"},
        {"line": 3, "column": "ship_country", "reason": "'XX' is not an ISO 3166-1 country code (e.g. NL, DE)"},
        {"line": 3, "column": "customer_email", "reason": "'not-an-email' is not an e-mail address"},
        {"line": 3, "column": "tax_rate", "reason": "'150' is more than 100"},
        {"line": 4, "column": "sku", "reason": "is required"},
        {"line": 5, "column": "", "reason": "has 6 fields, the header 13"},
    ]
    assert rejected.value.status == 422
    assert "line 3, column customer_name" in rejected.value.message
    assert (Order.all_objects.count(), SyncRun.objects.count()) == (0, 0)


def test_header_problems_are_named_by_column(csv_channel):
    with pytest.raises(CsvRejected) as rejected:
        csv_import(channel=csv_channel, content="order_id,colour,sku,sku\nA1,red,X,Y\n")
    errors = rejected.value.errors
    assert {"line": 1, "column": "colour", "reason": "unknown column"} in errors
    assert {"line": 1, "column": "sku", "reason": "column appears more than once"} in errors
    assert {"line": 1, "column": "quantity", "reason": "required column is missing"} in errors


def test_rows_of_one_order_must_agree_on_order_columns(csv_channel, variants):
    content = (
        HEADER
        + "A1,1001,Ann,ann@example.com,ESP-250,2,9.50,9,Ann,Main 1,1011 AA,Amsterdam,NL\n"
        + "A1,1001,Anne,ann@example.com,DEC-250,1,10.00,9,Ann,Main 1,1011 AA,Amsterdam,NL\n"
    )
    with pytest.raises(CsvRejected) as rejected:
        csv_import(channel=csv_channel, content=content)
    assert rejected.value.errors == [
        {"line": 3, "column": "customer_name", "reason": "differs from line 2 of the same order_id ('Ann')"}
    ]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "the file is empty; a header row is required"),
        (b"\xff\xfe\x00o", "the file is not UTF-8 text (invalid start byte)"),
        (HEADER.encode(), "the file has no rows after the header"),
    ],
)
def test_unreadable_files_are_refused(csv_channel, content, reason):
    with pytest.raises(CsvRejected) as rejected:
        csv_import(channel=csv_channel, content=content)
    assert rejected.value.errors[0]["reason"] == reason


def test_files_go_only_to_csv_channels(shopify):
    with pytest.raises(ValidationError):
        csv_import(channel=shopify, content=GOOD)


def test_an_unknown_sku_is_imported_with_an_error_naming_it(csv_channel, variants):
    csv_import(channel=csv_channel, content=HEADER + "B1,,Eve,,NOPE-1,1,5.00,,Eve,St 1,1000,Brussels,BE\n")
    order = Order.objects.get()
    assert order.error_code == "unknown_sku"
    assert "NOPE-1" in order.error_message
