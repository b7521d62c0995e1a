"""A district's course over the weeks: each school's bank against what it
held for families at the end of every week, and the sessions delivered.

Held is a floored figure: each enrolment's running total is clamped at zero
at each week's end before the schools' totals are added, exactly as
``domain.figures.HELD`` defines it for one moment."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import dropwhile
from uuid import UUID

from psycopg.sql import SQL

from domain.figures import BANK, HELD, Figure
from projections.figures import expression
from projections.ledger import HOLDER
from projections.queries import Queries

WEEKS = 20  # the most a chart shows: about a term


@dataclass(frozen=True)
class FundWeek:
    week: date  # its Monday
    bank: int
    held: int


@dataclass(frozen=True)
class SessionWeek:
    week: date
    sessions: int


def _unfloored(figure: Figure) -> str:
    return expression(Figure(figure.name, figure.terms))


# Each holder's change in a week, then its running total at each week it
# changed, valid until the next; a week's figure sums the totals valid then.
_FUNDS = SQL(f"""
    WITH changes AS (
        SELECT school_id, student_id, course_id, week,
            {_unfloored(BANK)} AS bank,
            {_unfloored(HELD)} AS held,
            {expression(HELD.plus)} AS due
        FROM (
            SELECT date_trunc('week', effective)::date AS week, kind, flow,
                debit, credit, school_id, {HOLDER}
            FROM ledger_lines
            WHERE school_id = ANY(%(schools)s) AND effective < %(after)s
        ) x
        GROUP BY school_id, student_id, course_id, week
    ), running AS (
        SELECT week, lead(week) OVER holder AS until,
            sum(bank) OVER holder AS bank,
            sum(held) OVER holder AS held,
            sum(due) OVER holder AS due
        FROM changes
        WINDOW holder AS (PARTITION BY school_id, student_id, course_id ORDER BY week)
    )
    SELECT w.week::date AS week, coalesce(sum(r.bank), 0)::bigint AS bank,
        coalesce(sum(greatest(r.held, 0) + r.due), 0)::bigint AS held
    FROM generate_series(%(first)s::date, %(last)s::date, interval '7 days') w(week)
    LEFT JOIN running r ON r.week <= w.week AND (r.until IS NULL OR r.until > w.week)
    GROUP BY w.week ORDER BY w.week
""")

_SESSIONS = SQL("""
    SELECT date_trunc('week', day)::date AS week, count(*)::int AS sessions
    FROM service_sessions
    WHERE school_id = ANY(%s) AND NOT reversed AND day >= %s AND day <= %s
    GROUP BY 1 ORDER BY 1
""")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_to(today: date, weeks: int = WEEKS) -> tuple[date, date]:
    """The Mondays of the first and the last week shown, up to today's."""
    last = monday(today)
    return last - timedelta(weeks=weeks - 1), last


def fund_weeks(
    queries: Queries, schools: Collection[UUID], today: date, weeks: int = WEEKS
) -> list[FundWeek]:
    """Bank and held for families at the end of each week, in all the schools,
    from the first week with either."""
    first, last = weeks_to(today, weeks)
    params = {
        "schools": list(schools),
        "first": first,
        "last": last,
        "after": last + timedelta(days=7),
    }
    found = [FundWeek(**r) for r in queries.rows(_FUNDS, params)]
    return list(dropwhile(lambda w: w.bank == w.held == 0, found))


def session_weeks(
    queries: Queries, schools: Collection[UUID], today: date, weeks: int = WEEKS
) -> list[SessionWeek]:
    """Sessions delivered (not reversed) each week from the first with any,
    every week named."""
    first, last = weeks_to(today, weeks)
    rows = queries.rows(_SESSIONS, (list(schools), first, last + timedelta(days=6)))
    found = {r["week"]: r["sessions"] for r in rows}
    every = (first + timedelta(weeks=i) for i in range(weeks))
    return list(
        dropwhile(
            lambda w: w.sessions == 0, (SessionWeek(w, found.get(w, 0)) for w in every)
        )
    )
