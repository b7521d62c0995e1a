"""Questions bursars, auditors and regulators ask, answered from the read tables."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable

from domain.errors import NotFound
from domain.ledger import is_debit_normal, receivable, refund_payable, unearned


@dataclass(frozen=True)
class Fund:
    """A school's supervised fund. ``held_for_families`` is the money the bank
    must hold for families: paid and not yet consumed, plus refunds approved
    and not yet paid. ``covered`` is the regulator's solvency check."""

    school_id: UUID
    district: str
    code: str
    name: str
    bank: int
    receivable: int
    unearned: int
    subsidy: int
    released: int
    payable_teacher: int
    payable_refund: int
    held_for_families: int

    @property
    def covered(self) -> bool:
        return self.bank >= self.held_for_families


@dataclass(frozen=True)
class StudentBalance:
    school_id: UUID
    student_id: str
    charged: int
    cancelled: int
    paid: int
    consumed: int
    refunded: int
    refund_paid: int

    @property
    def unconsumed(self) -> int:
        return self.charged - self.cancelled - self.consumed

    @property
    def owed(self) -> int:
        """Positive: the family owes the school; negative: the family is in credit."""
        return self.charged - self.cancelled - self.paid + self.refunded


@dataclass(frozen=True)
class AccountBalance:
    school_id: UUID
    account: str
    kind: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        """In the account's normal direction: debit for assets, credit otherwise."""
        net = self.debit - self.credit
        return net if is_debit_normal(self.account) else -net


@dataclass(frozen=True)
class TrialBalance:
    accounts: list[AccountBalance]

    @property
    def total_debit(self) -> int:
        return sum(a.debit for a in self.accounts)

    @property
    def total_credit(self) -> int:
        return sum(a.credit for a in self.accounts)


@dataclass(frozen=True)
class EntryLine:
    account: str
    flow: str
    debit: int
    credit: int


@dataclass(frozen=True)
class Entry:
    entry_id: UUID
    position: int
    effective: date
    recorded_at: datetime
    kind: str
    source_id: UUID
    reverses: UUID | None
    actor: str
    role: str
    lines: list[EntryLine]


@dataclass(frozen=True)
class HistoryEvent:
    position: int
    version: int
    type: str
    actor: str
    role: str
    recorded_at: datetime
    effective: date
    payload: dict[str, Any]


@dataclass(frozen=True)
class CourseBalance:
    course_id: UUID
    school_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    fee: int
    planned_sessions: int
    enrolled: int
    sessions: int
    charged: int
    released: int
    cancelled: int
    teacher_pay: int
    subsidy: int


FUND_KINDS = {
    "bank": "bank",
    "receivable": "receivable",
    "unearned": "unearned",
    "subsidy": "subsidy",
    "released": "released",
    "payable:teacher": "payable_teacher",
    "payable:refund": "payable_refund",
}

_FUNDS = SQL("""
    WITH chosen AS (SELECT * FROM schools s WHERE {where}),
    held AS (
        SELECT school_id,
               sum(greatest(paid - consumed - refunded, 0) + refunded - refund_paid)
                   AS held
        FROM student_balances WHERE school_id IN (SELECT school_id FROM chosen)
        GROUP BY school_id
    )
    SELECT s.school_id, s.district, s.code, s.name, b.kind,
           coalesce(sum(b.debit), 0)::bigint AS debit,
           coalesce(sum(b.credit), 0)::bigint AS credit,
           coalesce(h.held, 0)::bigint AS held
    FROM chosen s
    LEFT JOIN ledger_balances b ON b.school_id = s.school_id
    LEFT JOIN held h ON h.school_id = s.school_id
    GROUP BY s.school_id, s.district, s.code, s.name, b.kind, h.held
    ORDER BY s.code
""")

_STUDENT = SQL("""
    SELECT charged, cancelled, paid, consumed, refunded, refund_paid
    FROM student_balances WHERE school_id = %s AND student_id = %s
""")

