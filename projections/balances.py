"""Balances per student, enrolment and course, and the directory they hang on."""

from collections.abc import Iterable
from functools import singledispatch

from psycopg import Cursor

from domain.course import Course
from domain.facts import Fact
from domain.payment import Payment
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from projections.rows import Add, Change, Put, Table, insert

SCHOOLS = Table(
    "schools",
    ("school_id",),
    """
    CREATE TABLE IF NOT EXISTS schools (
        school_id uuid PRIMARY KEY,
        district text NOT NULL,
        code text NOT NULL,
        name text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS schools_district ON schools (district)
    """,
)

TERMS = Table(
    "terms",
    ("term_id",),
    """
    CREATE TABLE IF NOT EXISTS terms (
        term_id uuid PRIMARY KEY,
        school_id uuid NOT NULL,
        code text NOT NULL,
        starts date NOT NULL,
        ends date NOT NULL,
        fee_per_term bigint NOT NULL,
        fee_cap bigint NOT NULL,
        planned_sessions int NOT NULL,
        refund_deadline_days int NOT NULL,
        absence_consumes boolean NOT NULL,
        closed_days date[] NOT NULL,
        min_minutes int NOT NULL,
        earliest_end time NOT NULL
    )
    """,
)

TEACHERS = Table(
    "teachers",
    ("teacher_id",),
    """
    CREATE TABLE IF NOT EXISTS teachers (
        teacher_id uuid PRIMARY KEY,
        school_id uuid,
        code text,
        kind text,
        rate bigint
    );
    CREATE INDEX IF NOT EXISTS teachers_school ON teachers (school_id)
    """,
)

# Courses, enrolments and students' balances change with every delivered
# session: a page kept 30 % free lets an update stay on it (a HOT update),
# so it writes no index entry and the table does not bloat.
COURSES = Table(
    "courses",
    ("course_id",),
    """
    CREATE TABLE IF NOT EXISTS courses (
        course_id uuid PRIMARY KEY,
        school_id uuid,
        term_id uuid,
        code text,
        name text,
        category text,
        capacity int,
        teacher_id uuid,
        fee bigint,
        planned_sessions int,
        enrolled int NOT NULL DEFAULT 0,
        sessions int NOT NULL DEFAULT 0,
        charged bigint NOT NULL DEFAULT 0,
        released bigint NOT NULL DEFAULT 0,
        cancelled bigint NOT NULL DEFAULT 0,
        teacher_pay bigint NOT NULL DEFAULT 0,
        subsidy bigint NOT NULL DEFAULT 0
    ) WITH (fillfactor = 70);
    CREATE INDEX IF NOT EXISTS courses_school ON courses (school_id)
    """,
)

ENROLMENTS = Table(
    "enrolments",
    ("course_id", "student_id"),
    """
    CREATE TABLE IF NOT EXISTS enrolments (
        course_id uuid NOT NULL,
        student_id text NOT NULL,
        school_id uuid,
        status text,
        waived boolean,
        enrolled_on date,
        withdrawn_on date,
        charged bigint NOT NULL DEFAULT 0,
        consumed bigint NOT NULL DEFAULT 0,
        cancelled bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (course_id, student_id)
    ) WITH (fillfactor = 70);
    CREATE INDEX IF NOT EXISTS enrolments_student ON enrolments (school_id, student_id);
    CREATE INDEX IF NOT EXISTS enrolments_waived ON enrolments (school_id, student_id)
        WHERE waived;
    CREATE INDEX IF NOT EXISTS enrolments_withdrawn ON enrolments (school_id)
        WHERE withdrawn_on IS NOT NULL
    """,
)

STUDENTS = Table(
    "student_balances",
    ("school_id", "student_id"),
    """
    CREATE TABLE IF NOT EXISTS student_balances (
        school_id uuid NOT NULL,
        student_id text NOT NULL,
        charged bigint NOT NULL DEFAULT 0,
        cancelled bigint NOT NULL DEFAULT 0,
        paid bigint NOT NULL DEFAULT 0,
        consumed bigint NOT NULL DEFAULT 0,
        refund_requested bigint NOT NULL DEFAULT 0,
        refunded bigint NOT NULL DEFAULT 0,
        refund_paid bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (school_id, student_id)
    ) WITH (fillfactor = 70)
    """,
)

