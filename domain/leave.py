"""A guardian's request for leave, decided by the school.

Only a reason code is recorded: free text could name people, and events are
never erased. An approval is recorded twice over, on the request (decided)
and on the course's register (``Course.LeaveApproved`` naming the request),
where it credits back the shares of the sessions missed.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.course import Course
from domain.errors import LeaveAlreadyDecided, UnknownLeaveReason
from domain.facts import Created, Fact, Stamp, stable_id


class LeaveReason(StrEnum):
    ILLNESS = "illness"
    APPOINTMENT = "appointment"
    FAMILY = "family"
    TRAVEL = "travel"
    OTHER = "other"


class LeaveRequest(Aggregate):
    class Requested(Created):
        school_id: UUID
        course_id: UUID
        student_id: str
        dates: Sequence[date]
        reason: str | None

        def apply(self, request: "LeaveRequest") -> None:
            request.school_id = self.school_id
            request.course_id = self.course_id
            request.student_id = self.student_id
            request.dates = tuple(self.dates)
            request.reason = self.reason
            request.status = "requested"

    class Approved(Fact):
        school_id: UUID

        def apply(self, request: "LeaveRequest") -> None:
            request.status = "approved"

    class Declined(Fact):
        school_id: UUID

        def apply(self, request: "LeaveRequest") -> None:
            request.status = "declined"

    @staticmethod
    def id_for(course_id: UUID, student_id: str, dates: Iterable[date]) -> UUID:
        """Asking again for the same dates finds the same request."""
        days = ",".join(d.isoformat() for d in sorted(set(dates)))
        return stable_id("leave-request", course_id, student_id, days)

    @classmethod
    def ask(
        cls,
        *,
        course: Course,
        student_id: str,
        dates: Iterable[date],
        reason: str | None,
        stamp: Stamp,
    ) -> "LeaveRequest":
        dates = course.check_leave(student_id, dates)
        if reason is not None and reason not in set(LeaveReason):
            raise UnknownLeaveReason(
                f"unknown reason {reason!r}; one of {', '.join(LeaveReason)}"
            )
        return cls._create(
            cls.Requested,
            id=cls.id_for(course.id, student_id, dates),
            school_id=course.school_id,
            course_id=course.id,
            student_id=student_id,
            dates=dates,
            reason=reason,
            **stamp.fields(),
        )

    def approve(self, course: Course, *, stamp: Stamp) -> None:
        """Grants the leave on the course's register, as the school would
        when asked in person."""
        self.check_undecided()
        course.approve_leave(
            self.student_id, self.dates, stamp=stamp, request_id=self.id
        )
        self.trigger_event(self.Approved, school_id=self.school_id, **stamp.fields())

    def decline(self, *, stamp: Stamp) -> None:
        self.check_undecided()
        self.trigger_event(self.Declined, school_id=self.school_id, **stamp.fields())

    def check_undecided(self) -> None:
        if self.status != "requested":
            raise LeaveAlreadyDecided(f"this leave request was {self.status} already")