_STUDENT_FLOWS = SQL("""
    SELECT kind, flow, sum(debit)::bigint AS debit, sum(credit)::bigint AS credit
    FROM ledger_lines
    WHERE school_id = %s AND account = ANY(%s) AND {until}
    GROUP BY kind, flow
""")

_BALANCES = SQL("""
    SELECT school_id, account, kind, debit, credit FROM ledger_balances
    WHERE {where} ORDER BY school_id, account
""")

_BALANCES_UNTIL = SQL("""
    SELECT school_id, account, kind, sum(debit)::bigint AS debit,
           sum(credit)::bigint AS credit
    FROM ledger_lines WHERE {where}
    GROUP BY school_id, account, kind ORDER BY school_id, account
""")

_CREDIT = SQL("""
    SELECT paid + cancelled - charged - refunded - refund_requested AS credit
    FROM student_balances WHERE school_id = %s AND student_id = %s
""")


_ENTRIES = SQL("""
    SELECT e.entry_id, e.position, e.effective, e.recorded_at, e.kind, e.source_id,
           e.reverses, e.actor, e.role,
           json_agg(json_build_object('account', l.account, 'flow', l.flow,
                    'debit', l.debit, 'credit', l.credit) ORDER BY l.line_no) AS lines
    FROM ledger_entries e JOIN ledger_lines l ON l.position = e.position
    WHERE e.school_id = %s AND e.position > %s AND {until}
      AND (%s::text IS NULL OR e.position IN (
          SELECT position FROM ledger_lines
          WHERE school_id = %s AND account = %s))
    GROUP BY e.entry_id ORDER BY e.position LIMIT %s
""")

_HISTORY = SQL("""
    SELECT position, originator_version AS version, type, actor, role, recorded_at,
           effective, payload
    FROM audit_events WHERE originator_id = %s ORDER BY originator_version
""")

_OWNER = SQL("""
    SELECT school_id FROM audit_events
    WHERE originator_id = %s ORDER BY originator_version LIMIT 1
""")

_STUDENTS = SQL("""
    SELECT school_id, student_id, charged, cancelled, paid, consumed, refunded,
           refund_paid
    FROM student_balances
    WHERE school_id = %s AND {status}
    ORDER BY student_id LIMIT %s
""")

STUDENT_STATUS = {
    "owes": SQL("charged - cancelled - paid + refunded > 0"),
    "in credit": SQL("charged - cancelled - paid + refunded < 0"),
    "settled": SQL("charged - cancelled - paid + refunded = 0"),
    "all": SQL("true"),
}


_PAY_SESSIONS = SQL("""
    SELECT delivery_id, session_id, course_id, teacher_id, day, starts, ends, roster,
           accrued, reversed, paid_amount
    FROM pay_deliveries
    WHERE school_id = %s AND day <= %s AND (
        (NOT reversed AND paid_run IS NULL AND roster > 0)
        OR (reversed AND paid_run IS NOT NULL AND reversal_run IS NULL))
    ORDER BY teacher_id, day, delivery_id
""")

_RUN = SQL("""
    SELECT run_id, school_id, month, status, drafted_by, approved_by, approved_on,
           paid_on, draft_version
    FROM payroll_runs WHERE {where}
""")

_RUN_ITEMS = SQL("""
    SELECT i.teacher_id, t.code AS teacher_code, t.kind AS teacher_kind,
           i.delivery_id, i.session_id, i.course_id, c.code AS course_code,
           i.day, i.starts, i.ends, i.roster, i.amount, i.accrued,
           p.bank_reference, p.paid_on
    FROM payroll_items i
    JOIN payroll_runs r ON r.run_id = i.run_id AND r.draft_version = i.version
    LEFT JOIN teachers t ON t.teacher_id = i.teacher_id
    LEFT JOIN courses c ON c.course_id = i.course_id
    LEFT JOIN payroll_payments p ON p.run_id = i.run_id AND p.teacher_id = i.teacher_id
    WHERE i.run_id = %s AND (%s::uuid IS NULL OR i.teacher_id = %s)
    ORDER BY t.code, i.day, c.code
""")


