"""Refunds of a family's credit: requested, approved by another person, paid;
or cancelled before approval."""

from collections.abc import Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.allocation import Allocation
from domain.errors import (
    Blank,
    InvalidAmount,
    InvalidTransition,
    PaidBeforeApproved,
    SameApprover,
)
from domain.facts import Created, Fact, Stamp, stable_id
from domain.family import Family


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    CANCELLED = "cancelled"


def _drawn_from_unallocated(state: dict[str, Any]) -> None:
    state["lines"] = (Allocation(None, state["amount"]),)


class Refund(Aggregate):
    class Requested(Created):
        """``lines``: where the refund is drawn from, an enrolment's credit or
        the family's unallocated money (no course). Its reason, free text that
        may name people, is kept in the personal-data registry, not here."""

        class_version = 3
        school_id: UUID
        student_id: str
        amount: int
        reference: str
        lines: Sequence[Allocation]

        upcast_v1_v2 = staticmethod(_drawn_from_unallocated)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.pop("reason", None)  # stored before; no longer shown

        def apply(self, refund: "Refund") -> None:
            refund.school_id = self.school_id
            refund.student_id = self.student_id
            refund.amount = self.amount
            refund.reference = self.reference
            refund.lines = tuple(self.lines)
            refund.requested_by = self.actor
            refund.approved_on = None
            refund.status = RefundStatus.REQUESTED

    class Approved(Fact):
        class_version = 2
        school_id: UUID
        student_id: str
        amount: int
        lines: Sequence[Allocation]

        upcast_v1_v2 = staticmethod(_drawn_from_unallocated)

        def apply(self, refund: "Refund") -> None:
            refund.approved_on = self.effective
            refund.status = RefundStatus.APPROVED

    class Paid(Fact):
        school_id: UUID
        student_id: str
        amount: int
        bank_reference: str

        def apply(self, refund: "Refund") -> None:
            refund.status = RefundStatus.PAID

    class Cancelled(Fact):
        school_id: UUID
        student_id: str
        amount: int

        def apply(self, refund: "Refund") -> None:
            refund.status = RefundStatus.CANCELLED

    @staticmethod
    def id_for(school_id: UUID, reference: str) -> UUID:
        return stable_id("refund", school_id, reference)

    @classmethod
    def request(
        cls,
        *,
        school_id: UUID,
        student_id: str,
        amount: int,
        reason: str,
        reference: str,
        course_id: UUID | None = None,
        family: Family,
        stamp: Stamp,
    ) -> "Refund":
        """Draws on one enrolment's credit, or (no course) on the family's
        credit wherever it lies; what other refunds in flight ask is not
        there to draw on."""
        for field, value in (("reason", reason), ("reference", reference)):
            if not value.strip():
                raise Blank(f"a refund states its {field}", field=field)
        if amount <= 0:
            raise InvalidAmount(f"a refund must be positive, not {amount} fen")
        return cls._create(
            cls.Requested,
            id=cls.id_for(school_id, reference),
            school_id=school_id,
            student_id=student_id,
            amount=amount,
            reference=reference,
            lines=family.refund_lines(amount, course_id),
            **stamp.fields(),
        )

    def approve(self, *, family: Family, stamp: Stamp) -> None:
        self.check_status(RefundStatus.REQUESTED, "approved")
        if stamp.actor.id == self.requested_by:
            raise SameApprover(
                "a refund is approved by someone other than the person who asked for it"
            )
        family.check_refund(self.id, self.lines)
        self.trigger_event(
            self.Approved, **self.money(), lines=self.lines, **stamp.fields()
        )

    def pay(self, *, bank_reference: str, stamp: Stamp) -> None:
        self.check_status(RefundStatus.APPROVED, "paid")
        if not bank_reference.strip():
            raise Blank("a refund payment names its bank reference", field="reference")
        if stamp.on < self.approved_on:
            raise PaidBeforeApproved(
                f"the refund was approved on {self.approved_on}; it cannot be paid "
                f"on {stamp.on}"
            )
        self.trigger_event(
            self.Paid, bank_reference=bank_reference, **self.money(), **stamp.fields()
        )

    def cancel(self, *, stamp: Stamp) -> None:
        """Withdraws a request not yet approved: its amount is credit again."""
        self.check_status(RefundStatus.REQUESTED, "cancelled")
        self.trigger_event(self.Cancelled, **self.money(), **stamp.fields())

    def money(self) -> dict[str, object]:
        return {
            "school_id": self.school_id,
            "student_id": self.student_id,
            "amount": self.amount,
        }

    def check_status(self, expected: RefundStatus, verb: str) -> None:
        if self.status != expected:
            raise InvalidTransition(
                f"refund {self.reference} is {self.status}; only a {expected} "
                f"refund can be {verb}"
            )
