"""The service the money bought: each delivered session with its roster, and
each payment, as the regulator's rules need them."""

from functools import singledispatch

from domain.course import Course
from domain.facts import Fact
from domain.payment import Payment
from projections.rows import Change, Insert, Put, Table

SESSIONS = Table(
    "service_sessions",
    ("session_id",),
    """
    CREATE TABLE IF NOT EXISTS service_sessions (
        session_id uuid PRIMARY KEY,
        school_id uuid,
        course_id uuid,
        day date,
        starts time,
        ends time,
        teacher_id uuid,
        present text[],
        absent text[],
        on_leave text[],
        delay_days int,
        recorded_at timestamptz,
        reversed boolean NOT NULL DEFAULT false
    );
    CREATE INDEX IF NOT EXISTS service_sessions_school
        ON service_sessions (school_id, day);
    CREATE INDEX IF NOT EXISTS service_sessions_course
        ON service_sessions (course_id, day)
    """,
)

PAYMENTS = Table(
    "payments",
    ("payment_id",),
    """
    CREATE TABLE IF NOT EXISTS payments (
        payment_id uuid PRIMARY KEY,
        position bigint NOT NULL,
        school_id uuid NOT NULL,
        student_id text NOT NULL,
        amount bigint NOT NULL,
        channel text NOT NULL,
        reference text NOT NULL,
        received_on date NOT NULL
    );
    CREATE INDEX IF NOT EXISTS payments_student ON payments (school_id, student_id)
    """,
)

# What each payment pays now, enrolment by enrolment (no course: the part
# left to the family): as the payer named it, the rule divided it, or a
# bursar re-allocated it.
ALLOCATIONS = Table(
    "payment_allocations",
    ("payment_id", "line_no"),
    """
    CREATE TABLE IF NOT EXISTS payment_allocations (
        payment_id uuid NOT NULL,
        line_no int NOT NULL,
        school_id uuid,
        student_id text,
        course_id uuid,
        amount bigint,
        PRIMARY KEY (payment_id, line_no)
    );
    CREATE INDEX IF NOT EXISTS payment_allocations_enrolment
        ON payment_allocations (school_id, student_id, course_id)
    """,
)

TABLES = (SESSIONS, PAYMENTS, ALLOCATIONS)


@singledispatch
def compliance_rows(event: Fact, position: int) -> list[Change]:
    return []


@compliance_rows.register
def _(e: Course.SessionDelivered, position: int) -> list[Change]:
    row = {
        "school_id": e.school_id,
        "course_id": e.originator_id,
        "day": e.effective,
        "starts": e.starts,
        "ends": e.ends,
        "teacher_id": e.teacher_id,
        "present": list(e.present),
        "absent": list(e.absent),
        "on_leave": list(e.on_leave),
        "delay_days": e.delay_days,
        "recorded_at": e.timestamp,
        "reversed": False,
    }
    return [Put(SESSIONS, (e.session_id,), row)]


@compliance_rows.register
def _(e: Course.DeliveryReversed, position: int) -> list[Change]:
    return [Put(SESSIONS, (e.session_id,), {"reversed": True})]


@compliance_rows.register
def _(e: Payment.Received, position: int) -> list[Change]:
    row = {
        "payment_id": e.originator_id,
        "position": position,
        "school_id": e.school_id,
        "student_id": e.student_id,
        "amount": e.amount,
        "channel": e.channel,
        "reference": e.reference,
        "received_on": e.effective,
    }
    return [Insert(PAYMENTS, row), *_allocated(e)]


@compliance_rows.register
def _(e: Payment.Reallocated, position: int) -> list[Change]:
    """Lines beyond the new ones are emptied rather than deleted."""
    emptied = range(len(e.allocations), len(e.previous))
    return _allocated(e) + [
        Put(ALLOCATIONS, (e.originator_id, n), {"amount": 0}) for n in emptied
    ]


def _allocated(e: Payment.Received | Payment.Reallocated) -> list[Change]:
    return [
        Put(
            ALLOCATIONS,
            (e.originator_id, n),
            {
                "school_id": e.school_id,
                "student_id": e.student_id,
                "course_id": a.course_id,
                "amount": a.amount,
            },
        )
        for n, a in enumerate(e.allocations)
    ]
