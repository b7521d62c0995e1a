"""Registration: each term's window, who holds a seat or waits for one in each
course, and leave requests with their decisions. A place on a waiting list is
the order of the registrations still waiting, read from the log positions."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatch
from uuid import UUID

from psycopg.sql import SQL

from domain.course import Course
from domain.errors import NotFound
from domain.facts import Fact
from domain.leave import LeaveRequest
from domain.school import Term
from projections.queries import Queries
from projections.rows import Change, Put, Table

REGISTRATION_TERMS = Table(
    "registration_terms",
    ("term_id",),
    """
    CREATE TABLE IF NOT EXISTS registration_terms (
        term_id uuid PRIMARY KEY,
        school_id uuid,
        code text,
        opens timestamptz,
        closes timestamptz,
        closed_early boolean
    )
    """,
)

REGISTRATION_COURSES = Table(
    "registration_courses",
    ("course_id",),
    """
    CREATE TABLE IF NOT EXISTS registration_courses (
        course_id uuid PRIMARY KEY,
        school_id uuid,
        term_id uuid,
        code text,
        capacity int
    );
    CREATE INDEX IF NOT EXISTS registration_courses_term
        ON registration_courses (term_id)
    """,
)

# status: enrolled, waiting, left the waiting list, withdrawn. ``waiting_since``
# is the log position of the registration that put the student in the queue.
REGISTRATIONS = Table(
    "registrations",
    ("course_id", "student_id"),
    """
    CREATE TABLE IF NOT EXISTS registrations (
        course_id uuid NOT NULL,
        student_id text NOT NULL,
        school_id uuid,
        status text,
        waiting_since bigint,
        promoted boolean,
        enrolled_on date,
        changed_at timestamptz,
        changed_by text,
        PRIMARY KEY (course_id, student_id)
    );
    CREATE INDEX IF NOT EXISTS registrations_waiting
        ON registrations (course_id, waiting_since) WHERE status = 'waiting'
    """,
)

LEAVE_REQUESTS = Table(
    "leave_requests",
    ("request_id",),
    """
    CREATE TABLE IF NOT EXISTS leave_requests (
        request_id uuid PRIMARY KEY,
        school_id uuid,
        course_id uuid,
        student_id text,
        dates date[],
        reason text,
        status text,
        requested_by text,
        requested_at timestamptz,
        decided_by text,
        decided_at timestamptz
    );
    CREATE INDEX IF NOT EXISTS leave_requests_course
        ON leave_requests (course_id, requested_at)
    """,
)

TABLES = (REGISTRATION_TERMS, REGISTRATION_COURSES, REGISTRATIONS, LEAVE_REQUESTS)


@singledispatch
def registration_rows(event: Fact, position: int) -> list[Change]:
    return []


@registration_rows.register
def _(e: Term.Opened, position: int) -> list[Change]:
    row = {"school_id": e.school_id, "code": e.code}
    return [Put(REGISTRATION_TERMS, (e.originator_id,), row)]


@registration_rows.register
def _(e: Term.RegistrationOpened, position: int) -> list[Change]:
    window = {"opens": e.opens, "closes": e.closes, "closed_early": False}
    return [Put(REGISTRATION_TERMS, (e.originator_id,), window)]


@registration_rows.register
def _(e: Term.RegistrationClosed, position: int) -> list[Change]:
    closed = {"closes": e.timestamp, "closed_early": True}
    return [Put(REGISTRATION_TERMS, (e.originator_id,), closed)]


@registration_rows.register
def _(e: Course.Opened, position: int) -> list[Change]:
    fields = ("school_id", "term_id", "code", "capacity")
    row = {f: getattr(e, f) for f in fields}
    return [Put(REGISTRATION_COURSES, (e.originator_id,), row)]


def _seat(e: Fact, student_id: str, **values) -> Change:
    row = {"school_id": e.school_id, "changed_at": e.timestamp, "changed_by": e.actor}
    return Put(REGISTRATIONS, (e.originator_id, student_id), row | values)


@registration_rows.register
def _(e: Course.StudentEnrolled, position: int) -> list[Change]:
    return [
        _seat(
            e,
            e.student_id,
            status="enrolled",
            enrolled_on=e.effective,
            waiting_since=None,
        )
    ]


@registration_rows.register
def _(e: Course.StudentWaitlisted, position: int) -> list[Change]:
    waiting = {"status": "waiting", "waiting_since": position, "promoted": False}
    return [_seat(e, e.student_id, **waiting)]


@registration_rows.register
def _(e: Course.WaitingListLeft, position: int) -> list[Change]:
    return [_seat(e, e.student_id, status="left waiting list", waiting_since=None)]


@registration_rows.register
def _(e: Course.StudentPromoted, position: int) -> list[Change]:
    return [_seat(e, e.student_id, promoted=True)]


@registration_rows.register
def _(e: Course.StudentWithdrawn, position: int) -> list[Change]:
    return [_seat(e, e.student_id, status="withdrawn")]


@registration_rows.register
def _(e: LeaveRequest.Requested, position: int) -> list[Change]:
    row = {
        "school_id": e.school_id,
        "course_id": e.course_id,
        "student_id": e.student_id,
        "dates": list(e.dates),
        "reason": e.reason,
        "status": "requested",
        "requested_by": e.actor,
        "requested_at": e.timestamp,
    }
    return [Put(LEAVE_REQUESTS, (e.originator_id,), row)]


def _decided(status: str, e: Fact) -> list[Change]:
    row = {"status": status, "decided_by": e.actor, "decided_at": e.timestamp}
    return [Put(LEAVE_REQUESTS, (e.originator_id,), row)]


@registration_rows.register
def _(e: LeaveRequest.Approved, position: int) -> list[Change]:
    return _decided("approved", e)


@registration_rows.register
def _(e: LeaveRequest.Declined, position: int) -> list[Change]:
    return _decided("declined", e)


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    term_id: UUID
    school_id: UUID
    code: str
    opens: datetime | None
    closes: datetime | None
    closed_early: bool | None


@dataclass(frozen=True)
class Registration:
    course_id: UUID
    course_code: str
    student_id: str
    status: str
    place: int | None
    promoted: bool
    enrolled_on: date | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class LeaveRequestRow:
    request_id: UUID
    course_id: UUID
    student_id: str
    dates: list[date]
    reason: str | None
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


_WINDOW = SQL("""
    SELECT term_id, school_id, code, opens, closes, closed_early
    FROM registration_terms WHERE term_id = %s
