"""Two bursars of one school: one asks for a refund of a family's credit and
may not approve it herself (the refusal and its status are on the page), the
other sees it waiting and approves it, in Chinese; in English a bank's own
export is uploaded and reconciled, and a family's statement downloaded."""

import io
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from application import commands as c
from domain.bankformats import ColumnMap
from domain.facts import Actor
from domain.person import Kind, person_id_for
from domain.school import School
from domain.statements import CREDIT
from infra.tokens import Role
from projections import funds
from projections import lists as q
from projections.confirmations import shares_of
from projections.matching import ledger_statement
from samples.pingcheng import family
from tests.browser.conftest import amount, watch

SCHOOL = School.id_for("PC-101")
ACCOUNT = "CN1200000000000009876"
ICBC = ColumnMap(
    encoding="gbk",
    date_format="YYYYMMDD",
    date="交易日期",
    reference="交易流水号",
    description=("摘要",),
    debit="借方发生额",
    credit="贷方发生额",
    balance="余额",
)


def bursar_token(console, which: str = "demo-bursar-pc-101") -> str:
    return console.token(which, Role.BURSAR, schools=["PC-101"])


def refund_row(page, reference: str):
    return page.locator(f"tr.refund[data-reference='{reference}']")


@pytest.fixture
def in_credit(console) -> tuple[str, int]:
    """A family of the sample school in credit: a student and their credit."""
    queries = console.served.system.queries
    found = funds.students(queries, SCHOOL, "in credit", 100)
    student, figures = max(found, key=lambda x: x[1].credit)
    assert figures.credit >= 1000
    return student, figures.credit


def test_a_bursar_may_not_approve_her_own_refund_and_another_approves_it(
    console, browser, desktop, in_credit
):
    student, _ = in_credit
    desktop.sign_in(bursar_token(console))
    page = desktop.page
    expect(page.locator("h1")).to_have_text("财务")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.screenshot("bursar-home-zh")

    page.get_by_role("link", name="登记缴费或申请退款").click()
    page.locator("#refund-student").fill(student)
    page.locator("#refund-amount").fill("10.00")
    page.get_by_label("原因", exact=True).fill("家长申请退回余额")
    page.get_by_label("退款编号").fill("RF-BROWSER-0001")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.screenshot("bursar-money-zh")
    page.get_by_role("button", name="申请退款").click()
    expect(page.get_by_role("status")).to_contain_text("退款申请已提交")
    asked = refund_row(page, "RF-BROWSER-0001")
    expect(asked).to_contain_text("须由另一位财务人员批准")
    expect(asked).to_contain_text("¥10.00")
    desktop.assert_stayed_home()  # before the refusal, which the browser logs

    with page.expect_response("**/approval") as answered:
        asked.get_by_role("button", name="批准").click()
    assert answered.value.status == 403
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("须由另一人办理")
    expect(alert).to_contain_text("403")
    expect(refund_row(page, "RF-BROWSER-0001")).to_be_visible()
    desktop.screenshot("bursar-refused-zh")

    other = watch(browser.new_context(), console.base_url)
    other.sign_in(bursar_token(console, "demo-approver-pc-101"))
    waiting = refund_row(other.page, "RF-BROWSER-0001")
    expect(waiting).not_to_contain_text("须由另一位财务人员批准")
    waiting.get_by_role("button", name="批准").click()
    expect(other.page.get_by_role("status")).to_have_text("退款已批准。")
    expect(refund_row(other.page, "RF-BROWSER-0001")).to_have_count(0)
    other.screenshot("bursar-approved-zh")
    other.assert_stayed_home()
    other.page.context.close()
    [refund] = q.REFUNDS.page(
        console.served.system.queries,
        {"school": SCHOOL, "status": "approved", "student": student},
        None,
        100,
    ).rows[-1:]
    assert (refund.reference, refund.approved_by) == (
        "RF-BROWSER-0001",
        "demo-approver-pc-101",
    )


