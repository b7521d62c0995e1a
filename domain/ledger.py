"""Every money-moving fact maps, through ``journal``, to one balanced entry.

Accounts of a school's supervised fund; an enrolment is a student in a course:

    bank:supervised              asset      money in the supervised account
    receivable:{student}/{course} asset     an enrolment's fee charged, not yet paid
                                            (negative: paid beyond it)
    unearned:{student}/{course}  liability  an enrolment's fee charged, not yet consumed
    awaiting:{student}/{course}  liability  consumed shares awaiting the family's
                                            confirmation: still the family's money
    disputed:{student}/{course}  liability  consumed shares the family disputes, held
    unallocated:{student}        liability  paid by a family, not yet allocated to
                                            an enrolment
    subsidy:{grant}              liability  subsidy received, not yet allocated
    released:{course}            income     fees released by sessions and subsidy
                                            allocated, less the teacher pay accrued
    payable:teacher:{teacher}    liability  teacher pay earned, not yet paid
    payable:refund:{student}     liability  refund approved, not yet paid

Each line also names its flow (charge, payment, consumption, …): the figures
of ``domain.figures`` are sums of balances by account kind and flow.

A delivered session consumes each attending student's share: Dr unearned,
Cr released (release on delivery) or Cr awaiting (release on confirmation).
Confirmation, by the guardian or by silence, moves it Dr awaiting, Cr
released (flow confirmation); a dispute Dr awaiting, Cr disputed. A dispute
settled for the school releases it (Dr disputed, Cr released); one settled
for the family undoes the consumption (Dr disputed, Cr unearned) and
cancels the share as leave does (Dr unearned, Cr receivable), so the
family's credit grows by the share. The teacher's pay accrued on delivery
(Dr released, Cr payable:teacher) stands: a share credited back after the
teacher was paid is the course's, so the school's, cost, not the family's.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from functools import singledispatch
from typing import NamedTuple
from uuid import UUID

from domain.allocation import Allocation
from domain.course import Course
from domain.facts import Fact, event_id
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.subsidy import SubsidyGrant

BANK = "bank:supervised"
DEBIT_NORMAL = ("bank", "receivable")


def receivable(student: str, course: UUID) -> str:
    return f"receivable:{student}/{course}"


def unearned(student: str, course: UUID) -> str:
    return f"unearned:{student}/{course}"


def awaiting(student: str, course: UUID) -> str:
    return f"awaiting:{student}/{course}"


def disputed(student: str, course: UUID) -> str:
    return f"disputed:{student}/{course}"


def unallocated(student: str) -> str:
    return f"unallocated:{student}"


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


class Holder(NamedTuple):
    """Whose money an account is: an enrolment (student and course), a family
    (student alone), a course's income (course alone), or the school's fund."""

    student: str | None
    course: UUID | None


SCHOOL = Holder(None, None)
ENROLMENT_KINDS = ("receivable", "unearned", "awaiting", "disputed")
_FAMILY_KINDS = ("unallocated", "payable:refund")


def holder_of(account: str) -> Holder:
    kind = kind_of(account)
    if kind in ENROLMENT_KINDS:
        student, _, course = account[len(kind) + 1 :].partition("/")
        return Holder(student, UUID(course))
    if kind in _FAMILY_KINDS:
        return Holder(account[len(kind) + 1 :], None)
    if kind == "released":
        return Holder(None, UUID(account[len(kind) + 1 :]))
    return SCHOOL


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

    def net(self, flow: str, account: str, amount: int) -> "Posting":
        """Debits (positive) or credits (negative) one account; the entry as a
        whole must still balance."""
        if amount:
            self.sides[(account, flow)][0 if amount > 0 else 1] += abs(amount)
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
    student, course = e.student_id, e.originator_id
    return Posting().move(
        "charge",
        e.fee,
        debit=receivable(student, course),
        credit=unearned(student, course),
    )


@_post.register(Course.StudentWithdrawn)
@_post.register(Course.FeeWaived)
def _(e: Course.StudentWithdrawn | Course.FeeWaived) -> Posting:
    student, course = e.student_id, e.originator_id
    return Posting().move(
        "cancellation",
        e.cancelled,
        debit=unearned(student, course),
        credit=receivable(student, course),
    )


def _delivery(
    e: Course.SessionDelivered | Course.DeliveryReversed, waiting: Collection[str]
) -> Posting:
    """Consumes each share into the course's income, or into awaiting for
    the students in ``waiting``."""
    course = e.originator_id
    income = released(course)
    posting = Posting()
    for s in e.released:
        to = awaiting(s, course) if s in waiting else income
        posting.move("consumption", e.share, debit=unearned(s, course), credit=to)
    for s in e.cancelled:
        posting.move(
            "cancellation",
            e.share,
            debit=unearned(s, course),
            credit=receivable(s, course),
        )
    teacher = teacher_payable(e.teacher_id)
    return posting.move("teacher_pay", e.teacher_pay, debit=income, credit=teacher)


@_post.register
def _(e: Course.SessionDelivered) -> Posting:
    return _delivery(e, e.released if e.awaiting else ())


@_post.register
def _(e: Course.DeliveryReversed) -> Posting:
    return _delivery(e, frozenset(e.awaiting)).reversed()


def _confirmed(course: UUID, shares: Iterable[tuple[str, int]]) -> Posting:
    posting = Posting()
    for student, amount in shares:
        posting.move(
            "confirmation",
            amount,
            debit=awaiting(student, course),
            credit=released(course),
        )
    return posting


@_post.register
def _(e: Course.SharesConfirmed) -> Posting:
    return _confirmed(e.originator_id, [(e.student_id, e.amount)])


@_post.register
def _(e: Course.SilenceElapsed) -> Posting:
    return _confirmed(e.originator_id, e.amounts.items())


@_post.register
def _(e: Course.ShareHeld) -> Posting:
    student, course = e.student_id, e.originator_id
    return Posting().move(
        "dispute",
        e.amount,
        debit=awaiting(student, course),
        credit=disputed(student, course),
    )


@_post.register
def _(e: Course.HeldShareSettled) -> Posting:
    student, course = e.student_id, e.originator_id
    held = disputed(student, course)
    if not e.credited:
        return Posting().move(
            "confirmation", e.amount, debit=held, credit=released(course)
        )
    share = unearned(student, course)
    return (
        Posting()
        .move("consumption", e.amount, debit=held, credit=share)
        .move("cancellation", e.amount, debit=share, credit=receivable(student, course))
    )


def _paid(posting: Posting, student: str, allocations, sign: int = 1) -> Posting:
    """Credits (sign 1) or, undoing them, debits (sign -1) what a payment paid."""
    for line in allocations:
        posting.net("payment", source(student, line), -sign * line.amount)
    return posting


@_post.register
def _(e: Payment.Received) -> Posting:
    return _paid(Posting().net("payment", BANK, e.amount), e.student_id, e.allocations)


@_post.register
def _(e: Payment.Reallocated) -> Posting:
    undone = _paid(Posting(), e.student_id, e.previous, -1)
    return _settle(_paid(undone, e.student_id, e.allocations))


def _settle(posting: Posting) -> Posting:
    """Nets each account's debit and credit: a re-allocation that leaves an
    enrolment's share as it was posts nothing on it."""
    netted = Posting()
    for (account, flow), (debit, credit) in posting.sides.items():
        netted.net(flow, account, debit - credit)
    return netted


def source(student: str, line: Allocation) -> str:
    """The account a part of a family's money sits in: an enrolment's, or the
    family's own when it is not allocated."""
    if line.course_id is None:
        return unallocated(student)
    return receivable(student, line.course_id)


@_post.register
def _(e: Refund.Approved) -> Posting:
    posting = Posting()
    for line in e.lines:
        posting.move(
            "refund",
            line.amount,
            debit=source(e.student_id, line),
            credit=refund_payable(e.student_id),
        )
    return posting


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
    for a in e.adjustments:
        debit, credit = released(a.course_id), teacher_payable(a.teacher_id)
        if a.amount < 0:
            debit, credit = credit, debit
        posting.move("teacher_pay", abs(a.amount), debit=debit, credit=credit)
    return posting


@_post.register
def _(e: PayrollRun.Paid) -> Posting:
    posting = Posting()
    for p in e.payments:
        posting.move(
            "payroll", p.amount, debit=teacher_payable(p.teacher_id), credit=BANK
        )
    return posting
