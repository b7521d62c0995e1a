"""What a guardian's statement of one child shows, read from the same queries
as the API's ``GET /v1/guardian/children``: the money, every session with
attendance and its share, seats and waiting places, leave asked for, and the
courses of this week the child may rate."""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from api.console.web import Visit
from domain.errors import NotFound
from domain.rating import monday_of
from projections import confirmations as q
from projections import family, registrations
from projections import funds as f
from projections.satisfaction import Rated, ratings_of


@dataclass(frozen=True)
class Session:
    """A delivered session of the child's course; ``share`` is None where
    nothing of the family's money went to it (absent, on leave)."""

    course_id: UUID
    day: date
    attendance: str
    share: q.FamilyShare | None


@dataclass(frozen=True)
class ToRate:
    """A course the child was present at this week, and its rating if given."""

    course_id: UUID
    days: list[date]
    rated: Rated | None


@dataclass(frozen=True)
class Statement:
    student_id: str
    name: str | None
    today: date
    balance: f.StudentBalance | None
    sessions: list[Session]
    seats: list[registrations.Registration]
    leave_requests: list[registrations.LeaveRequestRow]
    week: date
    to_rate: list[ToRate]
    courses: dict[UUID, str]  # names, or codes where no name is read yet

    def course(self, course_id: UUID) -> str:
        return self.courses.get(course_id, str(course_id))

    @property
    def enrolled(self) -> list[registrations.Registration]:
        return [s for s in self.seats if s.status == "enrolled"]

    @property
    def tomorrow(self) -> date:
        return self.today + timedelta(days=1)


def is_theirs(visit: Visit, student_id: str) -> bool:
    return student_id in (visit.principal.children or ())


def statement(visit: Visit, student_id: str) -> Statement:
    """The child's statement; only for a child of the guardian signed in."""
    principal, queries = visit.principal, visit.system.queries
    if not is_theirs(visit, student_id):
        raise NotFound("no student with that id")
    [school_id] = principal.schools
    today = visit.today
    known = visit.names(school_id, [student_id])
    attended = family.attendance(queries, school_id, student_id)
    shares = {
        (s.course_id, s.day): s for s in q.shares_of(queries, [school_id], [student_id])
    }
    balance = _balance(visit, school_id, student_id)
    seats = registrations.of_student(queries, school_id, student_id)
    codes = {a.course_id: a.course_code for a in attended}
    codes |= {s.course_id: s.course_code for s in seats}
    if balance:
        codes |= {e.course_id: e.course_code for e in balance.enrolments}
    week = monday_of(today)
    return Statement(
        student_id=student_id,
        name=known.names.get(student_id),
        today=today,
        balance=balance,
        sessions=[
            Session(a.course_id, a.day, a.attendance, shares.get((a.course_id, a.day)))
            for a in reversed(attended)
        ],
        seats=seats,
        leave_requests=registrations.leave_requests_of(queries, school_id, student_id),
        week=week,
        to_rate=_to_rate(visit, school_id, student_id, attended, week),
        courses=codes | family.course_names(queries, school_id, list(codes)),
    )


def _to_rate(
    visit: Visit,
    school_id: UUID,
    student_id: str,
    attended: list[family.Attendance],
    week: date,
) -> list[ToRate]:
    present: dict[UUID, list[date]] = {}
    for a in attended:
        if a.attendance == "present" and monday_of(a.day) == week:
            present.setdefault(a.course_id, []).append(a.day)
    rated = {
        r.course_id: r
        for r in ratings_of(visit.system.queries, school_id, student_id, week)
    }
    return [ToRate(course, days, rated.get(course)) for course, days in present.items()]


def _balance(visit: Visit, school_id: UUID, kid: str) -> f.StudentBalance | None:
    try:
        return f.student_balance(visit.system.queries, school_id, kid)
    except NotFound:
        return None  # no seat yet: nothing charged