@pytest.fixture
def bank_export(console) -> tuple[bytes, int]:
    """September as the school's bank exports it (GBK CSV with 借方/贷方), and
    one line more that no ledger movement explains; the account and the
    bank's format saved beforehand."""
    system = console.served.system
    given = Actor("bursar-given", "bursar", frozenset({SCHOOL}))
    system.bus.handle(c.SetBankAccount(SCHOOL, ACCOUNT), given)
    system.bus.handle(c.SaveBankFormat(SCHOOL, "icbc", ICBC), given)
    system.projector.catch_up()
    september = ledger_statement(
        system.queries, SCHOOL, ACCOUNT, date(2026, 9, 1), date(2026, 9, 30)
    )
    balance, rows = september.opening, []
    for line in september.lines:
        into = line.direction == CREDIT
        balance += line.amount if into else -line.amount
        cells = [f"{line.booked_on:%Y%m%d}", line.reference, line.description]
        cells += ["" if into else yuan(line.amount), yuan(line.amount) if into else ""]
        rows.append([*cells, yuan(balance)])
    unknown = ["20260930", "UNKNOWN-0930", "来历不明", "", "12.34"]
    rows.append([*unknown, yuan(balance + 1234)])
    header = ["交易日期", "交易流水号", "摘要", "借方发生额", "贷方发生额", "余额"]
    text = "\r\n".join(",".join(f'"{x}"' for x in row) for row in [header, *rows])
    return text.encode("gbk"), len(september.lines)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_a_bursar_uploads_a_banks_export_sees_it_reconciled_and_downloads_a_statement(
    console, desktop, bank_export, in_credit
):
    content, lines = bank_export
    desktop.sign_in(bursar_token(console), "en")
    page = desktop.page
    expect(page.locator("h1")).to_have_text("Bursar")
    page.get_by_role("link", name="Bank statements").click()
    page.get_by_label("Statement file").set_input_files(
        files=[{"name": "icbc-2026-09.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_label("What the file is").select_option("csv-mapped")
    page.get_by_label("The bank's saved format", exact=False).select_option("icbc")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    page.get_by_role("button", name="Upload and reconcile").click()

    expect(page.get_by_role("status")).to_have_text("The statement was imported.")
    expect(page.locator("h1")).to_have_text(
        "Reconciliation of Statement of Sep 1, 2026 to Sep 30, 2026"
    )
    expect(page.locator("#matched-count")).to_have_text(str(lines))
    expect(page.locator("#unmatched-count")).to_have_text("1")
    expect(page.locator("tr.unmatched[data-reference='UNKNOWN-0930']")).to_contain_text(
        "¥12.34"
    )
    assert amount(page.locator("#difference").inner_text()) == "12.34"
    assert desktop.serious_violations() == []
    desktop.screenshot("bursar-reconciliation-en")

    page.get_by_role("link", name="Bank statements").click()
    page.get_by_role("link", name="Bursar").click()
    unmatched = page.locator("#list-bank tr.unmatched[data-reference='UNKNOWN-0930']")
    expect(unmatched).to_be_visible()
    assert desktop.serious_violations() == []

    student, credit = in_credit
    page.get_by_label("A family's statement", exact=False).fill(student)
    page.get_by_label("File").select_option("xlsx")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the statement").click()
    download = downloading.value
    assert download.suggested_filename == f"statement-{student}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    totals = {row[4]: row[5] for row in rows if row[0] == "合计 balance"}
    assert totals["余额 credit"] == yuan(credit)
    assert any(row[0] == "缴费 payment" for row in rows)
    desktop.screenshot("bursar-home-en")
    desktop.assert_stayed_home()


def test_a_payment_with_a_bad_amount_is_refused_on_the_page(console, desktop):
    desktop.sign_in(bursar_token(console), "en")
    page = desktop.page
    desktop.goto("/bursar/money")
    page.get_by_label("Student id").first.fill("PC-101-S001")
    page.get_by_label("Amount in yuan").first.fill("12.345")
    page.get_by_label("The channel's reference").fill("WX-BROWSER-1")
    with page.expect_response("**/bursar/payments") as answered:
        page.get_by_role("button", name="Record the payment").click()
    assert answered.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Please check the form: Amount")
    expect(page.get_by_label("Student id").first).to_have_value("PC-101-S001")

    page.get_by_label("Amount in yuan").first.fill("1.00")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("status")).to_have_text("The payment was recorded.")
    paid = q.PAYMENTS.page(
        console.served.system.queries,
        {"school": SCHOOL, "student": "PC-101-S001", "channel": "wechat"}
        | {"start": None, "end": None},
        None,
        1000,
    ).rows
    assert "WX-BROWSER-1" in [p.reference for p in paid]


def test_a_guardian_is_refused_the_bursars_page(console, desktop):
    desktop.sign_in(console.guardian_token("zh"))
    refused = desktop.goto("/bursar")
    assert refused.status == 403
    expect(desktop.page.get_by_role("alert")).to_have_text("您的角色无权访问此页面。")
    assert desktop.goto("/bursar/downloads/trial-balance.csv").status == 403


def test_a_bursars_form_without_its_token_is_refused(console, desktop):
    desktop.sign_in(bursar_token(console))
    post = desktop.page.request.post
    refund = {"student_id": "PC-101-S001", "amount": "1.00", "reason": "x"}
    refund |= {"reference": "RF-NO-TOKEN"}
    assert post(desktop.origin + "/bursar/refunds", form=refund).status == 403
    wrong = refund | {"csrf": "0" * 64}
    assert post(desktop.origin + "/bursar/refunds", form=wrong).status == 403
    upload = {
        "format": "csv",
        "statement": {"name": "s.csv", "mimeType": "text/csv", "buffer": b"x"},
    }
    sent = post(desktop.origin + "/bursar/bank/statements", multipart=upload)
    assert sent.status == 403
    refunds = q.REFUNDS.page(
        console.served.system.queries,
        {"school": SCHOOL, "status": None, "student": "PC-101-S001"},
        None,
        100,
    ).rows
    assert "RF-NO-TOKEN" not in [r.reference for r in refunds]


def test_the_bursars_downloads_are_the_apis_files(console, desktop):
    desktop.sign_in(bursar_token(console), "en")
    get = desktop.page.request.get
    trial = get(desktop.origin + "/bursar/downloads/trial-balance.csv")
    assert trial.status == 200 and trial.body().startswith(b"\xef\xbb\xbf")
    journal = get(desktop.origin + "/bursar/downloads/journal.xlsx")
    assert journal.status == 200
    assert openpyxl.load_workbook(io.BytesIO(journal.body())).active.max_row > 1
    desktop.goto("/bursar")
    link = desktop.page.locator("#downloads a[href$='.pdf']").first
    payslips = get(desktop.origin + link.get_attribute("href"))
    assert payslips.status == 200 and payslips.body().startswith(b"%PDF")


@pytest.fixture
def disputed(console) -> tuple[str, str]:
    """A family (none of the guardians' the other tests sign in as) disputes
    one session its child attended."""
    system = console.served.system
    theirs = {
        kid
        for code in console.guardians.values()
        for kid in system.registry.children_of(
            person_id_for(SCHOOL, Kind.GUARDIAN, code)
        )
    }
    students = [s for s, _ in funds.students(system.queries, SCHOOL, "all", 1000)]
    others = [s for s in students if s not in theirs]
    awaiting = shares_of(system.queries, [SCHOOL], others, ["awaiting"])
    share = max(awaiting, key=lambda s: s.confirm_by)
    command = c.OpenDispute(share.course_id, share.student_id, share.day, "absent")
    system.bus.handle(command, family(SCHOOL, share.student_id))
    system.projector.catch_up()
    return share.student_id, str(share.day)


def test_a_bursar_accepts_a_dispute_from_her_worklist(console, desktop, disputed):
    student, day = disputed
    desktop.sign_in(bursar_token(console, "demo-approver-pc-101"))
    page = desktop.page
    row = page.locator(f"tr.dispute[data-student='{student}'][data-day='{day}']")
    expect(row).to_contain_text("孩子当天缺席")
    row.get_by_role("button", name="接受").click()
    expect(page.get_by_role("status")).to_contain_text("已接受异议")
    expect(row).to_have_count(0)
    [share] = shares_of(
        console.served.system.queries, [SCHOOL], [student], ["credited"]
    )
    assert str(share.day) == day


def test_the_other_bursar_approves_a_payroll_run_and_sees_the_form_that_pays_it(
    console, desktop
):
    system = console.served.system
    october = date(2026, 10, 1)
    drafter = Actor("demo-bursar-pc-101", "bursar", frozenset({SCHOOL}))
    system.bus.handle(c.DraftPayroll(SCHOOL, october), drafter)
    system.projector.catch_up()
    desktop.sign_in(bursar_token(console, "demo-approver-pc-101"), "en")
    page = desktop.page
    run = page.locator("tr.run[data-month='2026-10']")
    expect(run).to_have_attribute("data-status", "drafted")
    expect(run).not_to_contain_text("You drafted it")
    run.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("The payroll run was approved.")
    run.get_by_role("link", name="Pay the teachers").click()
    expect(page.locator("h1")).to_have_text("Payroll 2026-10")
    teachers = page.locator("input[name^='reference-']")
    assert teachers.count() > 0
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.screenshot("bursar-payroll-en")
