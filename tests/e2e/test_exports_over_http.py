"""The bursar's downloads of the sample school: the trial balance and the
journal as CSV (UTF-8 with a BOM) and XLSX, the payslips as XLSX and PDF with
Chinese text in an embedded CJK font; each holds the figures the JSON answer
gives."""

import csv
import io
from datetime import date

import openpyxl
import pypdf
import pytest

from domain.payroll import PayrollRun
from domain.school import School
from infra.tokens import Role

SCHOOL = School.id_for("PC-101")
RUN = PayrollRun.id_for(SCHOOL, date(2026, 9, 1))
TRIAL = "/v1/ledger/trial-balance"
PAYSLIPS = f"/v1/payroll/{RUN}/payslips"


@pytest.fixture(scope="module")
def bursar(sample):
    token = sample.token("exports-bursar", Role.BURSAR, schools=["PC-101"])
    with sample.client(token) as client:
        yield client


def test_the_trial_balance_as_csv_opens_in_excel_with_the_json_figures(bursar):
    params = {"school_id": str(SCHOOL)}
    figures = bursar.get(TRIAL, params=params).json()
    answer = bursar.get(TRIAL, params=params | {"format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    *rows, total = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["account"], r["debit"], r["credit"], r["balance"]) for r in rows] == [
        (a["account"], a["debit"], a["credit"], a["balance"])
        for a in figures["accounts"]
    ]
    assert total["account"] == "合计 total"
    assert (total["debit"], total["credit"]) == (
        figures["total_debit"],
        figures["total_credit"],
    )


def test_the_trial_balance_as_xlsx_holds_the_json_figures(bursar):
    params = {"school_id": str(SCHOOL)}
    figures = bursar.get(TRIAL, params=params).json()
    answer = bursar.get(TRIAL, params=params | {"format": "xlsx"})
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header, *rows, total = sheet.iter_rows(values_only=True)
    assert header == ("school_id", "account", "kind", "debit", "credit", "balance")
    assert [row[1] for row in rows] == [a["account"] for a in figures["accounts"]]
    assert total[3:5] == (figures["total_debit"], figures["total_credit"])


def test_the_journal_as_csv_and_xlsx_holds_the_json_lines(bursar):
    path, page = f"/v1/schools/{SCHOOL}/ledger/entries", {"limit": 50}
    fields = ("position", "account", "flow", "debit", "credit")
    lines = [
        (str(e["position"]), *(line[f] for f in fields[1:]))
        for e in bursar.get(path, params=page).json()
        for line in e["lines"]
    ]
    answer = bursar.get(path, params=page | {"format": "csv"})
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))
    assert [tuple(r[f] for f in fields) for r in rows] == lines
    answer = bursar.get(path, params=page | {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    _, *cells = sheet.iter_rows(values_only=True)
    assert [(str(c[0]), c[4], c[5], c[6], c[7]) for c in cells] == lines


def test_payslips_as_xlsx_and_pdf_hold_each_teachers_pay(bursar):
    pays = bursar.get(PAYSLIPS).json()
    assert pays
    book = bursar.get(PAYSLIPS, params={"format": "xlsx"})
    _, *rows = openpyxl.load_workbook(io.BytesIO(book.content)).active.iter_rows(
        values_only=True
    )
    assert len(rows) == sum(len(pay["lines"]) for pay in pays)
    assert {(row[1], row[9]) for row in rows} == {
        (pay["teacher_code"], pay["gross"]) for pay in pays
    }
    document = bursar.get(PAYSLIPS, params={"format": "pdf"})
    assert document.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(document.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "工资条" in text
    assert all(pay["gross"] in text for pay in pays)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in name or "MicroHei" in name for name in fonts), fonts
