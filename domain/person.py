"""The people behind the log's pseudonymous ids, as far as the log knows
them: a person's kind and id, and the erasure of their personal data, asked
for by the school and approved by someone else (the district's regulator).
Names, phones and accounts are never in events: they live in the registry,
which an approved erasure empties."""

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidTransition, MoneyInFlight, SameApprover
from domain.facts import Created, Fact, Stamp, stable_id


class Kind(StrEnum):
    STUDENT = "student"
    GUARDIAN = "guardian"
    TEACHER = "teacher"


def person_id_for(school_id: UUID, kind: Kind, ref: str) -> UUID:
    """``ref``: the id the log knows the person by (a student's id, a
    teacher's id, a guardian's code)."""
    return stable_id("person", school_id, kind.value, ref)


class Erasure(Aggregate):
    class Requested(Created):
        school_id: UUID
        person_id: UUID
        kind: str
        ref: str

        def apply(self, erasure: "Erasure") -> None:
            erasure.school_id = self.school_id
            erasure.person_id = self.person_id
            erasure.kind = Kind(self.kind)
            erasure.ref = self.ref
            erasure.requested_by = self.actor
            erasure.approved = False

    class Approved(Fact):
        school_id: UUID
        person_id: UUID

        def apply(self, erasure: "Erasure") -> None:
            erasure.approved = True

    @staticmethod
    def id_for(person_id: UUID) -> UUID:
        return stable_id("erasure", person_id)

    @classmethod
    def request(
        cls, *, school_id: UUID, kind: Kind, ref: str, stamp: Stamp
    ) -> "Erasure":
        person_id = person_id_for(school_id, kind, ref)
        return cls._create(
            cls.Requested,
            id=cls.id_for(person_id),
            school_id=school_id,
            person_id=person_id,
            kind=kind.value,
            ref=ref,
            **stamp.fields(),
        )

    def approve(self, *, in_flight: int, stamp: Stamp) -> None:
        """``in_flight``: the person's money the fund still holds or owes, in
        fen: a family's credit or refund not paid, a teacher's pay not paid."""
        if self.approved:
            raise InvalidTransition(f"the erasure of {self.kind} {self.ref} is done")
        if stamp.actor.id == self.requested_by:
            raise SameApprover(
                "an erasure is approved by someone other than the person who asked"
            )
        if in_flight > 0:
            owner = "the family of student" if self.kind is Kind.STUDENT else "teacher"
            raise MoneyInFlight(
                f"{owner} {self.ref} has {in_flight} fen in flight (credit not "
                "refunded, a refund not paid, or pay not paid): settle it first",
                in_flight=in_flight,
            )
        self.trigger_event(
            self.Approved,
            school_id=self.school_id,
            person_id=self.person_id,
            **stamp.fields(),
        )


class Guardianship(Aggregate):
    """Which children a guardian may see and act for: who may see whom is
    decided here, in the log, by pseudonymous ids; names stay in the
    registry."""

    class Linked(Created):
        school_id: UUID
        code: str
        children: tuple[str, ...]

        def apply(self, guardianship: "Guardianship") -> None:
            guardianship.school_id = self.school_id
            guardianship.code = self.code
            guardianship.children = tuple(self.children)

    class Relinked(Fact):
        school_id: UUID
        children: tuple[str, ...]

        def apply(self, guardianship: "Guardianship") -> None:
            guardianship.children = tuple(self.children)

    @classmethod
    def link(
        cls, *, school_id: UUID, code: str, children: tuple[str, ...], stamp: Stamp
    ) -> "Guardianship":
        return cls._create(
            cls.Linked,
            id=person_id_for(school_id, Kind.GUARDIAN, code),
            school_id=school_id,
            code=code,
            children=tuple(sorted(children)),
            **stamp.fields(),
        )

    def relink(self, children: tuple[str, ...], *, stamp: Stamp) -> None:
        """Records the children anew, if they changed."""
        if tuple(sorted(children)) != self.children:
            self.trigger_event(
                self.Relinked,
                school_id=self.school_id,
                children=tuple(sorted(children)),
                **stamp.fields(),
            )
