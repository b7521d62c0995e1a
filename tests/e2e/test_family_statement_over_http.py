"""A family's statement of the sample school over HTTP, as JSON, XLSX and PDF,
each holding what the family's balance, payments, shares and refunds hold;
and the bank formats a school saved, as last saved."""

import io

import openpyxl
import pypdf
import pytest

from domain.school import School
from infra.tokens import Role
from projections import funds

SCHOOL = School.id_for("PC-101")
STATEMENT = f"/v1/schools/{SCHOOL}/students/{{student}}/statement"
FORMATS = f"/v1/schools/{SCHOOL}/bank-formats"
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
    token = sample.token("statement-bursar", Role.BURSAR, schools=["PC-101"])
    with sample.client(token) as client:
        yield client


@pytest.fixture(scope="module")
def refunded(sample) -> str:
    """The sample's student who withdrew and was refunded."""
    found = sample.system.queries.rows(
        "SELECT student_id FROM refunds WHERE school_id = %s LIMIT 1", (SCHOOL,)
    )
    return found[0]["student_id"]


def test_a_familys_statement_holds_its_balance_payments_shares_and_refunds(
    bursar, refunded
):
    answer = bursar.get(STATEMENT.format(student=refunded))
    assert answer.status_code == 200, answer.text
    statement = answer.json()
    balance = bursar.get(f"/v1/schools/{SCHOOL}/students/{refunded}/balance").json()
    assert statement["balance"] | {"position": 0} == balance | {"position": 0}
    payments = bursar.get(
        f"/v1/schools/{SCHOOL}/payments", params={"student_id": refunded}
    ).json()["payments"]
    assert statement["payments"] == payments and payments
    shares = bursar.get(f"/v1/schools/{SCHOOL}/students/{refunded}/shares").json()
    assert statement["shares"] == shares and shares
    [refund] = statement["refunds"]
    assert refund["status"] == "paid" and refund["student_id"] == refunded


def test_a_familys_statement_as_xlsx_has_a_row_for_each_thing_and_its_balance(
    bursar, refunded
):
    statement = bursar.get(STATEMENT.format(student=refunded)).json()
    answer = bursar.get(STATEMENT.format(student=refunded), params={"format": "xlsx"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].endswith(
        f'filename="statement-{refunded}.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert header[0] == "项目 item" and header[-1] == "金额 amount"
    items = [row[0] for row in rows]
    assert items.count("缴费 payment") == len(statement["payments"])
    assert items.count("课次 session") == len(statement["shares"])
    assert items.count("退款 refund") == 1
    totals = {row[4]: row[5] for row in rows if row[0] == "合计 balance"}
    assert totals["已缴 paid"] == statement["balance"]["paid"]
    assert totals["余额 credit"] == statement["balance"]["credit"]
    assert totals["尚欠 still owed"] == statement["balance"]["owed"]
    paid = [row[5] for row in rows if row[0] == "缴费 payment"]
    assert paid == [p["amount"] for p in statement["payments"]]


def test_a_familys_statement_as_pdf_is_in_chinese(bursar, refunded):
    answer = bursar.get(STATEMENT.format(student=refunded), params={"format": "pdf"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    assert "家庭对账单" in text and refunded in text and "缴费" in text


def test_the_statement_of_a_student_never_charged_or_of_another_school_is_not_found(
    sample, bursar
):
    assert bursar.get(STATEMENT.format(student="PC-101-NOBODY")).status_code == 404
    other = sample.token("statement-other", Role.BURSAR, schools=["PC-102"])
    with sample.client(other) as client:
        student = funds.students(sample.system.queries, SCHOOL, "all", 1)[0][0]
        assert client.get(STATEMENT.format(student=student)).status_code == 404


def test_the_bank_formats_a_school_saved_are_listed_as_last_saved(sample, bursar):
    assert bursar.get(FORMATS).json() == []
    assert bursar.put(f"{FORMATS}/icbc", json=ICBC).status_code == 200
    changed = ICBC | {"encoding": "gb18030"}
    assert bursar.put(f"{FORMATS}/icbc", json=changed).status_code == 200
    assert bursar.put(f"{FORMATS}/abc", json=ICBC).status_code == 200
    sample.system.projector.catch_up()
    saved = bursar.get(FORMATS).json()
    assert [(f["name"], f["encoding"]) for f in saved] == [
        ("abc", "gbk"),
        ("icbc", "gb18030"),
    ]
    assert saved[1]["description"] == ["摘要", "对方户名"]
    assert saved[1]["amount"] == "" and saved[1]["saved_by"] == "statement-bursar"
    other = sample.token("formats-other", Role.BURSAR, schools=["PC-102"])
    with sample.client(other) as client:
        assert client.get(FORMATS).status_code == 404
        mine = f"/v1/schools/{School.id_for('PC-102')}/bank-formats"
        assert client.get(mine).json() == []
