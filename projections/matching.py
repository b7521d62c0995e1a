"""Bank reconciliation: each statement line matched to the ledger's movements
of the supervised account by reference and amount (one to one, or one line to
many movements for a batch), what is left unmatched on either side, and how
far the bank's closing balance is from the ledger's bank account."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain.errors import NotFound
from domain.ledger import BANK
from domain.statements import CREDIT, Statement, StatementLine
from projections.queries import Queries

Row = dict[str, Any]


@dataclass
class Match:
    line: Row
    movements: list[Row]
    how: str  # "reference", "batch" or "sum"


@dataclass
class Reconciliation:
    statement: UUID
    statement_id: str
    first_day: date | None
    last_day: date | None
    opening: int | None
    closing: int | None
    ledger_balance: int
    matched: list[Match] = field(default_factory=list)
    unmatched_lines: list[Row] = field(default_factory=list)
    unmatched_movements: list[Row] = field(default_factory=list)

    @property
    def difference(self) -> int | None:
        """The bank's closing balance less the ledger's bank account then."""
        return None if self.closing is None else self.closing - self.ledger_balance


_LINES = SQL("""
    SELECT line_no, statement_id, opening, closing, day, direction, amount,
           reference, description, splits, split_references
    FROM statement_lines WHERE statement = %s AND school_id = %s ORDER BY line_no
""")

_MOVEMENTS = SQL("""
    SELECT position, line_no, day, direction, amount, reference, kind, source_id
    FROM bank_movements
    WHERE school_id = %s AND day BETWEEN %s AND %s ORDER BY position, line_no
""")

_BANK_UNTIL = SQL("""
    SELECT coalesce(sum(debit - credit), 0)::bigint AS balance FROM ledger_lines
    WHERE school_id = %s AND account = %s AND effective <= %s
""")


def reconcile(queries: Queries, school_id: UUID, statement: UUID) -> Reconciliation:
    lines = queries.rows(_LINES, (statement, school_id))
    if not lines:
        raise NotFound("no statement with that id")
    days = [line["day"] for line in lines if line["day"]]
    first, last = min(days, default=None), max(days, default=None)
    movements = queries.rows(_MOVEMENTS, (school_id, first, last)) if days else []
    balance = queries.rows(_BANK_UNTIL, (school_id, BANK, last or date.max))
    result = Reconciliation(
        statement,
        lines[0]["statement_id"],
        first,
        last,
        lines[0]["opening"],
        lines[0]["closing"],
        balance[0]["balance"],
    )
    unclaimed = defaultdict(list)
    for movement in movements:
        unclaimed[(movement["reference"], movement["direction"])].append(movement)
    for line in lines:
        match = _match(line, unclaimed)
        if match:
            result.matched.append(match)
        else:
            result.unmatched_lines.append(line)
    result.unmatched_movements = sorted(
        (m for group in unclaimed.values() for m in group),
        key=lambda m: (m["position"], m["line_no"]),
    )
    return result


def _match(line: Row, unclaimed: dict[tuple[str, str], list[Row]]) -> Match | None:
    direction = line["direction"]
    if line["splits"] and len(line["split_references"]) == len(line["splits"]):
        wanted = list(zip(line["split_references"], line["splits"], strict=True))
        found = [_take(unclaimed, (ref, direction), amount) for ref, amount in wanted]
        if all(found):
            return Match(line, found, "batch")
        for movement in filter(None, found):  # put back a partial batch
            unclaimed[(movement["reference"], direction)].append(movement)
    same = unclaimed.get((line["reference"], direction), [])
    if single := _take(unclaimed, (line["reference"], direction), line["amount"]):
        return Match(line, [single], "reference")
    if same and sum(m["amount"] for m in same) == line["amount"]:
        taken = list(same)
        same.clear()
        return Match(line, taken, "sum")
    return None


def _take(unclaimed, key: tuple[str, str], amount: int) -> Row | None:
    for i, movement in enumerate(unclaimed.get(key, [])):
        if movement["amount"] == amount:
            return unclaimed[key].pop(i)
    return None


def ledger_statement(
    queries: Queries, school_id: UUID, account: str, start: date, end: date
) -> Statement:
    """The statement the bank would send if it agreed with the ledger, for the
    generator and the demo: one line per movement of the account."""
    opening = queries.rows(
        _BANK_UNTIL, (school_id, BANK, start.fromordinal(start.toordinal() - 1))
    )[0]["balance"]
    movements = queries.rows(_MOVEMENTS, (school_id, start, end))
    lines = tuple(
        StatementLine(
            m["reference"], m["amount"], m["direction"], "CNY", m["day"], m["kind"]
        )
        for m in movements
    )
    net = sum(
        m["amount"] if m["direction"] == CREDIT else -m["amount"] for m in movements
    )
    return Statement(
        f"{end:%Y%m%d}", account, "CNY", opening, "OPBD", opening + net, lines, "csv"
    )
