"""CSV files as merchants make them: encodings, delimiters, decimal commas, dates, and Shopify's orders export.

The Shopify export files in payloads/csv/ are re-typed from the documented format with invented people; each has a
`<name>.expect.json` with the shop's own figures, which the parsed orders must reproduce to the cent.
"""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderly.channels.connectors.csv_file import CsvRejected, parse_csv
from orderly.channels.connectors.csv_file.allocation import Receiver, Tax, allocate, split
from orderly.channels.models import SyncRun
from orderly.channels.services import channel_create, csv_import
from orderly.orders.models import Order

PAYLOADS = Path(__file__).parent / "payloads" / "csv"
SHOPIFY_FILES = sorted(p.stem for p in PAYLOADS.glob("shopify_*.csv"))
HEADER = "order_id,order_number,order_date,customer_name,sku,item_name,quantity,unit_price,discount,ship_name,ship_line1,ship_postal_code,ship_city,ship_country"  # noqa: E501


def _sum(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


def _totals(order) -> dict:
    """The order as our side computes it from the parse (the rule in the connector contract)."""
    lines, charges = [], []
    for item in order.items:
        subtotal = item["quantity"] * Decimal(item["unit_price"])
        tax = _sum(t["amount"] for t in item["tax_lines"])
        total = subtotal - Decimal(item["discount"]) + (0 if order.prices_include_tax else tax)
        lines.append(
            {
                "sku": item["sku"],
                "quantity": item["quantity"],
                "unit_price": item["unit_price"],
                "discount": item["discount"],
                "tax": f"{tax:.2f}",
                "total": f"{total:.2f}",
                "non_stock": item.get("options") == {"allocate": False, "fulfil": False},
            }
        )
    for charge in order.charges:
        tax = _sum(t["amount"] for t in charge["tax_lines"])
        total = Decimal(charge["amount"]) - Decimal(charge["discount"]) + (0 if order.prices_include_tax else tax)
        charges.append(
            {
                "kind": charge["kind"],
                "title": charge["title"],
                "amount": charge["amount"],
                "discount": charge["discount"],
                "tax": f"{tax:.2f}",
                "total": f"{total:.2f}",
            }
        )
    return {
        "lines": lines,
        "charges": charges,
        "total": f"{_sum(x['total'] for x in lines + charges):.2f}",
        "tax_total": f"{_sum(x['tax'] for x in lines + charges):.2f}",
        "discount_total": f"{_sum(x['discount'] for x in lines + charges):.2f}",
        "charges_total": f"{_sum(x['total'] for x in charges):.2f}",
    }


def _fulfilled(order) -> dict:
    units: dict[str, int] = {}
    for fulfillment in order.fulfillments:
        lines = fulfillment["lines"] or [
            {"line_id": item["identifiers"]["line_id"], "quantity": item["quantity"]} for item in order.items
        ]
        for line in lines:
            units[line["line_id"]] = units.get(line["line_id"], 0) + line["quantity"]
    return units


@pytest.mark.parametrize("name", SHOPIFY_FILES)
def test_shopify_exports_reproduce_the_shops_own_figures(name):
    expected = json.loads((PAYLOADS / f"{name}.expect.json").read_text())
    parsed = parse_csv((PAYLOADS / f"{name}.csv").read_bytes())

    assert parsed.file_format == "shopify_export"
    assert len(parsed) == len(expected["orders"])
    for (_, order), expect in zip(parsed, expected["orders"], strict=True):
        ours = _totals(order)
        assert (order.external_id, order.external_ref) == (expect["external_id"], expect["external_ref"])
        assert (order.currency, order.prices_include_tax) == (expect["currency"], expect["prices_include_tax"])
        assert ours["lines"] == expect["lines"]
        assert ours["charges"] == expect["charges"]
        for key in ("total", "tax_total", "discount_total", "charges_total"):
            assert ours[key] == expect[key], key
        assert (order.stated_total, order.stated_tax) == (expect["total"], expect["tax_total"])
        assert [{"code": c["code"], "amount": c["amount"]} for c in order.discount_codes] == expect["discount_codes"]
        assert order.customer["name"] == expect["customer_name"]
        assert order.is_test is expect["is_test"]
        assert {k: order.payment[k] for k in ("paid", "refunded")} == expect["payment"]
        assert _fulfilled(order) == expect["fulfilled_lines"]
        assert order.refunds == [] and expect["refunded_lines"] == {}
        assert order.external_status == expect["external_status"]
        if "notes" in expect:
            assert order.notes == expect["notes"]
        if "shipping_line2" in expect:
            assert order.shipping_address["line2"] == expect["shipping_line2"]


def test_shopify_export_keeps_addresses_line_ids_and_non_stock_lines():
    (_, order), (_, untaxed) = parse_csv((PAYLOADS / "shopify_multiline_address.csv").read_bytes())
    assert order.shipping_address == {
        "name": "Marisol Quintero",
        "company": "Quintero & Daughters, LLC",
        "line1": "350 Hudson Street",
        "line2": "Floor 4\nSuite 410 (use freight elevator)",
        "postal_code": "10014",
        "city": "New York",
        "region": "NY",
        "country": "US",
        "phone": "+1 212-555-0148",
        "email": "",
    }
    assert order.billing_address["line2"] == "Floor 4"
    assert [i["identifiers"]["line_id"] for i in order.items] == ["1", "2"]
    assert order.items[1]["options"] == {"allocate": False, "fulfil": False}
    assert order.items[0]["tax_lines"] == [
        {"title": "NY State Tax 4%", "rate": "4", "amount": "1.80"},
        {"title": "New York City Tax 4.5%", "rate": "4.5", "amount": "2.02"},
    ]
    assert order.items[0]["tax_rate"] == "8.5"
    assert (order.order_date, order.delivery_method) == ("2026-04-02T20:04:51+00:00", "UPS Ground")
    assert order.payment == {"state": "paid", "paid": "81.96", "refunded": "0.00"}
    assert untaxed.charges[0]["tax_lines"] == [] and untaxed.items[0]["tax_rate"] == "0"


def test_a_shopify_guest_order_has_no_address_and_a_guest_customer():
    orders = dict(
        (o.external_ref, o) for _, o in parse_csv((PAYLOADS / "shopify_refund_cancel_guest.csv").read_bytes())
    )
    guest = orders["#1046"]
    assert guest.customer == {"name": "Guest", "email": ""}
    assert (guest.shipping_address, guest.billing_address, guest.charges) == (None, None, [])
    assert guest.payment == {"state": "pending", "paid": "0.00", "refunded": "0.00"}
    assert orders["#1045"].external_status == "cancelled"
    assert orders["#1045"].payment == {"state": "refunded", "paid": "34.40", "refunded": "34.40"}


def _rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((PAYLOADS / f"{name}.csv").read_text(), newline="")))


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def test_a_shopify_export_resaved_by_a_european_spreadsheet_reads_the_same():
    rows = _rows("shopify_vat_discount")
    money = {n for n, c in enumerate(rows[0]) if c in ("Subtotal", "Shipping", "Taxes", "Total", "Lineitem price")}
    money |= {n for n, c in enumerate(rows[0]) if c.endswith(("Amount", "Value", "Balance", "discount"))}
    european = [rows[0]] + [[v.replace(".", ",") if n in money else v for n, v in enumerate(r)] for r in rows[1:]]
    content = b"\xef\xbb\xbf" + _csv(european, ";").encode()

    parsed = parse_csv(content)

    assert parsed.description == "The file looks semicolon-separated with decimal commas."
    assert [o for _, o in parsed] == [o for _, o in parse_csv((PAYLOADS / "shopify_vat_discount.csv").read_bytes())]


