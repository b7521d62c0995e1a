"""Commands: what a user asks the fund to do. Amounts are integer fen."""

from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from domain.allocation import Allocation
from domain.bankformats import ColumnMap
from domain.person import Kind
from domain.school import ANSWER_DAYS, SILENCE_DAYS, Release


@dataclass(frozen=True)
class RegisterSchool:
    district: str
    code: str
    name: str


@dataclass(frozen=True)
class OpenTerm:
    school_id: UUID
    code: str
    starts: date
    ends: date
    fee_per_term: int
    fee_cap: int
    planned_sessions: int
    refund_deadline_days: int = 15
    absence_consumes: bool = False
    closed_days: tuple[date, ...] = ()
    release: str = Release.ON_CONFIRMATION.value
    silence_days: int = SILENCE_DAYS
    answer_days: int = ANSWER_DAYS


@dataclass(frozen=True)
class RegisterTeacher:
    school_id: UUID
    code: str
    kind: str
    rate: int
    since: date | None = None


@dataclass(frozen=True)
class ChangeRate:
    teacher_id: UUID
    rate: int
    effective: date


@dataclass(frozen=True)
class OpenCourse:
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    teacher_id: UUID
    fee: int | None = None
    planned_sessions: int | None = None


@dataclass(frozen=True)
class Enrol:
    course_id: UUID
    student_id: str
    on: date
    waived: bool = False


@dataclass(frozen=True)
class ApproveLeave:
    course_id: UUID
    student_id: str
    dates: tuple[date, ...]


@dataclass(frozen=True)
class Withdraw:
    course_id: UUID
    student_id: str
    on: date


@dataclass(frozen=True)
class WaiveFee:
    course_id: UUID
    student_id: str
    on: date


@dataclass(frozen=True)
class OpenRegistration:
    term_id: UUID
    opens: datetime
    closes: datetime


@dataclass(frozen=True)
class CloseRegistration:
    term_id: UUID


@dataclass(frozen=True)
class Register:
    """A seat in the course, or a place on its waiting list."""

    term_id: UUID
    course_id: UUID
    student_id: str


@dataclass(frozen=True)
class LeaveWaitingList:
    course_id: UUID
    student_id: str


@dataclass(frozen=True)
class RequestLeave:
    """``reason``: a reason code of ``domain.leave.LeaveReason``, or None."""

    course_id: UUID
    student_id: str
    dates: tuple[date, ...]
    reason: str | None = None


@dataclass(frozen=True)
class ConfirmShares:
    """A guardian confirms the session of ``day`` that the child consumed,
    and with ``earlier_too`` every earlier one still awaiting."""

    course_id: UUID
    student_id: str
    day: date
    earlier_too: bool = False


@dataclass(frozen=True)
class OpenDispute:
    """``reason``: free text for the registry, never the event."""

    course_id: UUID
    student_id: str
    day: date
    grounds: str
    reason: str | None = None


@dataclass(frozen=True)
class AnswerDispute:
    """The school accepts, or rejects with ``evidence`` (kept in the registry)."""

    dispute_id: UUID
    accept: bool
    evidence: str | None = None


@dataclass(frozen=True)
class EscalateDispute:
    dispute_id: UUID


@dataclass(frozen=True)
class DecideDispute:
    """``note``: the regulator's reasons, for the registry."""

    dispute_id: UUID
    upheld: bool
    note: str


@dataclass(frozen=True)
class SettleByTime:
    """What time settles: shares confirmed by silence in these courses and
    disputes nobody answered in time, as of today."""

    course_ids: tuple[UUID, ...]
    dispute_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class RateCourse:
    """``week``: any day of the ISO week rated; ``comment`` goes to the
    personal-data registry, never into the event."""

    course_id: UUID
    student_id: str
    week: date
    course_score: int
    teacher_score: int
    comment: str | None = None


@dataclass(frozen=True)
class ApproveLeaveRequest:
    request_id: UUID


@dataclass(frozen=True)
class DeclineLeaveRequest:
    request_id: UUID


