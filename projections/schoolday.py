"""A school's day as its administrator runs it: the courses meeting on a day,
each with its session if recorded, and the leave requests awaiting a
decision."""

from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from psycopg.sql import SQL

from domain.errors import NotFound
from projections.queries import Queries


@dataclass(frozen=True)
class CourseDay:
    """A course on one day, and its session of that day unless none is
    recorded (or the one recorded was reversed)."""

    course_id: UUID
    school_id: UUID
    term_id: UUID
    term_code: str
    term_starts: date
    term_ends: date
    closed_days: list[date]
    min_minutes: int
    earliest_end: time
    code: str
    name: str
    category: str
    teacher_id: UUID
    teacher_code: str | None
    enrolled: int
    recorded_at: datetime | None
    starts: time | None
    ends: time | None
    session_teacher_id: UUID | None
    present: int | None
    absent: int | None
    on_leave: int | None

    @property
    def recorded(self) -> bool:
        return self.recorded_at is not None


@dataclass(frozen=True)
class LeaveAsked:
    request_id: UUID
    course_id: UUID
    course_code: str | None
    course_name: str | None
    student_id: str
    dates: list[date]
    reason: str | None
    requested_by: str
    requested_at: datetime


_COURSE_DAYS = """
    SELECT c.course_id, c.school_id, c.term_id, t.code AS term_code,
           t.starts AS term_starts, t.ends AS term_ends, t.closed_days,
           t.min_minutes, t.earliest_end,
           c.code, c.name, c.category, c.teacher_id, tt.code AS teacher_code,
           c.enrolled, s.recorded_at, s.starts, s.ends,
           s.teacher_id AS session_teacher_id,
           cardinality(s.present) AS present, cardinality(s.absent) AS absent,
           cardinality(s.on_leave) AS on_leave
    FROM courses c
    JOIN terms t ON t.term_id = c.term_id
    LEFT JOIN teachers tt ON tt.teacher_id = c.teacher_id
    LEFT JOIN service_sessions s
        ON s.course_id = c.course_id AND s.day = %(day)s AND NOT s.reversed
    WHERE {where}
    ORDER BY c.code, c.course_id
"""
_MEETING = SQL(_COURSE_DAYS).format(
    where=SQL("""c.school_id = %(school)s
      AND %(day)s BETWEEN t.starts AND t.ends
      AND NOT %(day)s = ANY(t.closed_days)""")
)
_ONE = SQL(_COURSE_DAYS).format(where=SQL("c.course_id = %(course)s"))
_LEAVE_AWAITING = SQL("""
    SELECT l.request_id, l.course_id, c.code AS course_code,
           c.name AS course_name, l.student_id, l.dates, l.reason,
           l.requested_by, l.requested_at
    FROM leave_requests l LEFT JOIN courses c ON c.course_id = l.course_id
    WHERE l.school_id = %s AND l.status = 'requested'
    ORDER BY l.requested_at, l.request_id
""")


def meeting_on(queries: Queries, school_id: UUID, day: date) -> list[CourseDay]:
    """The school's courses whose term runs on ``day`` and is not closed
    then (whether the day is a working day is the calendar's to say)."""
    rows = queries.rows(_MEETING, {"school": school_id, "day": day})
    return [CourseDay(**row) for row in rows]


def course_on(queries: Queries, course_id: UUID, day: date) -> CourseDay:
    if not (rows := queries.rows(_ONE, {"course": course_id, "day": day})):
        raise NotFound("no course with that id")
    return CourseDay(**rows[0])


def leave_awaiting(queries: Queries, school_id: UUID) -> list[LeaveAsked]:
    """The school's leave requests not yet decided, oldest first."""
    rows = queries.rows(_LEAVE_AWAITING, (school_id,))
    return [LeaveAsked(**row) for row in rows]