def _refused(content) -> CsvRejected:
    with pytest.raises(CsvRejected) as rejected:
        parse_csv(content)
    return rejected.value


def test_a_shopify_order_whose_figures_do_not_add_up_is_refused_at_its_total():
    rows = _rows("shopify_vat_discount")
    rows[1][rows[0].index("Total")] = "50.00"
    rejected = _refused(_csv(rows))
    assert rejected.errors == [
        {
            "line": 2,
            "column": "Total",
            "reason": "50.00 does not add up: Subtotal 42.43 + Shipping 4.95 + Taxes 5.84 = 53.22 (taxes on top), "
            "or 47.38 without Taxes (prices including tax)",
        }
    ]
    assert "Read as Shopify's orders export. The file looks comma-separated with decimal points." in rejected.message


def test_a_shopify_export_with_bad_rows_is_refused_whole_with_each_line_and_column():
    rows = _rows("shopify_vat_discount")
    header = rows[0]
    rows[2][header.index("Lineitem price")] = "12.5.0"
    rows[3][header.index("Currency")] = "USD"
    rows[3][header.index("Lineitem quantity")] = "0"
    rows[4][header.index("Email")] = "joris-at-example"
    assert _refused(_csv(rows)).errors == [
        {
            "line": 3,
            "column": "Lineitem price",
            "reason": "'12.5.0' is not a number (this file writes decimals as 12.50)",
        },
        {"line": 4, "column": "Lineitem quantity", "reason": "'0' is not a whole number from 1 to 1000000"},
        {"line": 4, "column": "Currency", "reason": "differs from line 2, the order's first row ('EUR')"},
        {"line": 5, "column": "Email", "reason": "'joris-at-example' is not an e-mail address"},
    ]


