"""How a family's money is divided among its enrolments."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Allocation:
    """A part of an amount and the enrolment of the family it belongs to; a
    part without a course is the family's, not yet allocated."""

    course_id: UUID | None
    amount: int


def total(allocations: Iterable[Allocation]) -> int:
    return sum(a.amount for a in allocations)
