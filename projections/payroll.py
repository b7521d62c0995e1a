"""Teacher pay: every delivery and what became of it, and each month's runs."""

from functools import singledispatch

from domain.course import Course
from domain.facts import Fact, event_id
from domain.payroll import PayrollRun
from projections.rows import Change, Insert, Put, Table

DELIVERIES = Table(
    "pay_deliveries",
    ("delivery_id",),
    """
    CREATE TABLE IF NOT EXISTS pay_deliveries (
        delivery_id uuid PRIMARY KEY,
        session_id uuid,
        school_id uuid,
        course_id uuid,
        teacher_id uuid,
        day date,
        starts time,
        ends time,
        roster int,
        accrued bigint,
        reversed boolean NOT NULL DEFAULT false,
        paid_run uuid,
        paid_amount bigint,
        reversal_run uuid
    );
    CREATE INDEX IF NOT EXISTS pay_deliveries_school ON pay_deliveries (school_id, day)
    """,
)

RUNS = Table(
    "payroll_runs",
    ("run_id",),
    """
    CREATE TABLE IF NOT EXISTS payroll_runs (
        run_id uuid PRIMARY KEY,
        school_id uuid,
        month date,
        status text,
        draft_version bigint,
        drafted_by text,
        approved_by text,
        approved_on date,
        paid_on date
    );
    CREATE INDEX IF NOT EXISTS payroll_runs_school ON payroll_runs (school_id, month)
    """,
)

ITEMS = Table(
    "payroll_items",
    ("run_id", "version", "delivery_id"),
    """
    CREATE TABLE IF NOT EXISTS payroll_items (
        run_id uuid NOT NULL,
        version bigint NOT NULL,
        delivery_id uuid NOT NULL,
        teacher_id uuid NOT NULL,
        session_id uuid NOT NULL,
        course_id uuid NOT NULL,
        day date NOT NULL,
        starts time NOT NULL,
        ends time NOT NULL,
        roster int NOT NULL,
        amount bigint NOT NULL,
        accrued bigint NOT NULL,
        reversal boolean NOT NULL,
        PRIMARY KEY (run_id, version, delivery_id)
    );
    CREATE INDEX IF NOT EXISTS payroll_items_teacher ON payroll_items (teacher_id, day)
    """,
)

PAYMENTS = Table(
    "payroll_payments",
    ("run_id", "teacher_id"),
    """
    CREATE TABLE IF NOT EXISTS payroll_payments (
        run_id uuid NOT NULL,
        teacher_id uuid NOT NULL,
        amount bigint NOT NULL,
        bank_reference text NOT NULL,
        paid_on date NOT NULL,
        PRIMARY KEY (run_id, teacher_id)
    )
    """,
)

TABLES = (DELIVERIES, RUNS, ITEMS, PAYMENTS)


@singledispatch
def payroll_rows(event: Fact, position: int) -> list[Change]:
    return []


@payroll_rows.register
def _(e: Course.SessionDelivered, position: int) -> list[Change]:
    row = {
        "session_id": e.session_id,
        "school_id": e.school_id,
        "course_id": e.originator_id,
        "teacher_id": e.teacher_id,
        "day": e.effective,
        "starts": e.starts,
        "ends": e.ends,
        "roster": len(e.present),
        "accrued": e.teacher_pay,
    }
    delivery = event_id(e.originator_id, e.originator_version)
    return [Put(DELIVERIES, (delivery,), row)]


@payroll_rows.register
def _(e: Course.DeliveryReversed, position: int) -> list[Change]:
    return [Put(DELIVERIES, (e.reverses,), {"reversed": True})]


def _items(e: PayrollRun.Drafted | PayrollRun.Redrafted) -> list[Change]:
    version = e.originator_version
    return [
        Insert(ITEMS, {"run_id": e.originator_id, "version": version} | item.__dict__)
        for item in e.items
    ]


@payroll_rows.register
def _(e: PayrollRun.Drafted, position: int) -> list[Change]:
    run = {"school_id": e.school_id, "month": e.month, "status": "drafted"}
    run |= {"draft_version": e.originator_version, "drafted_by": e.actor}
    return [Put(RUNS, (e.originator_id,), run), *_items(e)]


@payroll_rows.register
def _(e: PayrollRun.Redrafted, position: int) -> list[Change]:
    run = {"draft_version": e.originator_version, "drafted_by": e.actor}
    return [Put(RUNS, (e.originator_id,), run), *_items(e)]


@payroll_rows.register
def _(e: PayrollRun.Approved, position: int) -> list[Change]:
    run = {"status": "approved", "approved_by": e.actor, "approved_on": e.effective}
    changes: list[Change] = [Put(RUNS, (e.originator_id,), run)]
    for item in e.items:
        settled = (
            {"reversal_run": e.originator_id}
            if item.reversal
            else {"paid_run": e.originator_id, "paid_amount": item.amount}
        )
        changes.append(Put(DELIVERIES, (item.delivery_id,), settled))
    return changes


@payroll_rows.register
def _(e: PayrollRun.Paid, position: int) -> list[Change]:
    changes: list[Change] = [
        Put(RUNS, (e.originator_id,), {"status": "paid", "paid_on": e.effective})
    ]
    for p in e.payments:
        row = {"amount": p.amount, "bank_reference": p.bank_reference}
        row["paid_on"] = e.effective
        changes.append(Put(PAYMENTS, (e.originator_id, p.teacher_id), row))
    return changes