""")
_COURSE_SCHOOL = SQL("SELECT school_id FROM registration_courses WHERE course_id = %s")
_REGISTRATIONS = SQL("""
    SELECT r.course_id, c.code AS course_code, r.student_id, r.status,
           CASE WHEN r.status = 'waiting' THEN row_number() OVER (
               PARTITION BY r.course_id, r.status = 'waiting'
               ORDER BY r.waiting_since) END AS place,
           coalesce(r.promoted, false) AS promoted, r.enrolled_on,
           r.changed_at, r.changed_by
    FROM registrations r JOIN registration_courses c USING (course_id)
    WHERE {where}
    ORDER BY c.code, r.status <> 'waiting', place, r.student_id
""")
_OF_TERM = _REGISTRATIONS.format(where=SQL("c.term_id = %s"))
_WAITING = _REGISTRATIONS.format(where=SQL("r.course_id = %s AND r.status = 'waiting'"))
# a place is counted over the whole course, then the student's rows are kept
_OF_STUDENT = SQL("SELECT * FROM ({}) x WHERE x.student_id = %s").format(
    _REGISTRATIONS.format(
        where=SQL(
            "r.course_id IN (SELECT course_id FROM registrations"
            " WHERE school_id = %s AND student_id = %s)"
        )
    )
)
_LEAVE_OF_STUDENT = SQL("""
    SELECT request_id, course_id, student_id, dates, reason, status,
           requested_by, requested_at, decided_by, decided_at
    FROM leave_requests WHERE school_id = %s AND student_id = %s
    ORDER BY requested_at, request_id
""")
_LEAVE = SQL("""
    SELECT request_id, course_id, student_id, dates, reason, status,
           requested_by, requested_at, decided_by, decided_at
    FROM leave_requests WHERE course_id = %s AND (%s::text IS NULL OR status = %s)
    ORDER BY requested_at, request_id
""")


def window(queries: Queries, term_id: UUID) -> Window:
    if not (rows := queries.rows(_WINDOW, (term_id,))):
        raise NotFound("no term with that id")
    return Window(**rows[0])


def course_school(queries: Queries, course_id: UUID) -> UUID:
    if not (rows := queries.rows(_COURSE_SCHOOL, (course_id,))):
        raise NotFound("no course with that id")
    return rows[0]["school_id"]


def of_term(queries: Queries, term_id: UUID) -> list[Registration]:
    return [Registration(**row) for row in queries.rows(_OF_TERM, (term_id,))]


def waiting_list(queries: Queries, course_id: UUID) -> list[Registration]:
    return [Registration(**row) for row in queries.rows(_WAITING, (course_id,))]


def leave_requests(
    queries: Queries, course_id: UUID, status: str | None = None
) -> list[LeaveRequestRow]:
    rows = queries.rows(_LEAVE, (course_id, status, status))
    return [LeaveRequestRow(**row) for row in rows]


def of_student(
    queries: Queries, school_id: UUID, student_id: str
) -> list[Registration]:
    """A student's seats and places, each place counted in its course."""
    rows = queries.rows(_OF_STUDENT, (school_id, student_id, student_id))
    return [Registration(**row) for row in rows]


def leave_requests_of(
    queries: Queries, school_id: UUID, student_id: str
) -> list[LeaveRequestRow]:
    rows = queries.rows(_LEAVE_OF_STUDENT, (school_id, student_id))
    return [LeaveRequestRow(**row) for row in rows]