@dataclass(frozen=True)
class DeliverSession:
    """``term_id`` None: the course's own term."""

    course_id: UUID
    term_id: UUID | None
    day: date
    starts: time
    ends: time
    teacher_id: UUID
    present: tuple[str, ...]
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReverseSession:
    course_id: UUID
    day: date
    reason: str


@dataclass(frozen=True)
class RecordPayment:
    """``lines``: the enrolments paid, as the payer named them; None: the
    oldest unpaid charges first."""

    school_id: UUID
    student_id: str
    amount: int
    channel: str
    reference: str
    received_on: date
    lines: tuple[Allocation, ...] | None = None


@dataclass(frozen=True)
class ReallocatePayment:
    payment_id: UUID
    lines: tuple[Allocation, ...]
    reason: str


@dataclass(frozen=True)
class RequestRefund:
    """``course_id``: refund that enrolment's credit; None: the family's."""

    school_id: UUID
    student_id: str
    amount: int
    reason: str
    reference: str
    course_id: UUID | None = None


@dataclass(frozen=True)
class CancelRefund:
    refund_id: UUID


@dataclass(frozen=True)
class ApproveRefund:
    refund_id: UUID


@dataclass(frozen=True)
class PayRefund:
    refund_id: UUID
    bank_reference: str
    paid_on: date


@dataclass(frozen=True)
class ReceiveSubsidy:
    school_id: UUID
    reference: str
    source: str
    amount: int
    received_on: date


@dataclass(frozen=True)
class AllocateSubsidy:
    grant_id: UUID
    course_id: UUID
    amount: int
    on: date


@dataclass(frozen=True)
class DraftPayroll:
    school_id: UUID
    month: date


@dataclass(frozen=True)
class ApprovePayroll:
    run_id: UUID


@dataclass(frozen=True)
class PayPayroll:
    run_id: UUID
    bank_references: tuple[tuple[UUID, str], ...]
    paid_on: date


@dataclass(frozen=True)
class SetBankAccount:
    school_id: UUID
    account: str


@dataclass(frozen=True)
class SaveBankFormat:
    """How one bank's statement export is read, saved once per school."""

    school_id: UUID
    name: str
    mapping: ColumnMap


@dataclass(frozen=True)
class ImportStatement:
    """``format``: camt053, csv, csv-mapped or xlsx; ``content``: the file as
    the bank sent it; ``bank_format``: the saved mapping a csv-mapped or xlsx
    file is read through."""

    school_id: UUID
    format: str
    content: bytes
    bank_format: str = ""


@dataclass(frozen=True)
class ReportSurplus:
    term_id: UUID


# --- many at once, saved in one transaction -----------------------------------
@dataclass(frozen=True)
class SetUp:
    """A school's term set up at once: the school, its term, teachers and
    courses, in that order."""

    steps: tuple[RegisterSchool | OpenTerm | RegisterTeacher | OpenCourse, ...]


@dataclass(frozen=True)
class EnrolMany:
    enrolments: tuple[Enrol, ...]


@dataclass(frozen=True)
class RegisterMany:
    registrations: tuple[Register, ...]


@dataclass(frozen=True)
class DeliverSessions:
    """A day of sessions with their rosters."""

    sessions: tuple[DeliverSession, ...]


@dataclass(frozen=True)
class RecordPayments:
    """A batch of payment notifications."""

    payments: tuple[RecordPayment, ...]


@dataclass(frozen=True)
class RequestErasure:
    """Of a person's personal data; ``ref``: the id the log knows them by."""

    school_id: UUID
    kind: Kind
    ref: str


@dataclass(frozen=True)
class ApproveErasure:
    person_id: UUID


@dataclass(frozen=True)
class LinkGuardian:
    """The children a guardian (by the school's code for them) may see."""

    school_id: UUID
    code: str
    children: tuple[str, ...]


@dataclass(frozen=True)
class LinkGuardians:
    """Many at once, in one transaction (a school's families, generated)."""

    links: tuple[LinkGuardian, ...]