REFUNDS = Table(
    "refunds",
    ("refund_id",),
    """
    CREATE TABLE IF NOT EXISTS refunds (
        refund_id uuid PRIMARY KEY,
        school_id uuid,
        student_id text,
        amount bigint,
        reference text,
        reason text,
        status text,
        requested_by text,
        requested_on date,
        approved_by text,
        paid_on date,
        bank_reference text
    )
    """,
)

TABLES = (SCHOOLS, TERMS, TEACHERS, COURSES, ENROLMENTS, STUDENTS, REFUNDS)


@singledispatch
def balance_rows(event: Fact, position: int) -> list[Change]:
    return []


@balance_rows.register
def _(e: School.Registered, position: int) -> list[Change]:
    return [Put(SCHOOLS, (e.originator_id,), e.payload())]


@balance_rows.register
def _(e: Term.Opened, position: int) -> list[Change]:
    fields = ("school_id", "code", "starts", "ends", "fee_per_term", "fee_cap")
    fields += ("planned_sessions", "refund_deadline_days", "absence_consumes")
    fields += ("min_minutes", "earliest_end")
    row = {f: getattr(e, f) for f in fields} | {"closed_days": list(e.closed_days)}
    return [Put(TERMS, (e.originator_id,), row)]


@balance_rows.register
def _(e: Teacher.Registered, position: int) -> list[Change]:
    return [Put(TEACHERS, (e.originator_id,), e.payload())]


@balance_rows.register
def _(e: Teacher.RateChanged, position: int) -> list[Change]:
    return [Put(TEACHERS, (e.originator_id,), {"rate": e.rate})]


@balance_rows.register
def _(e: Course.Opened, position: int) -> list[Change]:
    fields = ("school_id", "term_id", "code", "name", "category", "capacity")
    fields += ("teacher_id", "fee", "planned_sessions")
    return [Put(COURSES, (e.originator_id,), {f: getattr(e, f) for f in fields})]


@balance_rows.register
def _(e: Course.StudentEnrolled, position: int) -> list[Change]:
    enrolment = (e.originator_id, e.student_id)
    status = {"school_id": e.school_id, "status": "active", "waived": e.waived}
    return [
        Put(ENROLMENTS, enrolment, {**status, "enrolled_on": e.effective}),
        Add(ENROLMENTS, enrolment, {"charged": e.fee}),
        Add(STUDENTS, (e.school_id, e.student_id), {"charged": e.fee}),
        Add(COURSES, (e.originator_id,), {"enrolled": 1, "charged": e.fee}),
    ]


@balance_rows.register
def _(e: Course.StudentWithdrawn, position: int) -> list[Change]:
    return [
        Put(
            ENROLMENTS,
            (e.originator_id, e.student_id),
            {"status": "withdrawn", "withdrawn_on": e.effective},
        ),
        Add(COURSES, (e.originator_id,), {"enrolled": -1}),
        *_cancellation(e),
    ]


@balance_rows.register
def _(e: Course.FeeWaived, position: int) -> list[Change]:
    return [
        Put(ENROLMENTS, (e.originator_id, e.student_id), {"waived": True}),
        *_cancellation(e),
    ]


def _cancellation(e: Course.StudentWithdrawn | Course.FeeWaived) -> list[Change]:
    return [
        Add(ENROLMENTS, (e.originator_id, e.student_id), {"cancelled": e.cancelled}),
        Add(STUDENTS, (e.school_id, e.student_id), {"cancelled": e.cancelled}),
        Add(COURSES, (e.originator_id,), {"cancelled": e.cancelled}),
    ]


def _settlement(e: Course.SessionDelivered | Course.DeliveryReversed, sign: int):
    share = sign * e.share
    course = {
        "sessions": sign,
        "released": share * len(e.released),
        "cancelled": share * len(e.cancelled),
        "teacher_pay": sign * e.teacher_pay,
    }
    return [Add(COURSES, (e.originator_id,), course)]


