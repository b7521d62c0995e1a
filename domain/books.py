"""A school's books as the log has them up to a position: the write-side state
that money decisions read.

The books are folded from the school's events through the same ``journal``
the ledger read model is built from, so a decision and a query speak of the
same figures (``domain.figures``). Besides balances they keep what decisions
need and the ledger does not: who is enrolled, refunds asked for and not yet
decided, and each delivery's pay until a payroll settles it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time
from functools import singledispatchmethod
from uuid import UUID

from domain.allocation import Allocation
from domain.course import Course
from domain.errors import FundWouldBeUncovered
from domain.facts import Fact, event_id
from domain.family import Family, Seat
from domain.figures import (
    BANK,
    CREDIT,
    HELD,
    OWED,
    SURPLUS,
    UNALLOCATED,
    Flows,
    covered,
    free_cash,
)
from domain.ledger import Holder, holder_of, journal, kind_of
from domain.payroll import PayrollRun
from domain.person import Kind
from domain.refund import Refund

Key = tuple[str, UUID]  # an enrolment: student and course


@dataclass(frozen=True)
class PayDelivery:
    """A delivered session's teacher pay, and what payrolls made of it."""

    delivery_id: UUID
    session_id: UUID
    course_id: UUID
    teacher_id: UUID
    day: date
    starts: time
    ends: time
    roster: int
    accrued: int
    reversed: bool = False
    paid_run: UUID | None = None
    paid_amount: int | None = None
    reversal_run: UUID | None = None

    @property
    def unsettled(self) -> bool:
        """Delivered and paid by no payroll, or reversed after one paid it."""
        if self.reversed:
            return self.paid_run is not None and self.reversal_run is None
        return self.paid_run is None and self.roster > 0


