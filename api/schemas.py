"""Response models: money as decimal strings in yuan, dates ISO 8601."""

from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from domain.money import format_fen
from projections import funds, trace
from projections import queries as q

Yuan = Annotated[
    int,
    PlainSerializer(format_fen, return_type=str, when_used="always"),
    Field(json_schema_extra={"type": "string", "example": "360.00"}),
]


NAME = "shown to the school's staff and the family; null otherwise, or if erased"
ERASED = "the person's personal data was erased; the id and the money stay"


class Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class FiguresPublic(Public):
    """The money figures of ``domain.figures``, each defined once."""

    charged: Yuan = Field(description="fees charged")
    cancelled: Yuan = Field(description="credited back: leave, withdrawal, waiver")
    paid: Yuan = Field(description="paid, allocated or not")
    consumed: Yuan = Field(
        description="consumed at delivered sessions, less disputes credited back"
    )
    awaiting: Yuan = Field(
        description="consumed, awaiting the family's confirmation (still theirs)"
    )
    disputed: Yuan = Field(description="consumed and disputed: held")
    credited_back: Yuan = Field(description="disputed shares credited back")
    released: Yuan = Field(
        description="consumed and released: confirmed, by the family or its "
        "silence, or released on delivery where the term says so"
    )
    unconsumed: Yuan = Field(description="charged, not yet consumed nor cancelled")
    refunded: Yuan = Field(description="refunds approved")
    refund_paid: Yuan = Field(description="refunds paid out")
    refund_due: Yuan = Field(description="refunds approved, not yet paid")
    unallocated: Yuan = Field(description="paid, not yet allocated to an enrolment")
    owed: Yuan = Field(description="still to be paid, enrolment by enrolment")
    credit: Yuan = Field(description="paid beyond what is owed, and unallocated")
    held: Yuan = Field(description="what the bank must hold for families")

    @classmethod
    def of(cls, figures: funds.Figures) -> "FiguresPublic":
        return cls(**figures.__dict__)


class FundPublic(Public):
    school_id: UUID
    district: str
    code: str
    name: str
    position: int = Field(description="the log position every figure is read at")
    bank: Yuan = Field(description="money in the supervised account")
    held_for_families: Yuan = Field(
        description="paid and neither released nor refunded (awaiting "
        "confirmation and disputed shares included), and refunds due"
    )
    awaiting_confirmation: Yuan = Field(
        description="consumed shares awaiting families' confirmation"
    )
    disputed: Yuan = Field(description="consumed shares held by open disputes")
    free_cash: Yuan = Field(description="bank money not held for families")
    covered: bool = Field(description="the bank holds what families are owed")
    fees_released: Yuan = Field(description="fees released by delivered sessions")
    subsidy_received: Yuan
    subsidy_used: Yuan = Field(description="subsidy allocated to courses")
    subsidy_unused: Yuan
    teacher_pay_accrued: Yuan = Field(description="earned by delivered sessions")
    teacher_pay_paid: Yuan
    teacher_pay_due: Yuan = Field(description="earned, not yet paid")
    refunds_due: Yuan = Field(description="refunds approved, not yet paid")
    unallocated: Yuan = Field(description="paid by families, not yet allocated")
    owed_by_families: Yuan
    credit_of_families: Yuan

    @classmethod
    def of(cls, fund: funds.Fund) -> "FundPublic":
        m = fund.figures
        return cls(
            **{k: getattr(fund, k) for k in ("school_id", "district", "code", "name")},
            position=fund.position,
            bank=m.bank,
            held_for_families=m.held,
            awaiting_confirmation=m.awaiting,
            disputed=m.disputed,
            free_cash=m.free_cash,
            covered=m.covered,
            fees_released=m.fees_released,
            subsidy_received=m.subsidy_received,
            subsidy_used=m.subsidy_used,
            subsidy_unused=m.subsidy_unused,
            teacher_pay_accrued=m.teacher_pay_accrued,
            teacher_pay_paid=m.teacher_pay_paid,
            teacher_pay_due=m.teacher_pay_due,
            refunds_due=m.refund_due,
            unallocated=m.unallocated,
            owed_by_families=m.owed,
            credit_of_families=m.credit,
        )


