"""Every money-moving fact maps, through ``journal``, to one balanced entry.

Accounts of a school's supervised fund:

    bank:supervised           asset      money in the supervised account
    receivable:{student}      asset      fees charged, not yet paid (negative: credit)
    unearned:{student}        liability  fees charged, not yet consumed
    subsidy:{grant}           liability  subsidy received, not yet allocated
    released:{course}         income     fees and subsidy released by sessions,
                                         net of the teacher pay they accrue
    payable:teacher:{teacher} liability  teacher pay earned, not yet paid
    payable:refund:{student}  liability  refund approved, not yet paid
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import singledispatch
from typing import NamedTuple
from uuid import UUID

from domain.course import Course
from domain.facts import Fact, event_id
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.subsidy import SubsidyGrant

BANK = "bank:supervised"
DEBIT_NORMAL = ("bank", "receivable")
KINDS = (
    "bank",
    "receivable",
    "unearned",
    "subsidy",
    "released",
    "payable:teacher",
    "payable:refund",
)


def receivable(student: str) -> str:
    return f"receivable:{student}"


def unearned(student: str) -> str:
    return f"unearned:{student}"


def released(course: UUID) -> str:
    return f"released:{course}"


def subsidy(grant: UUID) -> str:
    return f"subsidy:{grant}"


def teacher_payable(teacher: UUID) -> str:
    return f"payable:teacher:{teacher}"


def refund_payable(student: str) -> str:
    return f"payable:refund:{student}"


def kind_of(account: str) -> str:
    head, _, rest = account.partition(":")
    return f"{head}:{rest.partition(':')[0]}" if head == "payable" else head


def is_debit_normal(account: str) -> bool:
    return account.partition(":")[0] in DEBIT_NORMAL


class Line(NamedTuple):
    """One side of one flow on one account; ``flow`` says what the money did."""

    account: str
    flow: str
    debit: int = 0
    credit: int = 0


@dataclass(frozen=True)
class JournalEntry:
    entry_id: UUID
    school_id: UUID
    effective: date
    kind: str
    lines: tuple[Line, ...]
    reverses: UUID | None = None

    def __post_init__(self) -> None:
        debit = sum(line.debit for line in self.lines)
        credit = sum(line.credit for line in self.lines)
        if debit != credit:
            raise ValueError(f"unbalanced entry {self.kind}: {debit} != {credit}")
        if any(line.debit < 0 or line.credit < 0 for line in self.lines):
            raise ValueError(f"negative amount in entry {self.kind}")


class Posting:
    """Collects debits and credits, one line per account, flow and side."""

    def __init__(self) -> None:
        self.sides: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def move(self, flow: str, amount: int, *, debit: str, credit: str) -> "Posting":
        if amount:
            self.sides[(debit, flow)][0] += amount
            self.sides[(credit, flow)][1] += amount
        return self

    def reversed(self) -> "Posting":
        posting = Posting()
        for key, (debit, credit) in self.sides.items():
            posting.sides[key] = [credit, debit]
        return posting

    def lines(self) -> tuple[Line, ...]:
        lines = []
        for (account, flow), (debit, credit) in self.sides.items():
            if debit:
                lines.append(Line(account, flow, debit=debit))
            if credit:
                lines.append(Line(account, flow, credit=credit))
        return tuple(lines)


def journal(event: Fact) -> JournalEntry | None:
    """The balanced journal entry of a fact, or None when no money moves."""
    posting = _post(event)
    if posting is None or not posting.sides:
        return None
    return JournalEntry(
        entry_id=event_id(event.originator_id, event.originator_version),
        school_id=event.school_id,
        effective=event.effective,
        kind=type(event).__qualname__,
        lines=posting.lines(),
        reverses=getattr(event, "reverses", None),
    )


@singledispatch
def _post(event: Fact) -> Posting | None:
    return None


@_post.register
def _(e: Course.StudentEnrolled) -> Posting:
    student = e.student_id
    return Posting().move(
        "charge", e.fee, debit=receivable(student), credit=unearned(student)
    )


@_post.register(Course.StudentWithdrawn)
@_post.register(Course.FeeWaived)
def _(e: Course.StudentWithdrawn | Course.FeeWaived) -> Posting:
    student = e.student_id
    return Posting().move(
        "cancellation", e.cancelled, debit=unearned(student), credit=receivable(student)
    )


def _delivery(e: Course.SessionDelivered | Course.DeliveryReversed) -> Posting:
    course = released(e.originator_id)
    posting = Posting()
    for s in e.released:
        posting.move("consumption", e.share, debit=unearned(s), credit=course)
    for s in e.cancelled:
        posting.move("cancellation", e.share, debit=unearned(s), credit=receivable(s))
    teacher = teacher_payable(e.teacher_id)
    return posting.move("teacher_pay", e.teacher_pay, debit=course, credit=teacher)


@_post.register
def _(e: Course.SessionDelivered) -> Posting:
    return _delivery(e)


@_post.register
def _(e: Course.DeliveryReversed) -> Posting:
    return _delivery(e).reversed()


@_post.register
def _(e: Payment.Received) -> Posting:
    return Posting().move(
        "payment", e.amount, debit=BANK, credit=receivable(e.student_id)
    )


@_post.register
def _(e: Refund.Approved) -> Posting:
    student = e.student_id
    return Posting().move(
        "refund", e.amount, debit=receivable(student), credit=refund_payable(student)
    )


@_post.register
def _(e: Refund.Paid) -> Posting:
    return Posting().move(
        "refund_payment", e.amount, debit=refund_payable(e.student_id), credit=BANK
    )


@_post.register
def _(e: SubsidyGrant.Received) -> Posting:
    return Posting().move(
        "subsidy", e.amount, debit=BANK, credit=subsidy(e.originator_id)
    )


@_post.register
def _(e: SubsidyGrant.Allocated) -> Posting:
    return Posting().move(
        "allocation",
        e.amount,
        debit=subsidy(e.originator_id),
        credit=released(e.course_id),
    )


@_post.register
def _(e: PayrollRun.Approved) -> Posting:
    posting = Posting()
    for course, teacher, delta in e.adjustments:
        debit, credit = released(course), teacher_payable(teacher)
        if delta < 0:
            debit, credit, delta = credit, debit, -delta
        posting.move("teacher_pay", delta, debit=debit, credit=credit)
    return posting


@_post.register
def _(e: PayrollRun.Paid) -> Posting:
    posting = Posting()
    for teacher, amount, _reference in e.payments:
        posting.move("payroll", amount, debit=teacher_payable(teacher), credit=BANK)
    return posting