@dataclass(frozen=True)
class PayLine:
    """One session (or, negative, one reversed session) in a teacher's pay."""

    teacher_id: UUID
    teacher_code: str
    teacher_kind: str
    delivery_id: UUID
    session_id: UUID
    course_id: UUID
    course_code: str
    day: date
    starts: time
    ends: time
    roster: int
    amount: int
    accrued: int
    bank_reference: str | None
    paid_on: date | None


@dataclass(frozen=True)
class Payroll:
    run_id: UUID
    school_id: UUID
    month: date
    status: str
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    paid_on: date | None
    lines: list[PayLine]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


class Queries:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore

    def rows(self, statement: Composable, params: Any = ()) -> list[dict[str, Any]]:
        with self.datastore.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchall()

    def funds(self, *, school_id: UUID | None = None, district: str | None = None):
        where = SQL("s.school_id = %s") if school_id else SQL("s.district = %s")
        rows = self.rows(_FUNDS.format(where=where), (school_id or district,))
        sums: dict[UUID, dict[str, Any]] = {}
        for row in rows:
            fund = sums.setdefault(
                row["school_id"],
                {k: row[k] for k in ("school_id", "district", "code", "name")}
                | dict.fromkeys(FUND_KINDS.values(), 0)
                | {"held_for_families": row["held"]},
            )
            if row["kind"]:
                net = row["debit"] - row["credit"]
                field = FUND_KINDS[row["kind"]]
                fund[field] = net if row["kind"] in ("bank", "receivable") else -net
        return [Fund(**fund) for fund in sums.values()]

    def fund(self, school_id: UUID) -> Fund:
        funds = self.funds(school_id=school_id)
        if not funds:
            raise NotFound("no school with that id")
        return funds[0]

    def student_balance(
        self,
        school_id: UUID,
        student_id: str,
        *,
        as_of: date | None = None,
        at_position: int | None = None,
    ) -> StudentBalance:
        if as_of is None and at_position is None:
            rows = self.rows(_STUDENT, (school_id, student_id))
            if not rows:
                raise NotFound(f"no student {student_id} at this school")
            return StudentBalance(school_id, student_id, **rows[0])
        accounts = [f(student_id) for f in (receivable, unearned, refund_payable)]
        until, limits = _until(as_of, at_position)
        flows: dict[tuple[str, str], int] = defaultdict(int)
        for r in self.rows(
            _STUDENT_FLOWS.format(until=until), (school_id, accounts, *limits)
        ):
            flows[(r["kind"], r["flow"])] = r["debit"] - r["credit"]
        return StudentBalance(
            school_id,
            student_id,
            charged=-flows[("unearned", "charge")],
            cancelled=flows[("unearned", "cancellation")],
            paid=-flows[("receivable", "payment")],
            consumed=flows[("unearned", "consumption")],
            refunded=-flows[("payable:refund", "refund")],
            refund_paid=flows[("payable:refund", "refund_payment")],
        )

    def trial_balance(
        self,
        schools: Collection[UUID],
        *,
        as_of: date | None = None,
        at_position: int | None = None,
    ) -> TrialBalance:
        where, params = SQL("school_id = ANY(%s)"), [list(schools)]
        if as_of is None and at_position is None:
            rows = self.rows(_BALANCES.format(where=where), params)
        else:
            until, limits = _until(as_of, at_position)
            where = SQL("{} AND {}").format(where, until)
            rows = self.rows(_BALANCES_UNTIL.format(where=where), [*params, *limits])
        return TrialBalance([AccountBalance(**r) for r in rows])

    def course(self, course_id: UUID) -> CourseBalance:
        fields = SQL(", ").join(SQL(f) for f in CourseBalance.__dataclass_fields__)
        rows = self.rows(
            SQL("SELECT {} FROM courses WHERE course_id = %s").format(fields),
            (course_id,),
        )
        if not rows:
            raise NotFound("no course with that id")
        return CourseBalance(**rows[0])

    def schools_in(self, district: str) -> set[UUID]:
        rows = self.rows(
            SQL("SELECT school_id FROM schools WHERE district = %s"), (district,)
        )
        return {r["school_id"] for r in rows}

    def entries(
        self,
        school_id: UUID,
        *,
        account: str | None = None,
        as_of: date | None = None,
        at_position: int | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[Entry]:
        until, limits = _until(as_of, at_position, prefix="e.")
        rows = self.rows(
            _ENTRIES.format(until=until),
            (school_id, after, *limits, account, school_id, account, limit),
        )
        return [
            Entry(**(r | {"lines": [EntryLine(**x) for x in r["lines"]]})) for r in rows
        ]

    def owner(self, entity_id: UUID) -> UUID | None:
        """The school an entity belongs to, as the audit trail knows it."""
        rows = self.rows(_OWNER, (entity_id,))
        return rows[0]["school_id"] if rows else None

    def history(self, entity_id: UUID) -> list[HistoryEvent]:
        return [HistoryEvent(**r) for r in self.rows(_HISTORY, (entity_id,))]

    def students(
        self, school_id: UUID, status: str, limit: int
    ) -> list[StudentBalance]:
        statement = _STUDENTS.format(status=STUDENT_STATUS[status])
        return [StudentBalance(**r) for r in self.rows(statement, (school_id, limit))]

    def pay_sessions(self, school_id: UUID, through: date) -> list[dict[str, Any]]:
        return self.rows(_PAY_SESSIONS, (school_id, through))

    def payroll(
        self,
        *,
        run_id: UUID | None = None,
        school_id: UUID | None = None,
        month: date | None = None,
        teacher_id: UUID | None = None,
    ) -> Payroll:
        """A run by id, or a school's run of a month; one teacher's lines or all."""
        if run_id:
            runs = self.rows(_RUN.format(where=SQL("run_id = %s")), (run_id,))
        else:
            where = SQL("school_id = %s AND month = %s")
            runs = self.rows(_RUN.format(where=where), (school_id, month))
        if not runs:
            raise NotFound("no payroll with that id")
        run = runs[0]
        del run["draft_version"]
        lines = self.rows(_RUN_ITEMS, (run["run_id"], teacher_id, teacher_id))
        return Payroll(**run, lines=[PayLine(**line) for line in lines])

    def term_surplus(self, term_id: UUID) -> int:
        rows = self.rows(
            SQL(
                "SELECT coalesce(sum(b.credit - b.debit), 0)::bigint AS surplus"
                " FROM courses c JOIN ledger_balances b ON b.school_id = c.school_id"
                " AND b.account = 'released:' || c.course_id WHERE c.term_id = %s"
            ),
            (term_id,),
        )
        return rows[0]["surplus"]

    def teacher_school(self, teacher_id: UUID) -> UUID | None:
        rows = self.rows(
            SQL("SELECT school_id FROM teachers WHERE teacher_id = %s"), (teacher_id,)
        )
        return rows[0]["school_id"] if rows else None

    def free_cash(self, school_id: UUID) -> int:
        """Bank money not held for families (their refunds included)."""
        fund = self.fund(school_id)
        return fund.bank - fund.held_for_families

    def credit(self, school_id: UUID, student_id: str) -> int:
        rows = self.rows(_CREDIT, (school_id, student_id))
        return rows[0]["credit"] if rows else 0


def _until(
    as_of: date | None, at_position: int | None, prefix: str = ""
) -> tuple[Composable, list]:
    clauses, params = [], []
    if as_of is not None:
        clauses.append(SQL(prefix + "effective <= %s"))
        params.append(as_of)
    if at_position is not None:
        clauses.append(SQL(prefix + "position <= %s"))
        params.append(at_position)
    return (SQL(" AND ").join(clauses) if clauses else SQL("true")), params