def test_a_shopify_export_missing_its_money_columns_is_refused_by_name():
    rows = _rows("shopify_vat_discount")
    keep = [n for n, c in enumerate(rows[0]) if c not in ("Total", "Taxes")]
    rejected = _refused(_csv([[r[n] for n in keep] for r in rows]))
    assert rejected.errors == [
        {"line": 1, "column": "Taxes", "reason": "required column of Shopify's orders export is missing"},
        {"line": 1, "column": "Total", "reason": "required column of Shopify's orders export is missing"},
    ]


def test_a_shopify_export_imports_through_the_csv_channel(db):
    channel = channel_create(name="Shopify exports", kind="csv")  # Shopify's statuses are known by default
    run = csv_import(channel=channel, content=(PAYLOADS / "shopify_refund_cancel_guest.csv").read_bytes())
    assert (run.imported, run.failed) == (3, 0)
    assert "Shopify" in run.trigger
    assert {o.external_ref: o.status for o in Order.objects.all()} == {
        "#1045": "canceled",
        "#1046": "draft",
        "#1047": "open",
    }


# -- our own format as spreadsheets write it ---------------------------------------------------------------------
def _ours(*rows: str, delimiter: str = ",") -> str:
    return "\n".join([HEADER.replace(",", delimiter), *rows]) + "\n"


def test_a_semicolon_file_with_decimal_commas_reads_its_amounts():
    parsed = parse_csv(
        _ours(
            "A1;1001;2026-11-29;Anneke;ESP-250;Espresso;2;9,50;1,00;Anneke;Main 1;1011 AA;Amsterdam;NL",
            "A1;1001;2026-11-29;Anneke;ESP-1000;Espresso 1 kg;1;1.234,50;;Anneke;Main 1;1011 AA;Amsterdam;NL",
            delimiter=";",
        )
    )
    ((line, order),) = parsed
    assert parsed.description == "The file looks semicolon-separated with decimal commas."
    assert [(i["unit_price"], i.get("discount")) for i in order.items] == [("9.50", "1.00"), ("1234.50", None)]
    assert (line, order.order_date) == (2, "2026-11-29T00:00:00+00:00")


def test_a_semicolon_file_refuses_what_is_not_a_number_and_says_how_it_read_the_file():
    rejected = _refused(
        _ours(
            "A1;;;Anneke;ESP-250;;2;9,50;;Anneke;Main 1;1011 AA;Amsterdam;NL",
            "A2;;;Bram;ESP-250;;1;12.5.0;;Bram;Dam 2;1012 AB;Amsterdam;NL",
            "A3;;;Cas;ESP-250;;1;10.00;0,50;Cas;Dam 3;1012 AB;Amsterdam;NL",
            "A4;;;Dirk;ESP-250;;1;1.250;;Dirk;Dam 4;1012 AB;Amsterdam;NL",
            delimiter=";",
        )
    )
    assert rejected.errors == [
        {"line": 3, "column": "unit_price", "reason": "'12.5.0' is not a number (this file writes decimals as 12,50)"},
        {
            "line": 4,
            "column": "unit_price",
            "reason": "'10.00' has a decimal point, but this file writes decimals with a comma (e.g. 12,50)",
        },
        {
            "line": 5,
            "column": "unit_price",
            "reason": "'1.250' is ambiguous: write it without a thousands point (e.g. 1234 or 1234,00)",
        },
    ]
    assert rejected.message.startswith("The file was not imported: 3 error(s). First: line 3, column unit_price:")
    assert rejected.message.endswith("The file looks semicolon-separated with decimal commas.")


@pytest.mark.parametrize(
    "value, reason",
    [
        ('"1,234"', "'1,234' is ambiguous: write it without a thousands comma, with a point for decimals"),
        ("9.999", "'9.999' has more than 2 decimals"),
    ],
)
def test_a_comma_file_never_guesses_a_decimal_comma(value, reason):
    rejected = _refused(_ours(f"A1,,,Ann,ESP-250,,1,{value},,Ann,Main 1,1011 AA,Amsterdam,NL"))
    assert rejected.errors == [{"line": 2, "column": "unit_price", "reason": reason}]


