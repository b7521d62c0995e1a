"""The supervised account twice: as the ledger moved it, and as the bank's
statements say it moved, to be matched line by line."""

from functools import singledispatch

from domain.bank import BankStatement
from domain.facts import Fact
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.subsidy import SubsidyGrant
from projections.rows import Change, Insert, Table

MOVEMENTS = Table(
    "bank_movements",
    ("position", "line_no"),
    """
    CREATE TABLE IF NOT EXISTS bank_movements (
        position bigint NOT NULL,
        line_no int NOT NULL,
        school_id uuid NOT NULL,
        day date NOT NULL,
        direction text NOT NULL,
        amount bigint NOT NULL,
        reference text NOT NULL,
        kind text NOT NULL,
        source_id uuid NOT NULL,
        PRIMARY KEY (position, line_no)
    );
    CREATE INDEX IF NOT EXISTS bank_movements_school ON bank_movements (school_id, day)
    """,
)

LINES = Table(
    "statement_lines",
    ("statement", "line_no"),
    """
    CREATE TABLE IF NOT EXISTS statement_lines (
        statement uuid NOT NULL,
        line_no int NOT NULL,
        school_id uuid NOT NULL,
        statement_id text NOT NULL,
        opening bigint,
        closing bigint,
        day date,
        direction text NOT NULL,
        amount bigint NOT NULL,
        reference text NOT NULL,
        description text NOT NULL,
        splits bigint[] NOT NULL,
        split_references text[] NOT NULL,
        PRIMARY KEY (statement, line_no)
    );
    CREATE INDEX IF NOT EXISTS statement_lines_school ON statement_lines (school_id)
    """,
)

TABLES = (MOVEMENTS, LINES)


def _movement(e, position, number, direction, amount, reference, kind) -> Insert:
    row = {
        "position": position,
        "line_no": number,
        "school_id": e.school_id,
        "day": e.effective,
        "direction": direction,
        "amount": amount,
        "reference": reference,
        "kind": kind,
        "source_id": e.originator_id,
    }
    return Insert(MOVEMENTS, row)


@singledispatch
def reconciliation_rows(event: Fact, position: int) -> list[Change]:
    return []


@reconciliation_rows.register
def _(e: Payment.Received, position: int) -> list[Change]:
    return [_movement(e, position, 0, "credit", e.amount, e.reference, "payment")]


@reconciliation_rows.register
def _(e: SubsidyGrant.Received, position: int) -> list[Change]:
    return [_movement(e, position, 0, "credit", e.amount, e.reference, "subsidy")]


@reconciliation_rows.register
def _(e: Refund.Paid, position: int) -> list[Change]:
    return [_movement(e, position, 0, "debit", e.amount, e.bank_reference, "refund")]


@reconciliation_rows.register
def _(e: PayrollRun.Paid, position: int) -> list[Change]:
    return [
        _movement(e, position, n, "debit", p.amount, p.bank_reference, "payroll")
        for n, p in enumerate(e.payments)
    ]


@reconciliation_rows.register
def _(e: BankStatement.Imported, position: int) -> list[Change]:
    return [
        Insert(
            LINES,
            {
                "statement": e.originator_id,
                "line_no": n,
                "school_id": e.school_id,
                "statement_id": e.statement_id,
                "opening": e.opening,
                "closing": e.closing,
                "day": line.booked_on,
                "direction": line.direction,
                "amount": line.amount,
                "reference": line.reference,
                "description": line.description,
                "splits": list(line.splits),
                "split_references": list(line.split_references),
            },
        )
        for n, line in enumerate(e.lines)
    ]
