"""A bursar saves how their bank's export is read, then imports September's
statement of the sample school as the bank gives it (GBK CSV with 借方/贷方
columns, and XLSX) over HTTP: it reconciles to zero with the ledger."""

import base64
import io
from datetime import date

import openpyxl
import pytest

from domain.school import School
from domain.statements import CREDIT, Statement
from infra.tokens import Role
from projections.matching import ledger_statement

SCHOOL = School.id_for("PC-101")
ACCOUNT = "CN1200000000000001234"
FORMATS = f"/v1/schools/{SCHOOL}/bank-formats"
STATEMENTS = f"/v1/schools/{SCHOOL}/bank-statements"
HEADER = [
    "交易日期",
    "交易流水号",
    "摘要",
    "对方户名",
    "借方发生额",
    "贷方发生额",
    "余额",
]
ICBC = {
    "encoding": "gbk",
    "date_format": "YYYYMMDD",
    "date": "交易日期",
    "reference": "交易流水号",
    "description": ["摘要", "对方户名"],
    "debit": "借方发生额",
    "credit": "贷方发生额",
    "balance": "余额",
}


@pytest.fixture(scope="module")
def bursar(sample):
    client = sample.client(
        sample.token("bankfiles-bursar", Role.BURSAR, schools=["PC-101"])
    )
    answer = client.post(
        f"/v1/schools/{SCHOOL}/bank-account", json={"account": ACCOUNT}
    )
    assert answer.status_code == 200, answer.text
    yield client
    client.close()


@pytest.fixture(scope="module")
def september(sample, bursar) -> Statement:
    sample.system.projector.catch_up()
    return ledger_statement(
        sample.system.queries, SCHOOL, ACCOUNT, date(2026, 9, 1), date(2026, 9, 30)
    )


def table(statement: Statement) -> list[list]:
    """The bank's rows: one column for what left, one for what came in, and
    the running balance."""
    balance, rows = statement.opening, []
    for line in statement.lines:
        into = line.direction == CREDIT
        balance += line.amount if into else -line.amount
        rows.append(
            [
                f"{line.booked_on:%Y%m%d}",
                line.reference,
                line.description,
                "平城市教育局" if into else "",
                "" if into else yuan(line.amount),
                yuan(line.amount) if into else "",
                yuan(balance),
            ]
        )
    return rows


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def gbk_csv(statement: Statement) -> bytes:
    lines = ["账号,'" + ACCOUNT, ",".join(HEADER)]
    lines += [",".join(f'"{cell}"' for cell in row) for row in table(statement)]
    return "\r\n".join(lines).encode("gbk")


def workbook(statement: Statement) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["中国工商银行 账户交易明细"])
    sheet.append(HEADER)
    for row in table(statement):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_saving_the_same_bank_format_twice_records_it_once(sample, bursar):
    first = bursar.put(f"{FORMATS}/icbc", json=ICBC)
    assert first.status_code == 200, first.text
    head = sample.system.funds.head()
    again = bursar.put(f"{FORMATS}/icbc", json=ICBC)
    assert again.json() == first.json()
    assert sample.system.funds.head() == head
    sample.system.projector.catch_up()
    history = bursar.get(f"/v1/history/{first.json()['id']}")
    assert [h["actor"] for h in history.json()] == ["bankfiles-bursar"]


@pytest.mark.parametrize("form", ["csv-mapped", "xlsx"])
def test_a_banks_own_export_reconciles_to_zero(sample, bursar, september, form):
    assert bursar.put(f"{FORMATS}/icbc", json=ICBC).status_code == 200
    content = gbk_csv(september) if form == "csv-mapped" else workbook(september)
    body = {
        "format": form,
        "bank_format": "icbc",
        "content": base64.b64encode(content).decode(),
    }
    answer = bursar.post(STATEMENTS, json=body)
    assert answer.status_code == 201, answer.text
    sample.system.projector.catch_up()
    found = bursar.get(f"{STATEMENTS}/{answer.json()['id']}/reconciliation")
    assert found.status_code == 200, found.text
    result = found.json()
    assert result["difference"] == "0.00"
    assert result["unmatched_lines"] == [] and result["unmatched_movements"] == []
    assert len(result["matched"]) == len(september.lines) > 0


def test_a_gbk_export_under_a_utf8_mapping_is_refused_and_writes_nothing(
    sample, bursar, september
):
    utf8 = ICBC | {"encoding": "utf-8"}
    assert bursar.put(f"{FORMATS}/icbc-utf8", json=utf8).status_code == 200
    head = sample.system.funds.head()
    body = {
        "format": "csv-mapped",
        "bank_format": "icbc-utf8",
        "content": base64.b64encode(gbk_csv(september)).decode(),
    }
    answer = bursar.post(STATEMENTS, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"].endswith("/invalid-statement")
    assert "not utf-8 text" in answer.json()["detail"]
    assert sample.system.funds.head() == head
