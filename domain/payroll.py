"""A school's monthly payroll: drafted from delivered sessions, approved by a
second person, paid from the supervised account.

Each item is one session at the rate in force on its day. Pay accrues when a
session is delivered; approval books the difference between that accrual and
the rate in force (a rate set later, effective earlier), payment clears it. A
session reversed after it was paid comes back as a negative item in a later
run: a paid run is never edited.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    Blank,
    FundWouldBeUncovered,
    InvalidTransition,
    MissingBankReference,
    MonthNotBegun,
    NothingToPay,
    PayrollStale,
    SameApprover,
)
from domain.facts import Created, Fact, Stamp, stable_id


class PayrollStatus(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    PAID = "paid"


@dataclass(frozen=True)
class PayItem:
    """One delivered (or, negative, reversed) session in a teacher's pay.
    ``delivery_id`` names the delivery's journal entry: a corrected session is
    a new delivery of the same session."""

    teacher_id: UUID
    delivery_id: UUID
    session_id: UUID
    course_id: UUID
    day: date
    starts: time
    ends: time
    roster: int
    amount: int
    accrued: int
    reversal: bool = False


@dataclass(frozen=True)
class Adjustment:
    """Pay at the rate in force, less what the sessions accrued, per course
    and teacher: booked when a payroll is approved."""

    course_id: UUID
    teacher_id: UUID
    amount: int


@dataclass(frozen=True)
class TeacherPayment:
    teacher_id: UUID
    amount: int
    bank_reference: str


def _items_v1(state: dict[str, Any]) -> None:
    state["items"] = [PayItem(*item) for item in state["items"]]


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


class PayrollRun(Aggregate):
    class Drafted(Created):
        class_version = 2
        school_id: UUID
        month: date
        items: Sequence[PayItem]

        upcast_v1_v2 = staticmethod(_items_v1)

        def apply(self, run: "PayrollRun") -> None:
            run.school_id = self.school_id
            run.month = self.month
            run.items = tuple(self.items)
            run.drafted_by = self.actor
            run.status = PayrollStatus.DRAFTED

    class Redrafted(Fact):
        class_version = 2
        school_id: UUID
        items: Sequence[PayItem]

        upcast_v1_v2 = staticmethod(_items_v1)

        def apply(self, run: "PayrollRun") -> None:
            run.items = tuple(self.items)
            run.drafted_by = self.actor

    class Approved(Fact):
        class_version = 2
        school_id: UUID
        month: date
        items: Sequence[PayItem]
        adjustments: Sequence[Adjustment]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _items_v1(state)
            state["adjustments"] = [Adjustment(*a) for a in state["adjustments"]]

        def apply(self, run: "PayrollRun") -> None:
            run.approved_by = self.actor
            run.status = PayrollStatus.APPROVED

    class Paid(Fact):
        class_version = 2
        school_id: UUID
        month: date
        payments: Sequence[TeacherPayment]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["payments"] = [TeacherPayment(*p) for p in state["payments"]]

        def apply(self, run: "PayrollRun") -> None:
            run.status = PayrollStatus.PAID

    @staticmethod
    def id_for(school_id: UUID, month: date) -> UUID:
        return stable_id("payroll", school_id, month_of(month).isoformat())

    @classmethod
    def draft(
        cls, *, school_id: UUID, month: date, items: list[PayItem], stamp: Stamp
    ) -> "PayrollRun":
        check_draft(month, items, stamp)
        return cls._create(
            cls.Drafted,
            id=cls.id_for(school_id, month),
            school_id=school_id,
            month=month_of(month),
            items=payable(items),
            **stamp.fields(),
        )

    def redraft(self, items: list[PayItem], *, stamp: Stamp) -> None:
        self.check_status(PayrollStatus.DRAFTED, "redrafted")
        check_draft(self.month, items, stamp)
        self.trigger_event(
            self.Redrafted,
            school_id=self.school_id,
            items=payable(items),
            **stamp.fields(),
        )

    def approve(
        self, *, rate_setters: set[str], unsettled: set[UUID], stamp: Stamp
    ) -> None:
        """``rate_setters``: who set the rates this run pays at; ``unsettled``:
        the deliveries no payroll has settled, as the books say now."""
        self.check_status(PayrollStatus.DRAFTED, "approved")
        who = stamp.actor.id
        if who == self.drafted_by:
            raise SameApprover(
                "a payroll is approved by someone other than its drafter"
            )
        if who in rate_setters:
            raise SameApprover(
                "whoever set a rate this payroll pays at may not approve it"
            )
        if stale := {i.delivery_id for i in self.items} - unsettled:
            raise PayrollStale(
                f"{len(stale)} session(s) were settled or corrected since this "
                "payroll was drafted; redraft it"
            )
        deltas: dict[tuple[UUID, UUID], int] = defaultdict(int)
        for item in self.items:
            deltas[(item.course_id, item.teacher_id)] += item.amount - item.accrued
        adjustments = [Adjustment(c, t, d) for (c, t), d in sorted(deltas.items()) if d]
        self.trigger_event(
            self.Approved,
            school_id=self.school_id,
            month=self.month,
            items=self.items,
            adjustments=adjustments,
            **stamp.fields(),
        )

    def pay(
        self, *, bank_references: dict[UUID, str], free_cash: int, stamp: Stamp
    ) -> None:
        """``free_cash``: bank money not held for families or their refunds."""
        self.check_status(PayrollStatus.APPROVED, "paid")
        totals = self.totals()
        if missing := set(totals) - set(bank_references):
            raise MissingBankReference(
                f"{len(missing)} teacher(s) have no bank reference for this payment"
            )
        if any(not ref.strip() for ref in bank_references.values()):
            raise Blank("a bank reference cannot be blank", field="bank_references")
        total = sum(totals.values())
        if total > free_cash:
            raise FundWouldBeUncovered(
                f"the fund can release {max(free_cash, 0)} fen for pay, "
                f"less than the {total} fen this payroll pays",
                free_cash=max(free_cash, 0),
            )
        payments = [
            TeacherPayment(t, amount, bank_references[t])
            for t, amount in totals.items()
        ]
        self.trigger_event(
            self.Paid,
            school_id=self.school_id,
            month=self.month,
            payments=payments,
            **stamp.fields(),
        )

    @property
    def teachers(self) -> set[UUID]:
        return {item.teacher_id for item in self.items}

    def totals(self) -> dict[UUID, int]:
        totals: dict[UUID, int] = defaultdict(int)
        for item in self.items:
            totals[item.teacher_id] += item.amount
        return dict(sorted(totals.items()))

    def check_status(self, expected: PayrollStatus, verb: str) -> None:
        if self.status != expected:
            raise InvalidTransition(
                f"the payroll of {self.month:%Y-%m} is {self.status}; only a "
                f"{expected} payroll can be {verb}"
            )


def check_draft(month: date, items: list[PayItem], stamp: Stamp) -> None:
    if month_of(month) > month_of(stamp.on):
        raise MonthNotBegun(f"the month {month:%Y-%m} has not begun")
    if any(i.day > month_end(month_of(month)) for i in items if not i.reversal):
        raise ValueError("a payroll pays sessions up to the end of its month only")
    if not payable(items):
        raise NothingToPay(f"there is no pay to draft for {month:%Y-%m}")


def payable(items: list[PayItem]) -> tuple[PayItem, ...]:
    """Items of teachers whose month comes to more than nothing; the others'
    items wait for a later run."""
    totals: dict[UUID, int] = defaultdict(int)
    for item in items:
        totals[item.teacher_id] += item.amount
    return tuple(i for i in items if totals[i.teacher_id] > 0)
