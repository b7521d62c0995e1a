"""Chinese banks' own statement exports, read through a saved column mapping:
GBK CSV with 借方/贷方 columns, XLSX built here with openpyxl; every fault is
refused with a statement error, never guessed."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from application.handlers.bank import read_statement
from application.tables import MAX_UNPACKED
from domain.bankformats import ColumnMap
from domain.errors import InvalidBankFormat
from domain.statements import CREDIT, DEBIT, StatementError

ACCOUNT = "CN1200000000000001234"
HEADER = [
    "交易日期",
    "交易流水号",
    "摘要",
    "对方户名",
    "借方发生额",
    "贷方发生额",
    "余额",
]
SPLIT = ColumnMap(
    encoding="gbk",
    date_format="YYYYMMDD",
    date="交易日期",
    reference="交易流水号",
    description=("摘要", "对方户名"),
    debit="借方发生额",
    credit="贷方发生额",
    balance="余额",
)
SIGNED = ColumnMap(
    encoding="gb18030",
    date_format="YYYY-MM-DD",
    date="交易日期",
    reference="流水号",
    amount="交易金额",
    direction="借贷标志",
    credit_marks=("贷",),
    debit_marks=("借",),
)
ROWS = [
    ["20260901", "PC-101-S001-0901", "学费", "王建国", "", "360.00", '"1,360.00"'],
    ["20260902", "PAY-LI", "工资", "李老师", '"1,000.00"', "0.00", "360.00"],
]


def gbk_csv(rows=ROWS, header=HEADER, encoding="gbk") -> bytes:
    lines = ["账号:,CN1200000000000001234", "户名:,平城市和平街小学", ",".join(header)]
    lines += [",".join(row) for row in rows]
    lines.append("合计,,,,1000.00,360.00,")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["中国工商银行 账户明细"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def wide(text: str) -> str:
    return text.translate({ord("0") + d: 0xFF10 + d for d in range(10)})


def read(content: bytes, mapping=SPLIT, form="csv-mapped"):
    return read_statement(form, content, ACCOUNT, mapping, "icbc")


def test_a_gbk_export_with_debit_and_credit_columns_is_read_line_by_line():
    content = gbk_csv()
    assert "贷方".encode("gbk") in content and b"\xe8\xb4\xb7" not in content
    statement = read(content)
    credit, debit = statement.lines
    assert (credit.reference, credit.amount, credit.direction) == (
        "PC-101-S001-0901",
        36000,
        CREDIT,
    )
    assert credit.booked_on == date(2026, 9, 1)
    assert credit.description == "学费 王建国"
    assert (debit.amount, debit.direction) == (100000, DEBIT)
    assert (statement.opening, statement.closing) == (100000, 36000)
    assert statement.reconciles
    assert statement.version == "csv-mapped:icbc"


def test_an_amount_with_its_direction_mark_is_read_in_gb18030():
    header = ["交易日期", "流水号", "交易金额", "借贷标志"]
    rows = [
        ["2026-09-01 10:31:02", "X-1", "360.00", "贷"],
        ["2026-09-03", "X-2", "5", "借"],
    ]
    statement = read(gbk_csv(rows, header, "gb18030"), SIGNED)
    assert [(x.amount, x.direction) for x in statement.lines] == [
        (36000, CREDIT),
        (500, DEBIT),
    ]
    assert statement.opening is None


def test_an_xlsx_export_is_read_with_its_typed_cells():
    rows = [
        [date(2026, 9, 1), "PC-101-S001-0901", "学费", "王建国", None, 360, 1360.5],
        ["20260902", "PAY-LI", "工资", "李老师", Decimal("1000.5"), None, 360],
    ]
    statement = read(xlsx(rows), form="xlsx")
    assert [(x.amount, x.direction) for x in statement.lines] == [
        (36000, CREDIT),
        (100050, DEBIT),
    ]
    assert statement.closing == 36000
    assert statement.version == "xlsx:icbc"


def test_a_utf8_file_read_as_gbk_is_refused_for_its_encoding():
    with pytest.raises(StatementError, match=r"not gbk text|encoding"):
        read(gbk_csv(encoding="utf-8"))


def test_a_gbk_file_read_as_utf8_is_refused_naming_the_byte():
    with pytest.raises(StatementError, match="not utf-8 text: byte"):
        read(gbk_csv(), ColumnMap(**SPLIT.__dict__ | {"encoding": "utf-8"}))


def test_a_mapped_column_missing_from_the_header_is_named():
    header = [*HEADER[:4], "支出", *HEADER[5:]]
    with pytest.raises(StatementError, match="借方发生额") as raised:
        read(gbk_csv(header=header))
    assert raised.value.context["missing"] == ["借方发生额"]


def test_a_debit_and_a_credit_on_one_line_is_refused():
    rows = [["20260901", "X", "", "", "1.00", "2.00", ""]]
    with pytest.raises(StatementError, match="row 4: both a debit and a credit"):
        read(gbk_csv(rows))


@pytest.mark.parametrize(
    "amount", [wide("360.00"), "360.005", "-360.00", '"1,3600.00"', "三百", "360元"]
)
def test_an_amount_not_in_plain_ascii_figures_is_refused(amount):
    rows = [["20260901", "X", "", "", "", amount, ""]]
    with pytest.raises(StatementError, match="row 4"):
        read(gbk_csv(rows))


@pytest.mark.parametrize(
    "day", [wide("2026") + "0901", "2026-09-01", "20260230", "19990101"]
)
def test_a_date_not_in_the_mapped_format_is_refused(day):
    rows = [[day, "X", "", "", "", "1.00", ""]]
    with pytest.raises(StatementError, match="row 4"):
        read(gbk_csv(rows))


def test_a_direction_mark_not_mapped_is_refused():
    header = ["交易日期", "流水号", "交易金额", "借贷标志"]
    with pytest.raises(StatementError, match="none of the mapped marks"):
        read(gbk_csv([["2026-09-01", "X", "1.00", "收"]], header, "gb18030"), SIGNED)


def test_a_formula_without_a_cached_value_is_refused():
    rows = [[date(2026, 9, 1), "X", "", "", None, "=1+1", None]]
    with pytest.raises(StatementError, match="formula"):
        read(xlsx(rows), form="xlsx")


def test_an_xlsx_that_unpacks_past_the_cap_is_refused_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (MAX_UNPACKED + 1))
    bomb = out.getvalue()
    assert len(bomb) < MAX_UNPACKED // 100
    with pytest.raises(StatementError, match="unpacks to"):
        read(bomb, form="xlsx")


@pytest.mark.parametrize(
    "content",
    [b"\xd0\xcf\x11\xe0old", b"PK\x03\x04broken", b"not a workbook", b""],
)
def test_what_is_not_an_xlsx_workbook_is_refused(content):
    with pytest.raises(StatementError):
        read(content, form="xlsx")


def test_a_zip_that_is_no_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(StatementError, match="cannot be read"):
        read(out.getvalue(), form="xlsx")


@pytest.mark.parametrize(
    "changes",
    [
        {"encoding": "big5"},
        {"date_format": "DD/MM/YYYY"},
        {"debit": ""},
        {"amount": "交易金额"},
        {"credit": "交易日期"},
    ],
)
def test_a_mapping_that_cannot_be_read_by_is_refused(changes):
    with pytest.raises(InvalidBankFormat):
        ColumnMap(**SPLIT.__dict__ | changes).check()