def test_a_comma_file_takes_thousands_commas_beside_a_decimal_point():
    ((_, order),) = parse_csv(_ours('A1,,,Ann,ESP-250,,1,"1,234.50",,Ann,Main 1,1011 AA,Amsterdam,NL'))
    assert order.items[0]["unit_price"] == "1234.50"


def test_a_comma_file_with_quoted_decimal_commas_reads_them():
    """LibreOffice in a decimal-comma language saves comma-separated with the amounts quoted."""
    parsed = parse_csv(_ours('A1,,,Ann,ESP-250,,1,"12,50","0,50",Ann,Main 1,1011 AA,Amsterdam,NL'))
    assert parsed.description == "The file looks comma-separated with decimal commas."
    assert (parsed[0][1].items[0]["unit_price"], parsed[0][1].items[0]["discount"]) == ("12.50", "0.50")


def test_a_tab_separated_file_with_a_bom_and_windows_line_ends_reads():
    content = "\ufeff" + _ours("A1\t\t\tAnn\tESP-250\t\t2\t9.50\t\tAnn\tMain 1\t1011 AA\tAmsterdam\tNL", delimiter="\t")
    parsed = parse_csv(content.replace("\n", "\r\n").encode())
    ((_, order),) = parsed
    assert parsed.description == "The file looks tab-separated with decimal points."
    assert (order.customer["name"], order.items[0]["unit_price"]) == ("Ann", "9.50")


def test_excels_sep_line_sets_the_delimiter_and_moves_the_header_to_line_2():
    content = "sep=;\n" + _ours("A1;;;;ESP-250;;2;9,50;;Ann;Main 1;1011 AA;Amsterdam;NL", delimiter=";")
    rejected = _refused(content)
    assert rejected.errors == [{"line": 3, "column": "customer_name", "reason": "is required"}]


def test_a_sep_line_may_name_the_tab():
    row = "A1\t\t\tAnn\tESP-250\t\t2\t9.50\t\tAnn\tMain 1\t1011 AA\tAmsterdam\tNL"
    content = "sep=\t\n" + _ours(row, delimiter="\t")
    assert parse_csv(content).description == "The file looks tab-separated with decimal points."


def test_header_problems_say_which_delimiter_the_file_seemed_to_use():
    rejected = _refused("order_id;colour\nA1;red\n")
    assert {"line": 1, "column": "colour", "reason": "unknown column"} in rejected.errors
    assert rejected.message.endswith("The file looks semicolon-separated.")


def test_a_windows_1252_file_is_read_as_such_and_says_so():
    content = _ours(
        "A1,,,Jörg Weiß,ESP-250,Café Crème – 250 g,1,9.50,,Jörg Weiß,Straße 1,50667,Köln,DE",
        "A2,,,Zoë,ESP-250,Gift “€5” bundle,1,5.00,,Zoë,Rue 2,75001,Paris,FR",
    ).encode("cp1252")
    parsed = parse_csv(content)
    (_, first), (_, second) = parsed
    assert (first.customer["name"], first.items[0]["name"]) == ("Jörg Weiß", "Café Crème – 250 g")
    assert second.items[0]["name"] == "Gift “€5” bundle"
    assert parsed.description == "The file looks comma-separated with decimal points, read as Windows-1252."
    assert parsed.notices[0].startswith("The file is not UTF-8; it was read as Windows-1252")
    assert "CSV UTF-8" in parsed.notices[0]


def test_a_refused_windows_1252_file_says_how_it_was_read():
    rejected = _refused(_ours("A1,,,Jörg,ESP-250,,0,9.50,,Jörg,Straße 1,50667,Köln,DE").encode("cp1252"))
    assert rejected.errors == [
        {"line": 2, "column": "quantity", "reason": "'0' is not a whole number from 1 to 1000000"}
    ]
    assert "read as Windows-1252" in rejected.message
    assert "The file is not UTF-8; it was read as Windows-1252" in rejected.message


@pytest.mark.parametrize(
    "content, hint",
    [
        (b"order_id,sku\n\x81\x02\x03binary", "It is not Windows-1252 text either."),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xe2\xb8", "It looks like an Excel workbook"),
        (b"\xff\xfeo\x00r\x00", "It looks like UTF-16"),
    ],
)
def test_files_that_are_not_text_are_refused_with_how_to_save_as_utf8(content, hint):
    rejected = _refused(content)
    assert rejected.errors[0]["reason"].startswith("the file is not UTF-8 text (")
    assert hint in rejected.message
    assert "“CSV UTF-8 (Comma delimited)”" in rejected.message and "LibreOffice" in rejected.message


