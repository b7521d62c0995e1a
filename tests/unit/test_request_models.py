"""What a client may send: plain ASCII codes, text without control characters,
business dates from 2000 to 2100; each refusal names the field and the rule."""

import re

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from api import requests
from api.requests import (
    TEXT_PATTERN,
    YUAN_PATTERN,
    BankAccount,
    Code,
    Month,
    Reference,
    StatementUpload,
    StudentId,
    Text,
    YuanIn,
)
from domain.errors import InvalidAmount
from domain.money import parse_yuan

MODELS = [
    model
    for model in vars(requests).values()
    if isinstance(model, type)
    and issubclass(model, requests.Body)
    and model is not requests.Body
]
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
OTHER_TWOS = [
    "\N{FULLWIDTH DIGIT TWO}",
    "\N{ARABIC-INDIC DIGIT TWO}",
    "\N{EXTENDED ARABIC-INDIC DIGIT TWO}",
    "\N{DEVANAGARI DIGIT TWO}",
    "\N{THAI DIGIT TWO}",
    "\N{MATHEMATICAL BOLD DIGIT TWO}",
]
FULLWIDTH_ONE = "\N{FULLWIDTH DIGIT ONE}"


def refusal(model: type[BaseModel], body: dict) -> dict:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    [error] = refused.value.errors()
    return error


def example(model: type[BaseModel]) -> dict:
    return dict(model.model_config["json_schema_extra"]["examples"][0])


def date_fields(model: type[BaseModel]) -> dict[str, dict]:
    properties = model.model_json_schema()["properties"]
    found = {}
    for name, schema in properties.items():
        for shape in (schema, schema.get("items", {}), *schema.get("anyOf", [])):
            if shape.get("format") == "date":
                found[name] = shape
    return found


def test_every_date_a_client_sends_is_a_business_date():
    checked = []
    for model in MODELS:
        for name, schema in date_fields(model).items():
            assert schema.get("description", "").startswith("a business date"), (
                model.__name__,
                name,
            )
            body = example(model)
            assert name in body, f"{model.__name__}.{name} has no example to vary"
            many = isinstance(body[name], list)
            for bad in ("1999-12-31", "2101-01-01", "0001-01-01"):
                error = refusal(model, body | {name: [bad] if many else bad})
                assert error["loc"][0] == name
                assert "a business date falls from 2000-01-01" in error["msg"]
            for good in ("2000-01-01", "2100-12-31"):
                model.model_validate(body | {name: [good] if many else good})
            checked.append(f"{model.__name__}.{name}")
    assert len(checked) >= 14, checked


def test_a_leave_date_list_is_refused_by_the_item_that_breaks_the_rule():
    error = refusal(requests.LeaveCreate, {"dates": ["2026-11-23", "1999-01-01"]})
    assert error["loc"] == ("dates", 1)


@pytest.mark.parametrize("control", CONTROLS, ids=[hex(ord(c)) for c in CONTROLS])
def test_text_refuses_every_control_character_wherever_it_stands(control):
    for text in (control, f"a{control}", f"{control}a", f"Chess{control}club"):
        with pytest.raises(ValidationError, match="control characters"):
            TypeAdapter(Text).validate_python(text)


@pytest.mark.parametrize("text", [" ", "   ", "\u3000", "\xa0 ", "\u2003"])
def test_text_refuses_only_whitespace(text):
    with pytest.raises(ValidationError, match="only whitespace"):
        TypeAdapter(Text).validate_python(text)


@pytest.mark.parametrize(
    "text", ["Chess club", "珠算班", " leading and trailing ", "x", "¥ 5 ─ ok"]
)
def test_text_keeps_what_people_write(text):
    assert TypeAdapter(Text).validate_python(text) == text


def test_the_documented_text_pattern_says_what_the_validator_does():
    samples = [*CONTROLS, " ", "\u3000", "Chess club", "珠算班", "a\x00", "\x85x"]
    samples += [f"a{c}b" for c in CONTROLS] + ["\xa0x", "x\u2028y"]
    for text in samples:
        documented = re.fullmatch(TEXT_PATTERN, text) is not None
        try:
            TypeAdapter(Text).validate_python(text)
            accepted = True
        except ValidationError:
            accepted = False
        assert documented == accepted, repr(text)


@pytest.mark.parametrize("kind", [Code, Reference, StudentId, BankAccount, Month])
def test_codes_take_ascii_only_without_control_characters(kind):
    valid = "2026-09" if kind is Month else "AB12345"
    candidates = [valid + c for c in CONTROLS] + [valid + "\n"]
    candidates += [valid.replace("2", two) for two in OTHER_TWOS]
    for text in candidates:
        with pytest.raises(ValidationError):
            TypeAdapter(kind).validate_python(text)
    assert TypeAdapter(kind).validate_python(valid) == valid


@pytest.mark.parametrize("account", ["     ", " CN1200001234", "CN1200001234 "])
def test_a_bank_account_starts_and_ends_with_a_letter_or_digit(account):
    with pytest.raises(ValidationError):
        TypeAdapter(BankAccount).validate_python(account)


@pytest.mark.parametrize(
    ("month", "accepted"),
    [("1999-12", False), ("2000-01", True), ("2100-12", True), ("2101-01", False)],
)
def test_a_month_falls_from_2000_to_2100(month, accepted):
    adapter = TypeAdapter(Month)
    if accepted:
        assert adapter.validate_python(month) == month
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(month)


def test_an_amount_refusal_names_the_rule():
    body = example(requests.PaymentCreate) | {"amount": f"{FULLWIDTH_ONE}.00"}
    error = refusal(requests.PaymentCreate, body)
    assert error["loc"] == ("amount",)
    rule = f"'{FULLWIDTH_ONE}.00' is not an amount in yuan such as '360.00'"
    assert rule in error["msg"]


def test_the_documented_amount_pattern_says_what_parsing_does():
    samples = ["360.00", "0.5", "-1", "1" * 12, "1" * 13, "1.234", " 1.00", "1.00 "]
    samples += ["1.00\n", "", "-", "1.", ".5", "+1", f"{FULLWIDTH_ONE}.00"]
    samples += [f"1.{two}0" for two in OTHER_TWOS]
    for text in samples:
        documented = re.fullmatch(YUAN_PATTERN, text) is not None
        try:
            parse_yuan(text)
            parsed = True
        except InvalidAmount:
            parsed = False
        assert documented == parsed, repr(text)
    assert TypeAdapter(YuanIn).validate_python("360.00") == 36000


def test_a_statement_keeps_its_lines_and_tabs_but_refuses_nul():
    content = "date,reference\n2026-09-01,\tPC-101\r\n"
    upload = StatementUpload(format="csv", content=content)
    assert upload.content == content
    error = refusal(StatementUpload, {"format": "csv", "content": "a\x00b"})
    assert error["loc"] == ("content",)
    assert "NUL" in error["msg"]
