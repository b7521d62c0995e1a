"""The lists a console shows, a page at a time: schools, terms, courses,
teachers, enrolments, payments, refunds, payroll runs, subsidies and bank
statements, each read from the tables its projection keeps.

Each list has one stable order whose key is unique; a page starts after the
key of the last row of the page before (keyset pagination), so a row written
meanwhile never shifts what the next page holds."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Generic, TypeVar
from uuid import UUID

from psycopg.sql import SQL, Identifier, Placeholder

from domain import figures as f
from domain.errors import NotFound
from projections import figures
from projections.queries import Queries

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    after: tuple | None  # the last row's key when the page is full


class Listing(Generic[Row]):
    """A list's statement, its order and the row it answers. The order's key
    names columns of the row; its statements are built once."""

    def __init__(self, row: type[Row], select: str, key: tuple[str, ...]) -> None:
        self.row, self.key = row, key
        names = SQL(", ").join(Identifier(k) for k in key)
        marks = SQL(", ").join(Placeholder(f"after_{n}") for n in range(len(key)))
        listed = SQL("SELECT * FROM ({}) AS listed WHERE {} ORDER BY {} LIMIT {}")
        self.statements = {
            paged: listed.format(
                SQL(select),
                SQL("({}) > ({})").format(names, marks) if paged else SQL("true"),
                names,
                Placeholder("limit"),
            )
            for paged in (False, True)
        }

    def page(
        self,
        queries: Queries,
        params: Mapping[str, Any],
        after: tuple | None,
        limit: int,
    ) -> Page[Row]:
        keys = {f"after_{n}": value for n, value in enumerate(after or ())}
        statement = self.statements[after is not None]
        found = queries.rows(statement, {**params, **keys, "limit": limit})
        last = tuple(found[-1][k] for k in self.key) if found else None
        return Page(
            [self.row(**r) for r in found], last if len(found) == limit else None
        )


@dataclass(frozen=True)
class School:
    school_id: UUID
    district: str
    code: str
    name: str


@dataclass(frozen=True)
class Term:
    term_id: UUID
    school_id: UUID
    code: str
    starts: date
    ends: date
    fee_per_term: int
    fee_cap: int
    planned_sessions: int
    refund_deadline_days: int
    absence_consumes: bool
    closed_days: list[date]
    min_minutes: int
    earliest_end: time
    release: str
    silence_days: int
    answer_days: int
    courses: int


@dataclass(frozen=True)
class Course:
    course_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    teacher_id: UUID
    teacher_code: str | None
    fee: int | None
    planned_sessions: int | None
    enrolled: int
    sessions: int


@dataclass(frozen=True)
class Teacher:
    teacher_id: UUID
    code: str
    kind: str
    rate: int
    courses: int


@dataclass(frozen=True)
class Enrolment:
    student_id: str
    status: str
    waived: bool
    enrolled_on: date
    withdrawn_on: date | None


@dataclass(frozen=True)
class Payment:
    payment_id: UUID
    position: int
    student_id: str
    amount: int
    channel: str
    reference: str
    received_on: date


@dataclass(frozen=True)
class Refund:
    refund_id: UUID
    student_id: str
    amount: int
    reference: str
    status: str
    requested_by: str
    requested_on: date
    approved_by: str | None
    paid_on: date | None
    bank_reference: str | None


@dataclass(frozen=True)
class PayrollRun:
    run_id: UUID
    month: date
    status: str
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    paid_on: date | None
    teachers: int
    sessions: int
    total: int


@dataclass(frozen=True)
class Subsidy:
    grant_id: UUID
    reference: str
    source: str | None
    received_on: date
    subsidy_received: int
    subsidy_unused: int


@dataclass(frozen=True)
class Statement:
    statement: UUID
    statement_id: str
    opening: int | None
    closing: int | None
    first_day: date | None
    last_day: date | None
    lines: int
    credits: int
    debits: int


SCHOOLS = Listing(
    School,
    """
    SELECT school_id, district, code, name FROM schools
    WHERE school_id = ANY(%(schools)s::uuid[])""",
    ("code", "school_id"),
)

TERMS = Listing(
    Term,
    """
    SELECT t.term_id, t.school_id, t.code, t.starts, t.ends, t.fee_per_term,
           t.fee_cap, t.planned_sessions, t.refund_deadline_days,
           t.absence_consumes, t.closed_days, t.min_minutes, t.earliest_end,
           t.release, t.silence_days, t.answer_days,
           (SELECT count(*)::int FROM courses c
            WHERE c.term_id = t.term_id) AS courses
    FROM terms t WHERE t.school_id = %(school)s""",
    ("starts", "term_id"),
)

COURSES = Listing(
    Course,
    """
    SELECT c.course_id, c.term_id, c.code, c.name, c.category, c.capacity,
           c.teacher_id, t.code AS teacher_code, c.fee, c.planned_sessions,
           c.enrolled, c.sessions
    FROM courses c LEFT JOIN teachers t USING (teacher_id)
    WHERE c.term_id = %(term)s
      AND (%(category)s::text IS NULL OR c.category = %(category)s)
      AND (%(teacher)s::uuid IS NULL OR c.teacher_id = %(teacher)s)""",
    ("code", "course_id"),
)

TEACHERS = Listing(
    Teacher,
    """
    SELECT t.teacher_id, t.code, t.kind, t.rate,
           (SELECT count(*)::int FROM courses c
            WHERE c.teacher_id = t.teacher_id) AS courses
    FROM teachers t
    WHERE t.school_id = %(school)s
      AND (%(kind)s::text IS NULL OR t.kind = %(kind)s)""",
    ("code", "teacher_id"),
)

ENROLMENTS = Listing(
    Enrolment,
    """
    SELECT student_id, status, waived, enrolled_on, withdrawn_on FROM enrolments
    WHERE course_id = %(course)s
      AND (%(status)s::text IS NULL OR status = %(status)s)""",
    ("student_id",),
)

PAYMENTS = Listing(
    Payment,
    """
    SELECT payment_id, position, student_id, amount, channel, reference,
           received_on
    FROM payments
    WHERE school_id = %(school)s
      AND (%(student)s::text IS NULL OR student_id = %(student)s)
      AND (%(channel)s::text IS NULL OR channel = %(channel)s)
      AND (%(start)s::date IS NULL OR received_on >= %(start)s)
      AND (%(end)s::date IS NULL OR received_on <= %(end)s)""",
    ("received_on", "position", "payment_id"),
)

REFUNDS = Listing(
    Refund,
    """
    SELECT refund_id, student_id, amount, reference, status, requested_by,
           requested_on, approved_by, paid_on, bank_reference
    FROM refunds
    WHERE school_id = %(school)s
      AND (%(status)s::text IS NULL OR status = %(status)s)
      AND (%(student)s::text IS NULL OR student_id = %(student)s)""",
    ("requested_on", "refund_id"),
)

# A run's figures are those of its current draft.
PAYROLL_RUNS = Listing(
    PayrollRun,
    """
    SELECT r.run_id, r.month, r.status, r.drafted_by, r.approved_by,
           r.approved_on, r.paid_on,
           count(DISTINCT i.teacher_id)::int AS teachers,
           count(i.delivery_id)::int AS sessions,
           coalesce(sum(i.amount), 0)::bigint AS total
    FROM payroll_runs r
    LEFT JOIN payroll_items i ON i.run_id = r.run_id AND i.version = r.draft_version
    WHERE r.school_id = %(school)s
      AND (%(status)s::text IS NULL OR r.status = %(status)s)
    GROUP BY r.run_id""",
    ("month", "run_id"),
)

# A grant is its bank movement, its account's figures and, from the audit
# trail, the source its receipt named.
SUBSIDIES = Listing(
    Subsidy,
    f"""
    SELECT m.source_id AS grant_id, m.reference, a.payload->>'source' AS source,
           m.day AS received_on, g.subsidy_received, g.subsidy_unused
    FROM bank_movements m
    LEFT JOIN audit_events a
        ON a.originator_id = m.source_id AND a.originator_version = 1
    CROSS JOIN LATERAL (
        SELECT {figures.columns((f.SUBSIDY_RECEIVED, f.SUBSIDY_UNUSED))}
        FROM ledger_balances
        WHERE school_id = m.school_id AND account = 'subsidy:' || m.source_id
    ) g
    WHERE m.school_id = %(school)s AND m.kind = 'subsidy'""",
    ("received_on", "grant_id"),
)

STATEMENTS_OF = Listing(
    Statement,
    """
    SELECT statement, min(statement_id) AS statement_id,
           (array_agg(opening ORDER BY line_no))[1] AS opening,
           (array_agg(closing ORDER BY line_no))[1] AS closing,
           min(day) AS first_day, max(day) AS last_day, count(*)::int AS lines,
           coalesce(sum(amount) FILTER (WHERE direction = 'credit'), 0)::bigint
               AS credits,
           coalesce(sum(amount) FILTER (WHERE direction = 'debit'), 0)::bigint
               AS debits
    FROM statement_lines WHERE school_id = %(school)s GROUP BY statement""",
    ("statement_id", "statement"),
)

_TERM_SCHOOL = SQL("SELECT school_id FROM terms WHERE term_id = %s")
_COURSE_SCHOOL = SQL("SELECT school_id FROM courses WHERE course_id = %s")
_COUNTS = {
    "refunds": SQL("""
        SELECT status, count(*)::int AS n FROM refunds
        WHERE school_id = %s GROUP BY status"""),
    "payroll_runs": SQL("""
        SELECT status, count(*)::int AS n FROM payroll_runs
        WHERE school_id = %s GROUP BY status"""),
    "enrolments": SQL("""
        SELECT status, count(*)::int AS n FROM enrolments
        WHERE course_id = %s GROUP BY status"""),
}
REFUND_STATUSES = ("requested", "approved", "cancelled", "paid")
RUN_STATUSES = ("drafted", "approved", "paid")
ENROLMENT_STATUSES = ("active", "withdrawn")


def term_school(queries: Queries, term_id: UUID) -> UUID:
    if not (rows := queries.rows(_TERM_SCHOOL, (term_id,))):
        raise NotFound("no term with that id")
    return rows[0]["school_id"]


def course_school(queries: Queries, course_id: UUID) -> UUID:
    if not (rows := queries.rows(_COURSE_SCHOOL, (course_id,))):
        raise NotFound("no course with that id")
    return rows[0]["school_id"]


def counts(
    queries: Queries, table: str, holder: UUID, statuses: Collection[str]
) -> dict[str, int]:
    """How many rows of a list are in each status, every status named."""
    found = {r["status"]: r["n"] for r in queries.rows(_COUNTS[table], (holder,))}
    return {status: found.get(status, 0) for status in statuses}