@balance_rows.register
def _(e: Course.SessionDelivered, position: int) -> list[Change]:
    return _settlement(e, 1)


@balance_rows.register
def _(e: Course.DeliveryReversed, position: int) -> list[Change]:
    return _settlement(e, -1)


# A delivered session settles a share for each student on its roster. The
# batch's sessions go to PostgreSQL as one row each, which spreads the shares
# over the students' enrolments and balances: forty row changes fewer to build
# in Python per session.
SETTLED = Table(
    "settled",
    (),
    """
    CREATE TEMP TABLE settled (
        course_id uuid,
        school_id uuid,
        share bigint,
        released text[],
        cancelled text[]
    ) ON COMMIT DROP
    """,
)
SETTLED_COLUMNS = ("course_id", "school_id", "share", "released", "cancelled")
_SPREAD = """
    WITH shares AS (
        SELECT course_id, school_id, student_id, share AS consumed, 0 AS cancelled
        FROM settled, unnest(released) AS student_id
        UNION ALL
        SELECT course_id, school_id, student_id, 0, share
        FROM settled, unnest(cancelled) AS student_id
    )
    INSERT INTO {table} ({key}, consumed, cancelled)
    SELECT {key}, sum(consumed), sum(cancelled) FROM shares GROUP BY {key}
    ON CONFLICT ({key}) DO UPDATE
    SET consumed = {table}.consumed + EXCLUDED.consumed,
        cancelled = {table}.cancelled + EXCLUDED.cancelled
"""


def settle(curs: Cursor, batch: Iterable[tuple[int, Fact]]) -> None:
    """Moves the students' shares of the batch's delivered and reversed sessions."""
    sessions = []
    for _, e in batch:
        if isinstance(e, Course.SessionDelivered | Course.DeliveryReversed) and e.share:
            share = e.share if isinstance(e, Course.SessionDelivered) else -e.share
            students = list(e.released), list(e.cancelled)
            sessions.append((e.originator_id, e.school_id, share, *students))
    if not sessions:
        return
    for statement in SETTLED.statements():
        curs.execute(statement)
    insert(curs, SETTLED, SETTLED_COLUMNS, sessions)
    for table in (ENROLMENTS, STUDENTS):
        key = ", ".join(table.key)
        curs.execute(_SPREAD.format(table=table.name, key=key))
    curs.execute("DROP TABLE settled")


@balance_rows.register
def _(e: Payment.Received, position: int) -> list[Change]:
    return [Add(STUDENTS, (e.school_id, e.student_id), {"paid": e.amount})]


@balance_rows.register
def _(e: Refund.Requested, position: int) -> list[Change]:
    row = {
        "school_id": e.school_id,
        "student_id": e.student_id,
        "amount": e.amount,
        "reference": e.reference,
        "reason": e.reason,
        "status": "requested",
        "requested_by": e.actor,
        "requested_on": e.effective,
    }
    return [
        Put(REFUNDS, (e.originator_id,), row),
        Add(STUDENTS, (e.school_id, e.student_id), {"refund_requested": e.amount}),
    ]


@balance_rows.register
def _(e: Refund.Approved, position: int) -> list[Change]:
    return [
        Put(
            REFUNDS, (e.originator_id,), {"status": "approved", "approved_by": e.actor}
        ),
        Add(
            STUDENTS,
            (e.school_id, e.student_id),
            {"refund_requested": -e.amount, "refunded": e.amount},
        ),
    ]


@balance_rows.register
def _(e: Refund.Paid, position: int) -> list[Change]:
    paid = {
        "status": "paid",
        "paid_on": e.effective,
        "bank_reference": e.bank_reference,
    }
    return [
        Put(REFUNDS, (e.originator_id,), paid),
        Add(STUDENTS, (e.school_id, e.student_id), {"refund_paid": e.amount}),
    ]


@balance_rows.register
def _(e: SubsidyGrant.Allocated, position: int) -> list[Change]:
    return [Add(COURSES, (e.course_id,), {"subsidy": e.amount})]