class Books:
    def __init__(self, school_id: UUID) -> None:
        self.school_id = school_id
        self.position = 0
        self.holders: dict[Holder, dict[tuple[str, str], int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.seats: dict[Key, bool] = {}  # whether the enrolment stands
        self.terms: dict[UUID, UUID] = {}  # course -> term
        self.in_flight: dict[UUID, tuple[str, tuple[Allocation, ...]]] = {}
        self.deliveries: dict[UUID, PayDelivery] = {}
        self.paid_runs: set[UUID] = set()

    # --- folding the log ---------------------------------------------------

    def apply(self, event: Fact) -> None:
        if (entry := journal(event)) is not None:
            for line in entry.lines:
                flows = self.holders[holder_of(line.account)]
                flows[(kind_of(line.account), line.flow)] += line.debit - line.credit
        self.note(event)

    @singledispatchmethod
    def note(self, event: Fact) -> None:
        pass

    @note.register
    def _(self, e: Course.Opened) -> None:
        self.terms[e.originator_id] = e.term_id

    @note.register
    def _(self, e: Course.StudentEnrolled) -> None:
        self.seats[(e.student_id, e.originator_id)] = True

    @note.register
    def _(self, e: Course.StudentWithdrawn) -> None:
        self.seats[(e.student_id, e.originator_id)] = False

    @note.register
    def _(self, e: Course.SessionDelivered) -> None:
        delivery = event_id(e.originator_id, e.originator_version)
        self.deliveries[delivery] = PayDelivery(
            delivery,
            e.session_id,
            e.originator_id,
            e.teacher_id,
            e.effective,
            e.starts,
            e.ends,
            len(e.present),
            e.teacher_pay,
        )

    @note.register
    def _(self, e: Course.DeliveryReversed) -> None:
        delivery = self.deliveries[e.reverses]
        self.deliveries[e.reverses] = replace(delivery, reversed=True)

    @note.register
    def _(self, e: Refund.Requested) -> None:
        self.in_flight[e.originator_id] = (e.student_id, tuple(e.lines))

    @note.register(Refund.Approved)
    @note.register(Refund.Cancelled)
    def _(self, e: Refund.Approved | Refund.Cancelled) -> None:
        self.in_flight.pop(e.originator_id, None)

    @note.register
    def _(self, e: PayrollRun.Approved) -> None:
        run = e.originator_id
        for item in e.items:
            delivery = self.deliveries[item.delivery_id]
            self.deliveries[item.delivery_id] = (
                replace(delivery, reversal_run=run)
                if item.reversal
                else replace(delivery, paid_run=run, paid_amount=item.amount)
            )

    @note.register
    def _(self, e: PayrollRun.Paid) -> None:
        self.paid_runs.add(e.originator_id)

    # --- what decisions read ---------------------------------------------

    @property
    def bank(self) -> int:
        return BANK.over(self.holders.values())

    @property
    def held(self) -> int:
        return HELD.over(self.holders.values())

    @property
    def free_cash(self) -> int:
        return free_cash(self.bank, self.held)

    def family(self, student_id: str) -> Family:
        seats = tuple(
            Seat(course, active, OWED.of(flows), CREDIT.of(flows), HELD.of(flows))
            for (student, course), active in self.seats.items()
            if student == student_id
            for flows in (self.holders.get(Holder(student, course), {}),)
        )
        in_flight = {
            refund: lines
            for refund, (student, lines) in self.in_flight.items()
            if student == student_id
        }
        family = self.holders.get(Holder(student_id, None), {})
        return Family(student_id, seats, UNALLOCATED.of(family), in_flight)

    def money_in_flight(self, kind: Kind, ref: str) -> int:
        """A person's money the fund still holds or owes: what it holds for a
        family, a teacher's pay not paid; a guardian holds none (their
        children do)."""
        if kind is Kind.STUDENT:
            return self.held_for(ref)
        if kind is Kind.TEACHER:
            return self.pay_not_paid(UUID(ref))
        return 0

    def held_for(self, student_id: str) -> int:
        """What the fund holds for one family (``HELD``), all its courses."""
        return HELD.over(
            flows
            for holder, flows in self.holders.items()
            if holder.student == student_id
        )

    def pay_not_paid(self, teacher_id: UUID) -> int:
        """A teacher's pay for sessions delivered that no payroll has paid:
        settled by none yet, or in a payroll approved and not paid."""
        due = 0
        for d in self.deliveries.values():
            if d.teacher_id != teacher_id or d.reversed:
                continue
            if d.paid_run is None and d.roster > 0:
                due += d.accrued
            elif d.paid_run is not None and d.paid_run not in self.paid_runs:
                due += d.paid_amount or 0
        return due

    def unsettled(self, through: date) -> list[PayDelivery]:
        """Deliveries up to a day that no payroll has settled yet."""
        due = [d for d in self.deliveries.values() if d.unsettled and d.day <= through]
        return sorted(due, key=lambda d: (d.teacher_id, d.day, d.delivery_id))

    def term_surplus(self, term_id: UUID) -> int:
        courses = {c for c, term in self.terms.items() if term == term_id}
        return SURPLUS.over(
            flows for holder, flows in self.holders.items() if holder.course in courses
        )

    def check_covered_after(self, events: Iterable[Fact]) -> None:
        """Refuses what would leave the bank holding less than families are
        owed: a payroll paid, a session reversed, a payment moved."""
        bank, held = self.after(events)
        if not covered(bank, held) and free_cash(bank, held) < self.free_cash:
            raise FundWouldBeUncovered(
                f"the fund would hold {bank} fen against {held} fen owed to "
                f"families; {max(self.free_cash, 0)} fen are free to use",
                free_cash=max(self.free_cash, 0),
            )

    def free_cash_after(self, events: Iterable[Fact]) -> int:
        """Free cash once these events are recorded: shares silence confirms
        free money for pay."""
        return free_cash(*self.after(events))

    def after(self, events: Iterable[Fact]) -> tuple[int, int]:
        """The bank and what it must hold for families, once these events
        are recorded."""
        touched: dict[Holder, Flows] = {}
        for event in events:
            if (entry := journal(event)) is None:
                continue
            for line in entry.lines:
                holder = holder_of(line.account)
                flows = touched.setdefault(holder, dict(self.holders.get(holder, {})))
                key = (kind_of(line.account), line.flow)
                flows[key] = flows.get(key, 0) + line.debit - line.credit
        before = {h: self.holders.get(h, {}) for h in touched}
        bank = self.bank + BANK.over(touched.values()) - BANK.over(before.values())
        held = self.held + HELD.over(touched.values()) - HELD.over(before.values())
        return bank, held

    @property
    def courses(self) -> list[UUID]:
        return sorted(self.terms)
