"""Questions bursars, auditors and regulators ask, answered from the read tables."""

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable

from domain.errors import NotFound
from domain.ledger import is_debit_normal


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


_BALANCES = SQL("""
    SELECT school_id, account, kind, sum(debit)::bigint AS debit,
           sum(credit)::bigint AS credit
    FROM ledger_balances WHERE {where}
    GROUP BY school_id, account, kind ORDER BY school_id, account
""")

_BALANCES_UNTIL = SQL("""
    SELECT school_id, account, kind, sum(debit)::bigint AS debit,
           sum(credit)::bigint AS credit
    FROM ledger_lines WHERE {where}
    GROUP BY school_id, account, kind ORDER BY school_id, account
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

_SCHOOL_AT = SQL("SELECT school_id FROM audit_events WHERE position = %s")

_OWNER = SQL("""
    SELECT school_id FROM audit_events
    WHERE originator_id = %s ORDER BY originator_version LIMIT 1
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


# The ledger's position: every figure of an answer is read in one snapshot,
# at the position the ledger's tracking records in it.
_POSITION = SQL("""
    SELECT coalesce(max(notification_id), 0) AS position FROM ledger_tracking
    WHERE application_name = 'Funds'
""")


class Queries:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore

    def rows(self, statement: Composable, params: Any = ()) -> list[dict[str, Any]]:
        with self.datastore.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchall()

    @contextmanager
    def snapshot(self) -> Iterator["Snapshot"]:
        """Reads in one snapshot of the read models, and says at which position
        of the log the ledger stood in it."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            curs.execute(_POSITION)
            yield Snapshot(self.datastore, curs, curs.fetchone()["position"])

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
            until, limits = until_clause(as_of, at_position)
            where = SQL("{} AND {}").format(where, until)
            rows = self.rows(_BALANCES_UNTIL.format(where=where), [*params, *limits])
        return TrialBalance([AccountBalance(**r) for r in rows])

    def schools_in(self, district: str) -> set[UUID]:
        rows = self.rows(
            SQL("SELECT school_id FROM schools WHERE district = %s"), (district,)
        )
        return {r["school_id"] for r in rows}

    def school_codes(self) -> set[str]:
        """The codes of every school registered in this database."""
        return {r["code"] for r in self.rows(SQL("SELECT code FROM schools"))}

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
        until, limits = until_clause(as_of, at_position, prefix="e.")
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

    def school_at(self, position: int) -> UUID | None:
        """The school the event at a log position is about."""
        rows = self.rows(_SCHOOL_AT, (position,))
        return rows[0]["school_id"] if rows else None

    def history(self, entity_id: UUID) -> list[HistoryEvent]:
        return [HistoryEvent(**r) for r in self.rows(_HISTORY, (entity_id,))]

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

    def teacher_school(self, teacher_id: UUID) -> UUID | None:
        rows = self.rows(
            SQL("SELECT school_id FROM teachers WHERE teacher_id = %s"), (teacher_id,)
        )
        return rows[0]["school_id"] if rows else None

    def refund_school(self, refund_id: UUID) -> UUID | None:
        rows = self.rows(
            SQL("SELECT school_id FROM refunds WHERE refund_id = %s"), (refund_id,)
        )
        return rows[0]["school_id"] if rows else None


def until_clause(
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


class Snapshot(Queries):
    """Queries inside one repeatable-read transaction, at one position."""

    def __init__(self, datastore: PostgresDatastore, curs: Any, position: int):
        super().__init__(datastore)
        self.curs, self.position = curs, position

    def rows(self, statement: Composable, params: Any = ()) -> list[dict[str, Any]]:
        self.curs.execute(statement, params)
        return self.curs.fetchall()

    @contextmanager
    def snapshot(self) -> Iterator["Snapshot"]:
        """Already one: reads asked for in one go stay in it."""
        yield self