class DistrictPublic(Public):
    district: str
    position: int = Field(description="the log position every figure is read at")
    schools: list[FundPublic]
    bank: Yuan
    held_for_families: Yuan
    uncovered_schools: list[str]


class EnrolmentMoneyPublic(FiguresPublic):
    course_id: UUID
    course_code: str | None


class StudentBalancePublic(FiguresPublic):
    school_id: UUID
    student_id: str
    as_of: date | None = None
    at_position: int | None = None
    position: int = Field(description="the log position every figure is read at")
    status: str = Field(description="owes, in credit or settled")
    name: str | None = Field(None, description=NAME)
    erased: bool = Field(False, description=ERASED)
    enrolments: list[EnrolmentMoneyPublic]

    @classmethod
    def of(cls, b: funds.StudentBalance, **when) -> "StudentBalancePublic":
        return cls(
            **b.figures.__dict__,
            **when,
            school_id=b.school_id,
            student_id=b.student_id,
            position=b.position,
            status=b.figures.status,
            enrolments=[
                EnrolmentMoneyPublic(
                    **e.figures.__dict__,
                    course_id=e.course_id,
                    course_code=e.course_code,
                )
                for e in b.enrolments
            ],
        )


class StudentListedPublic(FiguresPublic):
    student_id: str
    status: str
    name: str | None = Field(None, description=NAME)
    erased: bool = Field(False, description=ERASED)


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


class CourseBalancePublic(FiguresPublic):
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
    position: int = Field(description="the log position the money is read at")
    fees_released: Yuan
    subsidy_used: Yuan
    teacher_pay_accrued: Yuan

    @classmethod
    def of(cls, c: funds.CourseBalance) -> "CourseBalancePublic":
        info = {k: v for k, v in c.__dict__.items() if k != "figures"}
        money = c.figures.__dict__
        return cls(**info, **money)


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
    teacher_name: str | None = Field(None, description=NAME)
    teacher_erased: bool = Field(False, description=ERASED)
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


class SatisfactionPublic(Public):
    """Ratings of 1 to 5: their count and mean (2 places), the share of 4
    and 5 and the response rate (ratings per child, course and week present)
    in per cent (1 place), as decimal strings; null without ratings."""

    key: str = Field(description="the course, teacher or school id, or district")
    code: str | None
    ratings: int
    course_mean: str | None
    course_share_good: str | None
    teacher_mean: str | None
    teacher_share_good: str | None
    attendances: int
    response_rate: str | None


class SchoolSatisfactionPublic(Public):
    school_id: UUID
    totals: SatisfactionPublic | None
    courses: list[SatisfactionPublic]
    teachers: list[SatisfactionPublic]


class DistrictSatisfactionPublic(Public):
    district: str
    totals: SatisfactionPublic | None
    schools: list[SatisfactionPublic]


