"""Government subsidy received into the fund and allocated to courses."""

from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    Blank,
    InsufficientSubsidy,
    InvalidAmount,
    OtherSchool,
)
from domain.facts import Created, Fact, Stamp, stable_id


class SubsidyGrant(Aggregate):
    class Received(Created):
        school_id: UUID
        reference: str
        source: str
        amount: int

        def apply(self, grant: "SubsidyGrant") -> None:
            grant.school_id = self.school_id
            grant.reference = self.reference
            grant.source = self.source
            grant.amount = self.amount
            grant.allocated = 0

    class Allocated(Fact):
        school_id: UUID
        course_id: UUID
        amount: int

        def apply(self, grant: "SubsidyGrant") -> None:
            grant.allocated += self.amount

    @staticmethod
    def id_for(school_id: UUID, reference: str) -> UUID:
        return stable_id("subsidy", school_id, reference)

    @classmethod
    def receive(
        cls, *, school_id: UUID, reference: str, source: str, amount: int, stamp: Stamp
    ) -> "SubsidyGrant":
        if amount <= 0:
            raise InvalidAmount(f"a subsidy must be positive, not {amount} fen")
        for field, value in (("reference", reference), ("source", source)):
            if not value.strip():
                raise Blank(f"a subsidy names its {field}", field=field)
        return cls._create(
            cls.Received,
            id=cls.id_for(school_id, reference),
            school_id=school_id,
            reference=reference,
            source=source,
            amount=amount,
            **stamp.fields(),
        )

    @property
    def unallocated(self) -> int:
        return self.amount - self.allocated

    def allocate(
        self, *, course_id: UUID, course_school_id: UUID, amount: int, stamp: Stamp
    ) -> None:
        if course_school_id != self.school_id:
            raise OtherSchool("a subsidy is allocated to a course of its own school")
        if amount <= 0:
            raise InvalidAmount(f"an allocation must be positive, not {amount} fen")
        if amount > self.unallocated:
            raise InsufficientSubsidy(
                f"grant {self.reference} has {self.unallocated} fen left, "
                f"less than the {amount} fen asked for"
            )
        self.trigger_event(
            self.Allocated,
            school_id=self.school_id,
            course_id=course_id,
            amount=amount,
            **stamp.fields(),
        )
