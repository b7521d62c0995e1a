"""What a family sees of a child: each delivered session of the child's
courses, and whether the child was there."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from psycopg.sql import SQL

from projections.queries import Queries

_ATTENDANCE = SQL("""
SELECT s.course_id, c.code AS course_code, s.day,
       CASE WHEN %(student)s = ANY(s.present) THEN 'present'
            WHEN %(student)s = ANY(s.on_leave) THEN 'on_leave'
            ELSE 'absent' END AS attendance
  FROM service_sessions s JOIN courses c USING (course_id)
 WHERE s.school_id = %(school)s AND NOT s.reversed
   AND %(student)s = ANY(s.present || s.absent || s.on_leave)
 ORDER BY s.day, c.code
""")


@dataclass(frozen=True)
class Attendance:
    course_id: UUID
    course_code: str
    day: date
    attendance: str


def attendance(queries: Queries, school_id: UUID, student_id: str) -> list[Attendance]:
    rows = queries.rows(_ATTENDANCE, {"school": school_id, "student": student_id})
    return [Attendance(**row) for row in rows]


_OPEN_TERMS = SQL("""
SELECT term_id, code, opens, closes FROM registration_terms
 WHERE school_id = %(school)s AND NOT coalesce(closed_early, false)
   AND opens <= %(at)s AND %(at)s < closes
 ORDER BY opens
""")
_COURSES = SQL("""
SELECT c.course_id, c.code, c.name, c.category, c.capacity, c.enrolled,
       (SELECT count(*) FROM registrations r
         WHERE r.course_id = c.course_id AND r.status = 'waiting') AS waiting
  FROM courses c WHERE c.term_id = %(term)s ORDER BY c.code
""")


@dataclass(frozen=True)
class OpenCourse:
    course_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    enrolled: int
    waiting: int


@dataclass(frozen=True)
class OpenTerm:
    term_id: UUID
    code: str
    opens: datetime
    closes: datetime
    courses: list[OpenCourse]


def open_for_registration(
    queries: Queries, school_id: UUID, at: datetime
) -> list[OpenTerm]:
    """A school's terms whose registration window is open at ``at``, with
    their courses' seats and waiting lists."""
    terms = queries.rows(_OPEN_TERMS, {"school": school_id, "at": at})
    return [
        OpenTerm(
            **term,
            courses=[
                OpenCourse(**c)
                for c in queries.rows(_COURSES, {"term": term["term_id"]})
            ],
        )
        for term in terms
    ]


_NAMES = SQL("""
SELECT course_id, name FROM courses
 WHERE school_id = %s AND course_id = ANY(%s::uuid[])
""")


def course_names(
    queries: Queries, school_id: UUID, course_ids: Collection[UUID]
) -> dict[UUID, str]:
    """The names of a school's courses, by id; a course of another school is
    left out."""
    rows = queries.rows(_NAMES, (school_id, list(course_ids)))
    return {row["course_id"]: row["name"] for row in rows}
