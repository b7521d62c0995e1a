"""The register the money hangs on: schools, terms, teachers, courses, who is
enrolled in them, and refunds. What money they hold is the ledger's."""

from functools import singledispatch

from domain.course import Course
from domain.facts import Fact
from domain.refund import Refund
from domain.school import School, Term
from domain.teacher import Teacher
from projections.rows import Add, Change, Put, Table

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
        earliest_end time NOT NULL,
        release text NOT NULL,
        silence_days int NOT NULL,
        answer_days int NOT NULL
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

# Courses change with every delivered session: a page kept 30 % free lets an
# update stay on it (a HOT update), so it writes no index entry and the table
# does not bloat.
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
        sessions int NOT NULL DEFAULT 0
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
        PRIMARY KEY (course_id, student_id)
    );
    CREATE INDEX IF NOT EXISTS enrolments_student ON enrolments (school_id, student_id);
    CREATE INDEX IF NOT EXISTS enrolments_waived ON enrolments (school_id, student_id)
        WHERE waived;
    CREATE INDEX IF NOT EXISTS enrolments_withdrawn ON enrolments (school_id)
        WHERE withdrawn_on IS NOT NULL
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
        status text,
        requested_by text,
        requested_on date,
        approved_by text,
        paid_on date,
        bank_reference text
    );
    CREATE INDEX IF NOT EXISTS refunds_student ON refunds (school_id, student_id)
    """,
)

TABLES = (SCHOOLS, TERMS, TEACHERS, COURSES, ENROLMENTS, REFUNDS)


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
    fields += ("min_minutes", "earliest_end", "release", "silence_days")
    fields += ("answer_days",)
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
        Add(COURSES, (e.originator_id,), {"enrolled": 1}),
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
    ]


@balance_rows.register
def _(e: Course.FeeWaived, position: int) -> list[Change]:
    return [Put(ENROLMENTS, (e.originator_id, e.student_id), {"waived": True})]


@balance_rows.register
def _(e: Course.SessionDelivered, position: int) -> list[Change]:
    return [Add(COURSES, (e.originator_id,), {"sessions": 1})]


@balance_rows.register
def _(e: Course.DeliveryReversed, position: int) -> list[Change]:
    return [Add(COURSES, (e.originator_id,), {"sessions": -1})]


@balance_rows.register
def _(e: Refund.Requested, position: int) -> list[Change]:
    row = {
        "school_id": e.school_id,
        "student_id": e.student_id,
        "amount": e.amount,
        "reference": e.reference,
        "status": "requested",
        "requested_by": e.actor,
        "requested_on": e.effective,
    }
    return [Put(REFUNDS, (e.originator_id,), row)]


@balance_rows.register
def _(e: Refund.Approved, position: int) -> list[Change]:
    row = {"status": "approved", "approved_by": e.actor}
    return [Put(REFUNDS, (e.originator_id,), row)]


@balance_rows.register
def _(e: Refund.Cancelled, position: int) -> list[Change]:
    return [Put(REFUNDS, (e.originator_id,), {"status": "cancelled"})]


@balance_rows.register
def _(e: Refund.Paid, position: int) -> list[Change]:
    paid = {
        "status": "paid",
        "paid_on": e.effective,
        "bank_reference": e.bank_reference,
    }
    return [Put(REFUNDS, (e.originator_id,), paid)]
