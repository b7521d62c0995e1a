"""Satisfaction: one row per weekly rating of a course and its teacher, and
the figures a school and its regulator read from them, per course, teacher,
school and district: how many ratings, their mean, the share of 4 and 5, and
the response rate (ratings for each distinct child, course and week present
at a delivered, not reversed, session)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import singledispatch
from uuid import UUID

from psycopg.sql import SQL, Composable

from domain.facts import Fact
from domain.rating import Rating, monday_of
from projections.queries import Queries
from projections.rows import Change, Insert, Table

GOOD = 4  # a rating of 4 or 5 counts as satisfied

RATINGS = Table(
    "satisfaction_ratings",
    ("rating_id",),
    """
    CREATE TABLE IF NOT EXISTS satisfaction_ratings (
        rating_id uuid PRIMARY KEY,
        school_id uuid NOT NULL,
        course_id uuid NOT NULL,
        student_id text NOT NULL,
        teacher_id uuid NOT NULL,
        week date NOT NULL,
        course_score int NOT NULL,
        teacher_score int NOT NULL,
        commented boolean NOT NULL,
        rated_at timestamptz NOT NULL,
        rated_by text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS satisfaction_ratings_school
        ON satisfaction_ratings (school_id, week)
    """,
)

TABLES = (RATINGS,)


@singledispatch
def satisfaction_rows(event: Fact, position: int) -> list[Change]:
    return []


@satisfaction_rows.register
def _(e: Rating.Given, position: int) -> list[Change]:
    fields = ("school_id", "course_id", "student_id", "teacher_id", "week")
    scores = ("course_score", "teacher_score", "commented")
    row = {f: getattr(e, f) for f in (*fields, *scores)}
    row |= {"rating_id": e.originator_id, "rated_at": e.timestamp, "rated_by": e.actor}
    return [Insert(RATINGS, row)]


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    """``key``: the course, teacher or school id, or the district; ``mean``
    to 2 places and shares and response rate in per cent to 1 place, as
    decimal strings (None without ratings)."""

    key: str
    code: str | None
    ratings: int
    course_mean: str | None
    course_share_good: str | None
    teacher_mean: str | None
    teacher_share_good: str | None
    attendances: int
    response_rate: str | None


_FIGURES = SQL("""
    WITH r AS MATERIALIZED (
        SELECT r.*, k.district FROM satisfaction_ratings r
        JOIN schools k ON k.school_id = r.school_id
        WHERE r.school_id = ANY(%(schools)s)
    ), a AS MATERIALIZED (
        SELECT DISTINCT s.school_id, k.district, s.course_id, s.teacher_id,
               m.student_id, date_trunc('week', s.day)::date AS week
        FROM service_sessions s JOIN schools k ON k.school_id = s.school_id
        CROSS JOIN unnest(s.present) AS m(student_id)
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
    ), given AS (
        SELECT {key}::text AS key, count(*) AS ratings,
               sum(course_score) AS course_sum,
               count(*) FILTER (WHERE course_score >= %(good)s) AS course_good,
               sum(teacher_score) AS teacher_sum,
               count(*) FILTER (WHERE teacher_score >= %(good)s) AS teacher_good
        FROM r GROUP BY 1
    ), present AS (
        SELECT {key}::text AS key,
               count(DISTINCT (student_id, course_id, week)) AS attendances
        FROM a GROUP BY 1
    )
    SELECT key, {code} AS code, coalesce(g.ratings, 0) AS ratings, g.course_sum,
           g.course_good, g.teacher_sum, g.teacher_good,
           coalesce(p.attendances, 0) AS attendances
    FROM given g FULL JOIN present p USING (key)
    ORDER BY code, key
""")


def _statement(key: str, code: Composable) -> Composable:
    return _FIGURES.format(key=SQL(key), code=code)


_CODE_OF = {
    "course": SQL("(SELECT code FROM courses WHERE course_id::text = key)"),
    "teacher": SQL("(SELECT code FROM teachers WHERE teacher_id::text = key)"),
    "school": SQL("(SELECT code FROM schools WHERE school_id::text = key)"),
    "district": SQL("key"),
}
BY: dict[str, Composable] = {
    by: _statement(by if by == "district" else f"{by}_id", code)
    for by, code in _CODE_OF.items()
}


def _places(value: Decimal, places: str) -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _mean(total: int | None, n: int) -> str | None:
    return _places(Decimal(total) / n, "0.01") if n else None


def _share(part: int | None, whole: int) -> str | None:
    return _places(Decimal(100 * (part or 0)) / whole, "0.1") if whole else None


def satisfaction(
    queries: Queries, schools: Collection[UUID], by: str
) -> list[Satisfaction]:
    """Figures per ``by``: course, teacher, school or district."""
    params = {"schools": list(schools), "good": GOOD}
    return [
        Satisfaction(
            key=row["key"],
            code=row["code"],
            ratings=(n := row["ratings"]),
            course_mean=_mean(row["course_sum"], n),
            course_share_good=_share(row["course_good"], n),
            teacher_mean=_mean(row["teacher_sum"], n),
            teacher_share_good=_share(row["teacher_good"], n),
            attendances=row["attendances"],
            response_rate=_share(n, row["attendances"]),
        )
        for row in queries.rows(BY[by], params)
    ]


@dataclass(frozen=True)
class Rated:
    """A child's rating of one course for one week."""

    course_id: UUID
    week: date
    course_score: int
    teacher_score: int
    commented: bool


_RATED = SQL("""
    SELECT course_id, week, course_score, teacher_score, commented
    FROM satisfaction_ratings
    WHERE school_id = %s AND student_id = %s AND week = %s
    ORDER BY course_id
""")


def ratings_of(
    queries: Queries, school_id: UUID, student_id: str, week: date
) -> list[Rated]:
    """The child's ratings of the ISO week of ``week`` (any day of it)."""
    rows = queries.rows(_RATED, (school_id, student_id, monday_of(week)))
    return [Rated(**row) for row in rows]
