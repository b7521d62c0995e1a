"""Amounts arrive as yuan in decimal strings: ASCII digits, an optional '-', at
most 12 digits before the point and 2 after, nothing around them."""

import sys

import pytest

from domain.errors import InvalidAmount
from domain.money import parse_yuan

FULLWIDTH_ONE = "\N{FULLWIDTH DIGIT ONE}"
ARABIC_INDIC_ONE = "\N{ARABIC-INDIC DIGIT ONE}"
OTHER_ONES = [
    FULLWIDTH_ONE,
    ARABIC_INDIC_ONE,
    "\N{EXTENDED ARABIC-INDIC DIGIT ONE}",
    "\N{DEVANAGARI DIGIT ONE}",
    "\N{MATHEMATICAL BOLD DIGIT ONE}",
]


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("360.00", 36000),
        ("360", 36000),
        ("0.5", 50),
        ("0.05", 5),
        ("-12.30", -1230),
        ("007.10", 710),
        ("999999999999.99", 99999999999999),
        ("-999999999999", -99999999999900),
    ],
)
def test_an_amount_in_ascii_digits_is_read_exactly_in_fen(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [f"{one}.00" for one in OTHER_ONES] + ["1.\N{ARABIC-INDIC DIGIT ZERO}0"],
)
def test_digits_of_other_scripts_are_refused(text):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


def test_every_decimal_digit_outside_ascii_is_refused():
    digits = [
        chr(point)
        for point in range(sys.maxunicode + 1)
        if chr(point).isdecimal() and point > 0x7F
    ]
    for digit in digits:
        with pytest.raises(InvalidAmount):
            parse_yuan(f"{digit}.00")
    assert len(digits) > 600


@pytest.mark.parametrize(
    "text", [" 1.00", "1.00 ", "1. 00", "1 000.00", "\t1.00", "1.00\n", "\u30001.00"]
)
def test_spaces_anywhere_are_refused_not_stripped(text):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


@pytest.mark.parametrize("text", ["1.234", "0.001", "360.000"])
def test_more_than_two_decimals_are_refused_never_rounded(text):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


def test_twelve_digits_before_the_point_are_the_most():
    assert parse_yuan("1" * 12) == int("1" * 12) * 100
    for text in ("1" * 13, "1" * 13 + ".00", "-" + "1" * 13):
        with pytest.raises(InvalidAmount):
            parse_yuan(text)


@pytest.mark.parametrize(
    "text", ["", "-", ".5", "1.", "+1.00", "--1", "1,000.00", "1e3", "¥5", "0x10"]
)
def test_anything_else_is_refused(text):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


def test_a_refusal_names_the_text_and_shows_an_example():
    with pytest.raises(InvalidAmount) as refused:
        parse_yuan(f"{FULLWIDTH_ONE}.00")
    assert f"'{FULLWIDTH_ONE}.00'" in refused.value.message
    assert "'360.00'" in refused.value.message


def test_a_long_text_is_named_by_its_start_only():
    with pytest.raises(InvalidAmount) as refused:
        parse_yuan("9" * 10_000)
    assert len(refused.value.message) < 300
