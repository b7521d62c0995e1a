"""What a family sees of a child: each delivered session of the child's
courses, and whether the child was there."""

from dataclasses import dataclass
from datetime import date
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
