"""Code 128: the symbol table against ReportLab's, encodings against published examples, and round trips."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.graphics.barcode.code128 import _patterns as reportlab_patterns

from orderly.carriers.labels import code128
from tests.carriers.test_labels_reading import decode_widths


def test_symbol_table_matches_reportlab_and_the_symbology_rules():
    as_digits = {v: "".join(str("abcd".index(c.lower()) + 1) for c in p) for v, p in reportlab_patterns.items()}
    assert [as_digits[value] for value in range(106)] == list(code128.PATTERNS)
    assert len(set(code128.PATTERNS)) == 106
    for pattern in code128.PATTERNS:
        widths = [int(w) for w in pattern]
        assert sum(widths) == 11
        assert sum(widths[0::2]) % 2 == 0  # bars take an even number of modules in every symbol
    assert sum(int(w) for w in code128.STOP_PATTERN) == 13


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # published: "12345678" in set C has the check character 'O' (47)
        ("12345678", [105, 12, 34, 56, 78, 47, 106]),
        # published: "abcdef" in set B has the check value 97
        ("abcdef", [104, 65, 66, 67, 68, 69, 70, 97, 106]),
        # published (with start A there: 54): PJJ123C; start B adds one to the sum, so 55
        ("PJJ123C", [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]),
        # a parcel number: the trailing six digits go to set C
        ("PA-000123", [104, 48, 33, 13, 99, 0, 1, 23, 99, 106]),
        ("12", [105, 12, 14, 106]),
        ("123", [104, 17, 18, 19, 8, 106]),  # three digits: set B is as short
        ("12345", [105, 12, 34, 100, 21, 54, 106]),  # odd leading run: the last digit in set B
        ("A12345", [104, 33, 17, 99, 23, 45, 64, 106]),  # odd trailing run: the first digit in set B
        ("X00Y", [104, 56, 16, 16, 57, 56, 106]),  # two digits inside: switching would cost more
        ("A1234567B", [104, 33, 17, 99, 23, 45, 67, 100, 34, 99, 106]),
    ],
)
def test_encodings(text, values):
    assert code128.encode(text) == values
    assert code128.decode_values(values) == text


def test_published_bit_patterns_of_start_and_stop():
    def bits(pattern):
        return "".join(("1" if i % 2 == 0 else "0") * int(w) for i, w in enumerate(pattern))

    assert bits(code128.PATTERNS[code128.START_B]) == "11010010000"
    assert bits(code128.PATTERNS[code128.START_C]) == "11010011100"
    assert bits(code128.STOP_PATTERN) == "1100011101011"


def test_modules_of_a_parcel_number():
    widths = code128.modules("PA-000123")
    assert len(widths) == 9 * 6 + 7
    assert sum(widths) == 9 * 11 + 13
    assert widths[:6] == [2, 1, 1, 2, 1, 4]  # start B
    assert decode_widths(widths) == "PA-000123"


@pytest.mark.parametrize(("text", "message"), [("", "at least one"), ("PA-00é1", "position 5"), ("A\nB", "position 1")])
def test_refuses_what_sets_b_and_c_cannot_hold(text, message):
    with pytest.raises(ValueError, match=message):
        code128.encode(text)


def test_decode_values_refuses_a_wrong_check_symbol():
    with pytest.raises(ValueError, match="Check symbol 48"):
        code128.decode_values([105, 12, 34, 56, 78, 48, 106])


printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
digits = st.text(st.sampled_from("0123456789"), min_size=1, max_size=40)


@given(printable)
def test_round_trip_printable_ascii(text):
    assert decode_widths(code128.modules(text)) == text
    assert code128.decode_modules(code128.modules(text)) == text


@given(digits)
def test_round_trip_digits_and_set_c_makes_them_shorter(text):
    values = code128.encode(text)
    assert decode_widths(code128.modules(text)) == text
    assert len(values) - 3 <= max(len(text), (len(text) + 1) // 2 + 2)  # data symbols, switches included


@given(st.lists(st.one_of(printable, digits), min_size=1, max_size=4).map("".join))
def test_round_trip_mixed_runs(text):
    assert decode_widths(code128.modules(text)) == text