def teacher_pays(
    payroll: q.Payroll, names: Mapping[str, str] = {}, erased: Collection[str] = ()
) -> list[TeacherPayPublic]:
    """``names``, ``erased``: by teacher id, for those who may see them."""
    by_teacher: dict[UUID, list[q.PayLine]] = {}
    for line in payroll.lines:
        by_teacher.setdefault(line.teacher_id, []).append(line)
    return [
        TeacherPayPublic(
            teacher_id=teacher,
            teacher_code=lines[0].teacher_code,
            teacher_name=names.get(str(teacher)),
            teacher_erased=str(teacher) in erased,
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


def payroll_public(payroll: q.Payroll, *known) -> PayrollPublic:
    fields = {k: v for k, v in payroll.__dict__.items() if k != "lines"}
    teachers = teacher_pays(payroll, *known)
    return PayrollPublic(**fields, total=payroll.total, teachers=teachers)


class VerdictPublic(Public):
    intact: bool
    position: int = Field(description="intact up to it, or the first bad one")
    events: int = Field(description="events recomputed by this check")
    since: int = Field(
        description="the checkpoint the check went on from; 0: the first event"
    )
    head: str = Field(description="chain hash at the position, hex")
    message: str
    problem: str | None

    @classmethod
    def of(cls, verdict) -> "VerdictPublic":
        return cls(
            intact=verdict.intact,
            position=verdict.position,
            events=verdict.events,
            since=verdict.since,
            head=verdict.head.hex(),
            message=verdict.message,
            problem=verdict.problem or None,
        )


class UsePublic(Public):
    kind: str = Field(description="session (a released share) or refund")
    amount: Yuan
    position: int
    day: date
    teacher_pay: Yuan | None = Field(
        None, description="what the session's teacher earned for it"
    )
    details: dict[str, Any]


class AllocatedPublic(Public):
    course_id: UUID | None = Field(description="none: the family's, unallocated")
    course_code: str | None
    amount: Yuan
    uses: list[UsePublic]
    remaining: Yuan = Field(description="not yet consumed nor refunded")

    @classmethod
    def of(cls, part: trace.Allocated) -> "AllocatedPublic":
        uses = [UsePublic(**use.__dict__) for use in part.uses]
        return cls(**(part.__dict__ | {"uses": uses}), remaining=part.remaining)


class TracePublic(Public):
    payment_id: UUID
    school_id: UUID
    student_id: str
    student_name: str | None = Field(None, description=NAME)
    student_erased: bool = Field(False, description=ERASED)
    amount: Yuan
    channel: str
    reference: str
    received_on: date
    position: int
    deposit_entry: UUID | None
    allocations: list[AllocatedPublic] = Field(
        description="what the payment pays, and what each part was used for"
    )
    uses: list[UsePublic] = Field(description="every part's uses, in log order")
    remaining: Yuan = Field(description="not yet consumed nor refunded")

    @classmethod
    def of(cls, found: trace.Trace, **person) -> "TracePublic":
        return cls(
            **person,
            **{k: v for k, v in found.__dict__.items() if k != "allocations"},
            allocations=[AllocatedPublic.of(part) for part in found.allocations],
            uses=[UsePublic(**use.__dict__) for use in found.uses],
            remaining=found.remaining,
        )


class ProofPublic(Public):
    position: int
    index: int = Field(description="the event's index among the first `size`")
    size: int
    leaf: str = Field(description="SHA-256 of the event's canonical bytes, hex")
    root: str = Field(description="Merkle root of the first `size` events, hex")
    proof: list[str] = Field(description="the audit path, leaf side first, hex")

    @classmethod
    def of(cls, found) -> "ProofPublic":
        return cls(
            position=found.position,
            index=found.index,
            size=found.size,
            leaf=found.leaf.hex(),
            root=found.root.hex(),
            proof=[node.hex() for node in found.proof],
        )


class RunPublic(Public):
    id: int
    job: str = Field(description="watch or nightly")
    started_at: datetime
    finished_at: datetime
    ok: bool
    outcome: dict


class AlertPublic(Public):
    id: int
    kind: str
    title: str
    detail: str
    link: str = Field(description="the evidence")
    school_id: UUID | None
    opened_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None = Field(description="when it was no longer found")

    @classmethod
    def of(cls, row: dict) -> "AlertPublic":
        body = row["body"]
        return cls(
            id=row["id"],
            kind=row["kind"],
            title=body["title"],
            detail=body["detail"],
            link=body["link"],
            school_id=body["school_id"],
            opened_at=row["opened_at"],
            sent_at=row["sent_at"],
            closed_at=row["closed_at"],
        )


class ConsistencyPublic(Public):
    old_size: int
    size: int
    old_root: str = Field(description="Merkle root of the first `old_size`, hex")
    root: str = Field(description="Merkle root of the first `size` events, hex")
    proof: list[str] = Field(description="RFC 6962 consistency proof, hex")

    @classmethod
    def of(cls, found) -> "ConsistencyPublic":
        return cls(
            old_size=found.old_size,
            size=found.size,
            old_root=found.old_root.hex(),
            root=found.root.hex(),
            proof=[node.hex() for node in found.proof],
        )


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


class PersonPublic(Public):
    id: UUID
    school_id: UUID
    kind: str
    ref: str = Field(description="the id the log knows the person by")
    erased: bool
    record: dict[str, Any] | None = Field(
        description="the personal data; null once erased"
    )


class PersonalDataReadPublic(Public):
    id: int = Field(description="give it as `before` for the next page")
    read_at: datetime
    reader: str
    role: str
    route: str
    person_id: UUID
    kind: str
    ref: str


class AttendancePublic(Public):
    course_id: UUID
    course_code: str
    day: date
    attendance: str = Field(description="present, absent or on_leave")


class RegistrationPublic(Public):
    course_id: UUID
    course_code: str
    student_id: str
    status: str = Field(description="enrolled, waiting, left waiting list or withdrawn")
    place: int | None = Field(description="the place on the waiting list, if waiting")
    promoted: bool = Field(description="enrolled from the waiting list")
    enrolled_on: date | None
    changed_at: datetime
    changed_by: str


class TermRegistrationsPublic(Public):
    term_id: UUID
    code: str
    opens: datetime | None
    closes: datetime | None
    closed_early: bool
    registrations: list[RegistrationPublic]


class LeaveRequestPublic(Public):
    request_id: UUID
    course_id: UUID
    student_id: str
    dates: list[date]
    reason: str | None
    status: str = Field(description="requested, approved or declined")
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class OpenCoursePublic(Public):
    course_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    enrolled: int
    waiting: int = Field(description="students on the waiting list")


class OpenTermPublic(Public):
    term_id: UUID
    code: str
    opens: datetime
    closes: datetime
    courses: list[OpenCoursePublic]


class LoginCodePublic(Public):
    login_code: str = Field(description="give it to the guardian; shown once")
    expires_at: datetime


class SignedInPublic(Public):
    token: str = Field(description="the guardian's bearer token; shown once")
    subject: str
    role: str
    school: str


class RefundReasonPublic(Public):
    reason: str | None = Field(description="null when none is kept, or erased")


class ChildPublic(Public):
    student_id: str
    name: str | None = Field(description="null when not recorded or erased")
    balance: StudentBalancePublic | None = Field(
        description="null until the child holds a seat"
    )
    sessions: list[AttendancePublic]
    registrations: list[RegistrationPublic] = Field(
        description="seats and places on waiting lists, with each place"
    )
    leave_requests: list[LeaveRequestPublic]


class SharePublic(Public):
    """A child's share of a session that awaited the family's confirmation."""

    course_id: UUID
    course_code: str | None
    course_name: str | None
    student_id: str
    day: date
    session_id: UUID
    amount: Yuan
    state: str = Field(
        description="awaiting, confirmed, disputed, credited (back to the "
        "family), released (after a dispute) or reversed"
    )
    confirm_by: date = Field(
        description="the last day the family may confirm or dispute it; after "
        "it, silence confirms it"
    )
    settled_at: datetime | None
    settled_by: str | None = Field(description="guardian, silence or dispute")
    rule: str | None
    dispute_id: UUID | None


class DisputePublic(Public):
    dispute_id: UUID
    school_id: UUID
    course_id: UUID
    course_code: str | None
    session_id: UUID
    day: date
    student_id: str
    grounds: str
    amount: Yuan
    status: str = Field(
        description="open, rejected, escalated (pending); accepted, upheld "
        "(credited back); released, dismissed (released to the course)"
    )
    opened_at: datetime
    opened_on: date
    age_days: int = Field(description="days since it was opened")
    answer_by: date = Field(description="the school answers by this day")
    escalate_by: date | None = Field(
        description="a rejected dispute is escalated by this day"
    )
    settled_at: datetime | None
    rule: str | None = Field(description="the rule that settled it, if time did")
    actor: str = Field(description="who acted last")
    role: str
    acted_at: datetime


class DisputesPublic(Public):
    counts: dict[str, int] = Field(description="disputes in each status")
    disputes: list[DisputePublic]
    next_after: str | None = Field(
        description="pass as `after` for the next page; null on the last"
    )


# Lists, a page at a time: `next_after` is passed as `after` for the next.
NEXT_AFTER = "pass as `after` for the next page; null on the last"


def _clock_schema(schema: dict[str, Any]) -> None:
    schema.pop("format", None)
    schema.update(type="string", pattern="^[0-2][0-9]:[0-5][0-9]$", example="17:30")


Clock = Annotated[
    time,
    PlainSerializer(lambda t: f"{t:%H:%M}", return_type=str, when_used="always"),
    Field(json_schema_extra=_clock_schema),
]


class SchoolListedPublic(Public):
    school_id: UUID
    district: str
    code: str
    name: str


class SchoolsPublic(Public):
    schools: list[SchoolListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class TermListedPublic(Public):
    term_id: UUID
    code: str
    starts: date
    ends: date
    fee_per_term: Yuan
    fee_cap: Yuan
    planned_sessions: int
    refund_deadline_days: int
    absence_consumes: bool
    closed_days: list[date]
    min_minutes: int
    earliest_end: Clock = Field(description="sessions end no earlier, Beijing time")
    release: str = Field(
        description="when a session's share is released: on-confirmation (by "
        "the family or its silence) or on-delivery"
    )
    silence_days: int = Field(
        description="working days of a family's silence that confirm a session"
    )
    answer_days: int = Field(
        description="working days a school has to answer a dispute, and a family "
        "to escalate one rejected"
    )
    courses: int = Field(description="courses opened in the term")


class TermsPublic(Public):
    terms: list[TermListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class CourseListedPublic(Public):
    course_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    teacher_id: UUID
    teacher_code: str | None
    fee: Yuan | None = Field(description="null: the term's fee")
    planned_sessions: int | None
    enrolled: int
    sessions: int = Field(description="sessions delivered")


class CoursesPublic(Public):
    courses: list[CourseListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class TeacherListedPublic(Public):
    teacher_id: UUID
    code: str
    kind: str = Field(description="staff or external")
    rate: Yuan = Field(description="the rate in force, per session")
    courses: int = Field(description="courses taught, in any term")


class TeachersPublic(Public):
    teachers: list[TeacherListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class EnrolmentListedPublic(Public):
    student_id: str
    status: str = Field(description="active or withdrawn")
    waived: bool
    enrolled_on: date
    withdrawn_on: date | None


class EnrolmentsPublic(Public):
    counts: dict[str, int] = Field(description="the course's enrolments by status")
    enrolments: list[EnrolmentListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class PaymentListedPublic(Public):
    payment_id: UUID
    position: int = Field(description="the log position it was recorded at")
    student_id: str
    amount: Yuan
    channel: str
    reference: str
    received_on: date


class PaymentsPublic(Public):
    payments: list[PaymentListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class RefundListedPublic(Public):
    refund_id: UUID
    student_id: str
    amount: Yuan
    reference: str
    status: str = Field(description="requested, approved, cancelled or paid")
    requested_by: str
    requested_on: date
    approved_by: str | None
    paid_on: date | None
    bank_reference: str | None


class RefundsPublic(Public):
    counts: dict[str, int] = Field(description="the school's refunds by status")
    refunds: list[RefundListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class PayrollRunListedPublic(Public):
    run_id: UUID
    month: date = Field(description="the month's first day")
    status: str = Field(description="drafted, approved or paid")
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    paid_on: date | None
    teachers: int = Field(description="teachers the current draft pays")
    sessions: int = Field(description="sessions (and reversals) it pays for")
    total: Yuan


class PayrollRunsPublic(Public):
    counts: dict[str, int] = Field(description="the school's runs by status")
    runs: list[PayrollRunListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class SubsidyListedPublic(Public):
    grant_id: UUID
    reference: str
    source: str | None
    received_on: date
    subsidy_received: Yuan
    subsidy_unused: Yuan = Field(description="not yet allocated to courses")


class SubsidiesPublic(Public):
    subsidies: list[SubsidyListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class StatementListedPublic(Public):
    statement: UUID = Field(description="the import's id")
    statement_id: str = Field(description="the bank's id of the statement")
    opening: Yuan | None
    closing: Yuan | None
    first_day: date | None
    last_day: date | None
    lines: int
    credits: Yuan
    debits: Yuan


class StatementsPublic(Public):
    statements: list[StatementListedPublic]
    next_after: str | None = Field(description=NEXT_AFTER)


class FamilyStatementPublic(Public):
    """A family's statement: its balance with each enrolment's charges, its
    payments, each session's share and how it was settled, its refunds."""

    balance: StudentBalancePublic
    payments: list[PaymentListedPublic]
    shares: list[SharePublic]
    refunds: list[RefundListedPublic]


class BankFormatPublic(Public):
    name: str
    encoding: str = Field(description="of a csv-mapped file")
    date_format: str
    date: str
    reference: str
    description: list[str]
    debit: str = Field(description="empty when an amount column has a direction")
    credit: str
    amount: str
    direction: str
    credit_marks: list[str]
    debit_marks: list[str]
    balance: str
    saved_by: str
    saved_at: datetime
