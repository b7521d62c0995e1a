"""A family's money at one school, as decisions see it: which enrolments it
pays, what it owes and is owed back, and how a payment or a refund is divided
among them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from uuid import UUID

from domain.allocation import Allocation, total
from domain.errors import (
    AllocationSpent,
    DuplicateAllocation,
    EnrolmentWithdrawn,
    InsufficientCredit,
    InvalidAmount,
    NotAnEnrolment,
    PaymentDoesNotAddUp,
)


@dataclass(frozen=True)
class Seat:
    """An enrolment as decisions see it: whether it stands, and its money."""

    course_id: UUID
    active: bool
    owed: int
    credit: int
    held: int = 0  # paid to it and neither consumed nor refunded


@dataclass(frozen=True)
class Family:
    """One family's money at one school: its enrolments in the order they were
    charged, what it paid and has not allocated, and its refunds in flight."""

    student_id: str
    seats: tuple[Seat, ...]
    unallocated: int
    in_flight: dict[UUID, tuple[Allocation, ...]] = field(default_factory=dict)

    def seat(self, course_id: UUID) -> Seat:
        for seat in self.seats:
            if seat.course_id == course_id:
                return seat
        raise NotAnEnrolment(
            f"student {self.student_id} is not enrolled in course {course_id} "
            "at this school",
            course_id=course_id,
        )

    def allocate(self, amount: int) -> tuple[Allocation, ...]:
        """Oldest unpaid charge first; what is left stays the family's,
        unallocated."""
        lines, rest = [], amount
        for seat in self.seats:
            if rest and seat.owed > 0:
                part = min(rest, seat.owed)
                lines.append(Allocation(seat.course_id, part))
                rest -= part
        if rest:
            lines.append(Allocation(None, rest))
        return tuple(lines)

    def paying(self, allocations: Iterable[Allocation]) -> "Family":
        """The family once a payment so allocated is booked."""
        paid = {a.course_id: a.amount for a in allocations}
        seats = []
        for seat in self.seats:
            balance = seat.owed - seat.credit - paid.get(seat.course_id, 0)
            seats.append(replace(seat, owed=max(balance, 0), credit=max(-balance, 0)))
        rest = self.unallocated + paid.get(None, 0)
        return replace(self, seats=tuple(seats), unallocated=rest)

    def check_allocation(self, lines: Sequence[Allocation], amount: int) -> None:
        """Lines name standing enrolments of this family, once each, and add up
        to the amount they divide."""
        courses = [line.course_id for line in lines]
        if len(set(courses)) != len(courses):
            raise DuplicateAllocation("each enrolment appears once in the lines")
        for line in lines:
            if line.amount <= 0:
                raise InvalidAmount("every line's amount is positive")
            if line.course_id is not None and not self.seat(line.course_id).active:
                raise EnrolmentWithdrawn(
                    f"student {self.student_id} has left course {line.course_id}",
                    course_id=line.course_id,
                )
        if total(lines) != amount:
            raise PaymentDoesNotAddUp(
                f"the lines add up to {total(lines)} fen, not the {amount} fen paid"
            )

    def refundable(self, course_id: UUID | None, *, but: UUID | None = None) -> int:
        """The credit of one source (an enrolment, or the family's unallocated
        money) less what refunds in flight, other than ``but``, ask of it."""
        credit = self.unallocated if course_id is None else self.seat(course_id).credit
        return credit - self.asked_of(course_id, but=but)

    def asked_of(self, course_id: UUID | None, *, but: UUID | None = None) -> int:
        return sum(
            line.amount
            for refund, lines in self.in_flight.items()
            if refund != but
            for line in lines
            if line.course_id == course_id
        )

    def check_moving(
        self, previous: Sequence[Allocation], lines: Sequence[Allocation]
    ) -> None:
        """A payment moved to other enrolments takes from each source only what
        it still holds for the family: neither consumed, nor refunded, nor
        asked for by a refund in flight."""
        now = {line.course_id: line.amount for line in lines}
        for line in previous:
            taken = line.amount - now.get(line.course_id, 0)
            if taken <= 0:
                continue
            source = line.course_id
            kept = self.unallocated if source is None else self.seat(source).held
            movable = kept - self.asked_of(source)
            if taken > movable:
                raise AllocationSpent(
                    f"only {max(movable, 0)} fen of what was paid to "
                    f"{source or 'the family'} is neither consumed, refunded nor "
                    f"asked for; {taken} fen cannot move",
                    course_id=source,
                )

    def refund_lines(
        self, amount: int, course_id: UUID | None
    ) -> tuple[Allocation, ...]:
        """Where a refund is drawn from: the enrolment named, or else the
        family's unallocated money first, then its enrolments in order."""
        sources = (
            [course_id] if course_id else [None, *(s.course_id for s in self.seats)]
        )
        lines, rest = [], amount
        for source in sources:
            part = min(rest, max(self.refundable(source), 0))
            if part:
                lines.append(Allocation(source, part))
                rest -= part
        if rest:
            available = amount - rest
            raise InsufficientCredit(
                f"student {self.student_id} has {available} fen of credit "
                f"{'in that course ' if course_id else ''}not already asked for, "
                f"less than the {amount} fen asked for",
                credit=available,
            )
        return tuple(lines)

    @property
    def credit(self) -> int:
        """All the family may be refunded now: its credit not already asked for."""
        sources = [None, *(seat.course_id for seat in self.seats)]
        return sum(max(self.refundable(source), 0) for source in sources)

    def check_refund(self, refund_id: UUID, lines: Iterable[Allocation]) -> None:
        for line in lines:
            available = self.refundable(line.course_id, but=refund_id)
            if line.amount > available:
                raise InsufficientCredit(
                    f"student {self.student_id} has {max(available, 0)} fen of "
                    f"credit left, less than the {line.amount} fen this refund draws",
                    credit=max(available, 0),
                )