@pytest.mark.parametrize(
    "dates, expected",
    [
        (["2026-11-29"], ["2026-11-29T00:00:00+00:00"]),
        (["29.11.2026"], ["2026-11-29T00:00:00+00:00"]),
        (["29/11/2026", "05/11/2026"], ["2026-11-29T00:00:00+00:00", "2026-11-05T00:00:00+00:00"]),
        (["11/29/2026", "05/11/2026"], ["2026-11-29T00:00:00+00:00", "2026-05-11T00:00:00+00:00"]),
        (["2026-11-29T10:15:00+01:00"], ["2026-11-29T09:15:00+00:00"]),
    ],
)
def test_order_dates_in_the_forms_merchants_write(dates, expected):
    rows = [f"A{n},,{d},Ann,ESP-250,,1,9.50,,Ann,Main 1,1011 AA,Amsterdam,NL" for n, d in enumerate(dates)]
    assert [o.order_date for _, o in parse_csv(_ours(*rows))] == expected


@pytest.mark.parametrize(
    "value, reason",
    [
        (
            "05/11/2026",
            "'05/11/2026' could be day/month or month/day and no other date in the file tells which; "
            "write it as 2026-MM-DD",
        ),
        (
            "2026-11-29T10:15:00",
            "'2026-11-29T10:15:00' has no time zone; expected YYYY-MM-DD (e.g. 2026-11-29), DD.MM.YYYY, or an ISO "
            "8601 time with zone",
        ),
        (
            "31.02.2026",
            "'31.02.2026' is not a date in the calendar; expected YYYY-MM-DD (e.g. 2026-11-29), "
            "DD.MM.YYYY, or an ISO 8601 time with zone",
        ),  # fmt: skip
    ],
)
def test_order_dates_that_are_ambiguous_or_incomplete_are_refused_with_the_expected_form(value, reason):
    rejected = _refused(_ours(f"A1,,{value},Ann,ESP-250,,1,9.50,,Ann,Main 1,1011 AA,Amsterdam,NL"))
    assert rejected.errors == [{"line": 2, "column": "order_date", "reason": reason}]


def test_a_date_only_order_date_imports(db, variants):
    channel = channel_create(name="Files", kind="csv")
    csv_import(channel=channel, content=_ours("A1,,2026-11-29,Ann,ESP-250,,1,9.50,,Ann,Main 1,1011 AA,Amsterdam,NL"))
    assert Order.objects.get().order_date.isoformat() == "2026-11-29T00:00:00+00:00"
    assert SyncRun.objects.get().imported == 1


# -- allocation -------------------------------------------------------------------------------------------------
def test_split_adds_up_to_the_cent_and_gives_leftover_cents_by_largest_remainder():
    assert split(Decimal("4.72"), [Decimal("19.00"), Decimal("10.00"), Decimal("18.15")]) == [
        Decimal("1.90"),
        Decimal("1.00"),
        Decimal("1.82"),
    ]
    assert split(Decimal("0.10"), [Decimal(1)] * 3) == [Decimal("0.03"), Decimal("0.03"), Decimal("0.04")]
    assert split(Decimal("1.00"), [Decimal(0), Decimal(0)]) == [Decimal("0.50"), Decimal("0.50")]


def test_a_tax_without_a_rate_in_its_name_is_spread_by_amount_and_shows_the_rate_its_amounts_give():
    lines = allocate(
        [Tax("IVA", None, Decimal("4.20"))],
        [Receiver(Decimal("15.00"), True), Receiver(Decimal("5.00"), True), Receiver(Decimal("9.00"), False)],
        inside=False,
    )
    assert lines == [
        [{"title": "IVA", "rate": "21", "amount": "3.15"}],
        [{"title": "IVA", "rate": "21", "amount": "1.05"}],
        [],
    ]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_shopify_export_with_any_cells_changed_is_parsed_or_refused_with_reasons(data):
    rows = _rows(data.draw(st.sampled_from(SHOPIFY_FILES)))
    for _ in range(data.draw(st.integers(1, 4))):
        row = data.draw(st.integers(1, len(rows) - 1))
        column = data.draw(st.integers(0, len(rows[0]) - 1))
        odd = st.sampled_from(["", "0", "-1", "1e9", "NaN", "1,234", "²", "9" * 23, "12,50", "29/11/2026"])
        rows[row][column] = data.draw(st.text(max_size=12) | odd)
    try:
        parse_csv(_csv(rows, data.draw(st.sampled_from([",", ";", "\t"]))))
    except CsvRejected as rejected:
        assert rejected.errors and all(e["reason"] for e in rejected.errors)
