"""A family's dispute of its share of one session, and how it is settled.

The share is held on the course while the dispute is pending. The school
answers within the term's working days: accepting credits the share back to
the family; rejecting (with evidence) lets the family escalate to the
regulator within as many working days, else the share is released. A school
that does not answer in time is taken to accept, as the national rule does.
The regulator decides what is escalated. The free-text reason and the
school's evidence stay in the personal-data registry, not in the events.
"""

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    AnswerWindowClosed,
    Blank,
    DisputeNotPending,
    EscalatedToRegulator,
    EscalationWindowClosed,
    UnknownDisputeGrounds,
)
from domain.facts import Created, Fact, Stamp, stable_id
from domain.workdays import WorkingDays


class Grounds(StrEnum):
    NOT_HELD = "not-held"
    ABSENT = "absent"  # the child was absent though marked present
    OTHER_TEACHER = "other-teacher"  # not the teacher recorded
    OTHER = "other"


class Status(StrEnum):
    OPEN = "open"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    ACCEPTED = "accepted"  # credited back
    UPHELD = "upheld"  # credited back by the regulator
    RELEASED = "released"  # rejected and not escalated
    DISMISSED = "dismissed"  # released by the regulator


PENDING = (Status.OPEN, Status.REJECTED, Status.ESCALATED)
UNANSWERED = "unanswered-dispute-accepted"
NOT_ESCALATED = "rejection-not-escalated"


def evidence_id(dispute_id: UUID) -> UUID:
    """The registry note holding a school's evidence for a rejection."""
    return stable_id("dispute-evidence", dispute_id)


def decision_id(dispute_id: UUID) -> UUID:
    """The registry note holding a regulator's reasons."""
    return stable_id("dispute-decision", dispute_id)


class Dispute(Aggregate):
    class Opened(Created):
        school_id: UUID
        course_id: UUID
        session_id: UUID
        day: date
        student_id: str
        grounds: str
        amount: int
        answer_by: date

        def apply(self, dispute: "Dispute") -> None:
            dispute.school_id = self.school_id
            dispute.course_id = self.course_id
            dispute.day = self.day
            dispute.student_id = self.student_id
            dispute.answer_by = self.answer_by
            dispute.escalate_by = None
            dispute.status = Status.OPEN

    class Accepted(Fact):
        school_id: UUID

        def apply(self, dispute: "Dispute") -> None:
            dispute.status = Status.ACCEPTED

    class Rejected(Fact):
        """The school rejects it; its evidence is in the registry."""

        school_id: UUID
        escalate_by: date

        def apply(self, dispute: "Dispute") -> None:
            dispute.status = Status.REJECTED
            dispute.escalate_by = self.escalate_by

    class Escalated(Fact):
        school_id: UUID

        def apply(self, dispute: "Dispute") -> None:
            dispute.status = Status.ESCALATED

    class Decided(Fact):
        """The regulator upholds the family (credited back) or dismisses it."""

        school_id: UUID
        upheld: bool

        def apply(self, dispute: "Dispute") -> None:
            dispute.status = Status.UPHELD if self.upheld else Status.DISMISSED

    class Lapsed(Fact):
        """``rule``: nobody acted by ``deadline``, which settles it."""

        school_id: UUID
        rule: str
        deadline: date

        def apply(self, dispute: "Dispute") -> None:
            dispute.status = (
                Status.ACCEPTED if self.rule == UNANSWERED else Status.RELEASED
            )

    @staticmethod
    def id_for(session_id: UUID, student_id: str) -> UUID:
        return stable_id("dispute", session_id, student_id)

    @classmethod
    def open(
        cls,
        *,
        school_id: UUID,
        course_id: UUID,
        session_id: UUID,
        day: date,
        student_id: str,
        grounds: str,
        amount: int,
        answer_by: date,
        stamp: Stamp,
    ) -> "Dispute":
        if grounds not in set(Grounds):
            raise UnknownDisputeGrounds(
                f"grounds {grounds!r} is not one of {', '.join(Grounds)}"
            )
        return cls._create(
            cls.Opened,
            id=cls.id_for(session_id, student_id),
            school_id=school_id,
            course_id=course_id,
            session_id=session_id,
            day=day,
            student_id=student_id,
            grounds=grounds,
            amount=amount,
            answer_by=answer_by,
            **stamp.fields(),
        )

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def credited(self) -> bool:
        """Settled by crediting the share back to the family."""
        return self.status in (Status.ACCEPTED, Status.UPHELD)

    def accept(self, *, stamp: Stamp) -> None:
        self._check_school_answers(stamp)
        self.trigger_event(self.Accepted, school_id=self.school_id, **stamp.fields())

    def reject(
        self, evidence: str, calendar: WorkingDays, answer_days: int, *, stamp: Stamp
    ) -> None:
        """``evidence`` goes to the registry; a rejection must give some."""
        if not evidence.strip():
            raise Blank("a rejection states its evidence", field="evidence")
        self._check_school_answers(stamp)
        self.trigger_event(
            self.Rejected,
            school_id=self.school_id,
            escalate_by=calendar.after(stamp.on, answer_days),
            **stamp.fields(),
        )

    def escalate(self, *, stamp: Stamp) -> None:
        self._check(Status.REJECTED, "escalated")
        if stamp.on > self.escalate_by:
            raise EscalationWindowClosed(
                f"a rejected dispute is escalated by {self.escalate_by}",
                rule=NOT_ESCALATED,
            )
        self.trigger_event(self.Escalated, school_id=self.school_id, **stamp.fields())

    def decide(self, *, upheld: bool, stamp: Stamp) -> None:
        self._check(Status.ESCALATED, "decided")
        self.trigger_event(
            self.Decided, school_id=self.school_id, upheld=upheld, **stamp.fields()
        )

    def lapse(self, *, stamp: Stamp) -> bool:
        """Settles a dispute nobody acted on in time; whether it did."""
        if self.status is Status.OPEN and stamp.on > self.answer_by:
            rule, deadline = UNANSWERED, self.answer_by
        elif self.status is Status.REJECTED and stamp.on > self.escalate_by:
            rule, deadline = NOT_ESCALATED, self.escalate_by
        else:
            return False
        self.trigger_event(
            self.Lapsed,
            school_id=self.school_id,
            rule=rule,
            deadline=deadline,
            **stamp.fields(),
        )
        return True

    def _check_school_answers(self, stamp: Stamp) -> None:
        if self.status is Status.ESCALATED:
            raise EscalatedToRegulator(
                "this dispute is escalated; the regulator decides it"
            )
        self._check(Status.OPEN, "answered")
        if stamp.on > self.answer_by:
            raise AnswerWindowClosed(
                f"the school had until {self.answer_by} to answer; unanswered, "
                "the dispute counts as accepted",
                rule=UNANSWERED,
            )

    def _check(self, status: Status, step: str) -> None:
        if self.status is not status:
            raise DisputeNotPending(
                f"a dispute is {step} while {status.value}; this one is "
                f"{self.status.value}"
            )
