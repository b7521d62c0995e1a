"""Response models: money as decimal strings in yuan, dates ISO 8601."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from domain.money import format_fen
from projections import queries as q

Yuan = Annotated[
    int,
    PlainSerializer(format_fen, return_type=str, when_used="always"),
    Field(json_schema_extra={"type": "string", "example": "360.00"}),
]


class Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class FundPublic(Public):
    school_id: UUID
    district: str
    code: str
    name: str
    bank: Yuan
    receivable: Yuan
    unearned: Yuan
    subsidy: Yuan
    released: Yuan
    payable_teacher: Yuan
    payable_refund: Yuan
    held_for_families: Yuan
    covered: bool

    @classmethod
    def of(cls, fund: q.Fund) -> "FundPublic":
        return cls(**fund.__dict__, covered=fund.covered)


class DistrictPublic(Public):
    district: str
    schools: list[FundPublic]
    bank: Yuan
    held_for_families: Yuan
    uncovered_schools: list[str]


class StudentBalancePublic(Public):
    school_id: UUID
    student_id: str
    as_of: date | None = None
    at_position: int | None = None
    charged: Yuan
    cancelled: Yuan
    paid: Yuan
    consumed: Yuan
    unconsumed: Yuan
    refunded: Yuan
    refund_paid: Yuan
    owed: Yuan = Field(description="positive: the family owes; negative: in credit")
    status: str = Field(description="owes, in credit or settled")

    @classmethod
    def of(cls, b: q.StudentBalance, **when) -> "StudentBalancePublic":
        status = "owes" if b.owed > 0 else "in credit" if b.owed < 0 else "settled"
        return cls(
            **b.__dict__, **when, unconsumed=b.unconsumed, owed=b.owed, status=status
        )


class LinePublic(Public):
    account: str
    flow: str
    debit: Yuan
    credit: Yuan


class EntryPublic(Public):
    entry_id: UUID
    position: int
    effective: date
    recorded_at: datetime
    kind: str
    source_id: UUID
    reverses: UUID | None
    actor: str
    role: str
    lines: list[LinePublic]


class HistoryPublic(Public):
    position: int
    version: int
    type: str
    actor: str
    role: str
    recorded_at: datetime
    effective: date
    payload: dict[str, Any]


class AccountPublic(Public):
    school_id: UUID
    account: str
    kind: str
    debit: Yuan
    credit: Yuan
    balance: Yuan


class TrialBalancePublic(Public):
    school_id: UUID | None
    as_of: date | None
    at_position: int | None
    accounts: list[AccountPublic]
    total_debit: Yuan
    total_credit: Yuan
    balanced: bool


class CourseBalancePublic(Public):
    course_id: UUID
    school_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    fee: Yuan
    planned_sessions: int
    enrolled: int
    sessions: int
    charged: Yuan
    released: Yuan
    cancelled: Yuan
    teacher_pay: Yuan
    subsidy: Yuan


class Health(Public):
    status: str
    position: int
    head: int


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


def problems(*statuses: int) -> dict[int | str, dict]:
    content = {"application/problem+json": {"schema": Problem.model_json_schema()}}
    return {s: {"description": "a problem", "content": content} for s in statuses}


READ_PROBLEMS = problems(401, 403, 404, 409, 422, 503)
WRITE_PROBLEMS = problems(401, 403, 404, 409, 422, 503)


class PayLinePublic(Public):
    session_id: UUID
    course_id: UUID
    course_code: str
    day: date
    starts: str
    ends: str
    roster: int
    rate: Yuan = Field(description="pay for this session; negative: taken back")
    accrued: Yuan


class TeacherPayPublic(Public):
    teacher_id: UUID
    teacher_code: str
    kind: str
    month: date
    run_id: UUID
    status: str
    sessions: int
    gross: Yuan
    bank_reference: str | None
    paid_on: date | None
    lines: list[PayLinePublic]


class PayrollPublic(Public):
    run_id: UUID
    school_id: UUID
    month: date
    status: str
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    paid_on: date | None
    total: Yuan
    teachers: list[TeacherPayPublic]


class FindingPublic(Public):
    rule: str
    severity: str
    school_id: UUID
    school_code: str
    subject: str
    detail: str
    evidence: list[dict[str, str]]


class ServiceDayPublic(Public):
    day: date
    sessions: int
    first_start: str
    last_end: str
    service_minutes: int
    homework: bool
    categories: list[str]


class SchoolCompliancePublic(Public):
    school_id: UUID
    days: list[ServiceDayPublic]
    category_mix: dict[str, int]
    findings: list[FindingPublic]


class DistrictCompliancePublic(Public):
    district: str
    schools: int
    findings: list[FindingPublic]


def teacher_pays(payroll: q.Payroll) -> list[TeacherPayPublic]:
    by_teacher: dict[UUID, list[q.PayLine]] = {}
    for line in payroll.lines:
        by_teacher.setdefault(line.teacher_id, []).append(line)
    return [
        TeacherPayPublic(
            teacher_id=teacher,
            teacher_code=lines[0].teacher_code,
            kind=lines[0].teacher_kind,
            month=payroll.month,
            run_id=payroll.run_id,
            status=payroll.status,
            sessions=sum(1 if x.amount > 0 else -1 for x in lines),
            gross=sum(x.amount for x in lines),
            bank_reference=lines[0].bank_reference,
            paid_on=lines[0].paid_on,
            lines=[
                PayLinePublic(
                    **{k: getattr(x, k) for k in ("session_id", "course_id", "day")},
                    course_code=x.course_code,
                    starts=f"{x.starts:%H:%M}",
                    ends=f"{x.ends:%H:%M}",
                    roster=x.roster,
                    rate=x.amount,
                    accrued=x.accrued,
                )
                for x in lines
            ],
        )
        for teacher, lines in by_teacher.items()
    ]


def payroll_public(payroll: q.Payroll) -> PayrollPublic:
    fields = {k: v for k, v in payroll.__dict__.items() if k != "lines"}
    return PayrollPublic(**fields, total=payroll.total, teachers=teacher_pays(payroll))


class VerdictPublic(Public):
    intact: bool
    position: int = Field(description="intact up to it, or the first bad one")
    events: int
    head: str = Field(description="chain hash at the position, hex")
    message: str
    problem: str | None


class UsePublic(Public):
    kind: str = Field(description="session (a released share) or refund")
    amount: Yuan
    position: int
    day: date
    teacher_pay: Yuan | None = Field(
        None, description="what the session's teacher earned for it"
    )
    details: dict[str, Any]


class TracePublic(Public):
    payment_id: UUID
    school_id: UUID
    student_id: str
    amount: Yuan
    channel: str
    reference: str
    received_on: date
    position: int
    deposit_entry: UUID | None
    uses: list[UsePublic]
    remaining: Yuan = Field(description="not yet consumed nor refunded")


class ProofPublic(Public):
    position: int
    index: int = Field(description="the event's index among the first `size`")
    size: int
    leaf: str = Field(description="SHA-256 of the event's canonical bytes, hex")
    root: str = Field(description="Merkle root of the first `size` events, hex")
    proof: list[str] = Field(description="the audit path, leaf side first, hex")


class StatementLinePublic(Public):
    line_no: int
    day: date | None
    direction: str
    amount: Yuan
    reference: str
    description: str


class MovementPublic(Public):
    position: int
    day: date
    direction: str
    amount: Yuan
    reference: str
    kind: str = Field(description="payment, subsidy, refund or payroll")
    source_id: UUID


class MatchPublic(Public):
    how: str = Field(description="reference, batch (split lines) or sum")
    line: StatementLinePublic
    movements: list[MovementPublic]


class ReconciliationPublic(Public):
    statement: UUID
    statement_id: str
    first_day: date | None
    last_day: date | None
    opening: Yuan | None
    closing: Yuan | None
    ledger_balance: Yuan = Field(description="the ledger's bank account then")
    difference: Yuan | None = Field(description="bank closing minus ledger")
    matched: list[MatchPublic]
    unmatched_lines: list[StatementLinePublic]
    unmatched_movements: list[MovementPublic]
