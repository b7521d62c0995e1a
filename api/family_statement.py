"""A family's statement as one table a school hands to the family: XLSX,
or PDF set in the embedded CJK font; labels in Chinese and English."""

from fastapi.responses import Response

from api.files import Cell, table_file
from domain.money import format_fen
from projections.statement import FamilyStatement

HEADER = ["项目 item", "日期 day", "课程 course", "编号 reference", "状态 state"]
HEADER += ["金额 amount"]
SHARE_STATES = {
    "awaiting": "待确认 awaiting",
    "confirmed": "已确认 confirmed",
    "disputed": "有异议 disputed",
    "credited": "已退回 credited back",
    "released": "已划转 released",
    "reversed": "已撤销 reversed",
}
BALANCE = (
    ("charged", "应收 charged"),
    ("cancelled", "减免退回 credited back (leave, withdrawal, waiver)"),
    ("paid", "已缴 paid"),
    ("consumed", "已消耗 consumed"),
    ("awaiting", "待确认 awaiting confirmation"),
    ("disputed", "有异议 disputed"),
    ("credited_back", "异议退回 disputes credited back"),
    ("released", "已划转 released to courses"),
    ("refunded", "已退款 refunded"),
    ("refund_due", "待付退款 refunds due"),
    ("owed", "尚欠 still owed"),
    ("credit", "余额 credit"),
)


def statement_file(form: str, statement: FamilyStatement) -> Response:
    student = statement.student_id
    title = f"家庭对账单 family statement {student}"
    return table_file(form, f"statement-{student}", title, HEADER, rows(statement))


def rows(statement: FamilyStatement) -> list[list[Cell]]:
    balance, figures = statement.balance, statement.balance.figures
    charges = [
        _row("收费 charge", e.figures.charged, course=e.course_code)
        for e in balance.enrolments
    ]
    payments = [
        _row("缴费 payment", p.amount, p.received_on, ref=f"{p.channel} {p.reference}")
        for p in statement.payments
    ]
    shares = [
        _row("课次 session", s.amount, s.day, s.course_code, state=_state(s.state))
        for s in statement.shares
    ]
    refunds = [
        _row("退款 refund", r.amount, r.requested_on, ref=r.reference, state=r.status)
        for r in statement.refunds
    ]
    totals = [
        _row("合计 balance", getattr(figures, name), state=label)
        for name, label in BALANCE
    ]
    return charges + payments + shares + refunds + totals


def _row(item, amount: int, day=None, course=None, *, ref=None, state=None) -> list:
    return [item, day and str(day), course, ref, state, format_fen(amount)]


def _state(state: str) -> str:
    return SHARE_STATES.get(state, state)
