"""A fee payment into the supervised account, named by its channel reference,
and the enrolments it pays."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.allocation import Allocation
from domain.errors import Blank, InvalidAmount, PaymentConflict
from domain.facts import Created, Fact, Stamp, event_id, stable_id
from domain.family import Family

BY_PAYER = "payer"
BY_RULE = "oldest unpaid charge first"


@dataclass(frozen=True)
class Notice:
    """What the bank or channel says was paid, and for what, if it says."""

    school_id: UUID
    student_id: str
    amount: int
    channel: str
    reference: str
    received_on: date
    lines: tuple[Allocation, ...] | None = None


class Payment(Aggregate):
    class Received(Created):
        """``allocations``: the enrolments paid, as the payer named them or as
        the rule divided the amount; a part without a course is unallocated."""

        class_version = 2
        school_id: UUID
        student_id: str
        amount: int
        channel: str
        reference: str
        allocated_by: str
        allocations: Sequence[Allocation]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["allocated_by"] = BY_RULE
            state["allocations"] = (Allocation(None, state["amount"]),)

        def apply(self, payment: "Payment") -> None:
            payment.school_id = self.school_id
            payment.student_id = self.student_id
            payment.amount = self.amount
            payment.channel = self.channel
            payment.reference = self.reference
            payment.received_on = self.effective
            payment.allocations = tuple(self.allocations)
            payment.lines_named = (
                payment.allocations if self.allocated_by == BY_PAYER else None
            )
            payment.allocated_in = event_id(self.originator_id, self.originator_version)

    class Reallocated(Fact):
        """A bursar's correction: the payment pays other enrolments.
        ``reverses`` names the entry of the allocation it replaces."""

        school_id: UUID
        student_id: str
        reason: str
        reverses: UUID
        previous: Sequence[Allocation]
        allocations: Sequence[Allocation]

        def apply(self, payment: "Payment") -> None:
            payment.allocations = tuple(self.allocations)
            payment.allocated_in = event_id(self.originator_id, self.originator_version)

    @staticmethod
    def id_for(school_id: UUID, channel: str, reference: str) -> UUID:
        return stable_id("payment", school_id, channel, reference)

    @classmethod
    def receive(cls, notice: Notice, *, family: Family, stamp: Stamp) -> "Payment":
        """Books a payment against the enrolments the payer named, or else
        against the family's oldest unpaid charges first."""
        if notice.amount <= 0:
            raise InvalidAmount(f"a payment must be positive, not {notice.amount} fen")
        for field in ("channel", "reference"):
            if not getattr(notice, field).strip():
                raise Blank(f"a payment names its {field}", field=field)
        if notice.lines is None:
            allocations, by = family.allocate(notice.amount), BY_RULE
        else:
            family.check_allocation(notice.lines, notice.amount)
            allocations, by = notice.lines, BY_PAYER
        return cls._create(
            cls.Received,
            id=cls.id_for(notice.school_id, notice.channel, notice.reference),
            school_id=notice.school_id,
            student_id=notice.student_id,
            amount=notice.amount,
            channel=notice.channel,
            reference=notice.reference,
            allocated_by=by,
            allocations=tuple(allocations),
            **stamp.fields(),
        )

    def reallocate(
        self, lines: Sequence[Allocation], *, reason: str, family: Family, stamp: Stamp
    ) -> None:
        if not reason.strip():
            raise Blank("a re-allocation states its reason", field="reason")
        family.check_allocation(lines, self.amount)
        family.check_moving(self.allocations, lines)
        if _by_course(lines) == _by_course(self.allocations):
            return  # allocated so already: asked again, nothing changes
        self.trigger_event(
            self.Reallocated,
            school_id=self.school_id,
            student_id=self.student_id,
            reason=reason,
            reverses=self.allocated_in,
            previous=self.allocations,
            allocations=tuple(lines),
            **stamp.fields(),
        )

    def check_same(self, notice: Notice) -> None:
        """A re-delivered notification must say exactly what the first one said."""
        said = (self.school_id, self.student_id, self.amount, self.received_on)
        again = (notice.school_id, notice.student_id, notice.amount)
        if (*said, self.lines_named) != (*again, notice.received_on, notice.lines):
            raise PaymentConflict(
                f"reference {self.reference} on {self.channel} was already booked "
                "with a different student, amount, date or lines",
                reference=self.reference,
            )


def _by_course(lines: Sequence[Allocation]) -> dict[UUID | None, int]:
    return {line.course_id: line.amount for line in lines}
