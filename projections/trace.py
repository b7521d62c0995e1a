"""Following a yuan: from a payment to the sessions that consumed it, the
teachers those sessions paid, and the refund of what was left.

A family's payments are consumed first in, first out: each released session
share and each refund paid takes from the oldest payment with money left.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain.errors import NotFound
from projections.queries import Queries


@dataclass
class Use:
    """A part of the payment, and what it was used for."""

    kind: str  # "session" or "refund"
    amount: int
    position: int
    day: date
    teacher_pay: int | None = None  # what the session's teacher earned for it
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trace:
    payment_id: UUID
    school_id: UUID
    student_id: str
    amount: int
    channel: str
    reference: str
    received_on: date
    position: int
    deposit_entry: UUID | None
    uses: list[Use]

    @property
    def remaining(self) -> int:
        return self.amount - sum(use.amount for use in self.uses)


_PAYMENT = SQL("""
    SELECT p.payment_id, p.school_id, p.student_id, p.amount, p.channel,
           p.reference, p.received_on, p.position, e.entry_id AS deposit_entry
    FROM payments p LEFT JOIN ledger_entries e ON e.position = p.position
    WHERE p.payment_id = %s
""")

_PAYMENTS = SQL("""
    SELECT payment_id, amount, position FROM payments
    WHERE school_id = %s AND student_id = %s ORDER BY position
""")

# Released shares of deliveries that stand (not reversed), and refunds paid.
_USES = SQL("""
    SELECT 'session' AS kind, l.debit AS amount, l.position, l.effective AS day,
           d.session_id, d.course_id, c.code AS course_code, d.teacher_id,
           t.code AS teacher_code, d.accrued AS teacher_pay, d.paid_run,
           pp.bank_reference AS teacher_bank_reference, s.present, s.absent,
           s.on_leave, NULL::uuid AS refund_id, NULL AS bank_reference
    FROM ledger_lines l
    JOIN ledger_entries e ON e.position = l.position
    JOIN pay_deliveries d ON d.delivery_id = e.entry_id AND NOT d.reversed
    LEFT JOIN courses c ON c.course_id = d.course_id
    LEFT JOIN teachers t ON t.teacher_id = d.teacher_id
    LEFT JOIN payroll_payments pp
      ON pp.run_id = d.paid_run AND pp.teacher_id = d.teacher_id
    LEFT JOIN service_sessions s ON s.session_id = d.session_id
    WHERE l.school_id = %(school)s AND l.account = %(unearned)s
      AND l.flow = 'consumption' AND l.debit > 0
    UNION ALL
    SELECT 'refund', r.amount, l.position, l.effective, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.refund_id, r.bank_reference
    FROM ledger_lines l
    JOIN ledger_entries e ON e.position = l.position
    JOIN refunds r ON r.refund_id = e.source_id
    WHERE l.school_id = %(school)s AND l.account = %(refund)s
      AND l.flow = 'refund_payment' AND l.debit > 0
    ORDER BY position
""")


def trace_payment(queries: Queries, payment_id: UUID) -> Trace:
    rows = queries.rows(_PAYMENT, (payment_id,))
    if not rows:
        raise NotFound("no payment with that id")
    trace = Trace(**rows[0], uses=[])
    school, student = trace.school_id, trace.student_id
    # How much of each use falls on this payment, first in, first out.
    earlier = sum(
        p["amount"]
        for p in queries.rows(_PAYMENTS, (school, student))
        if p["position"] < trace.position
    )
    params = {
        "school": school,
        "unearned": f"unearned:{student}",
        "refund": f"payable:refund:{student}",
    }
    spent = 0
    for row in queries.rows(_USES, params):
        start, end = spent, spent + row["amount"]
        spent = end
        mine = min(end, earlier + trace.amount) - max(start, earlier)
        if mine <= 0:
            continue
        details = {
            k: v
            for k, v in row.items()
            if k not in ("kind", "amount", "position", "day", "teacher_pay")
            and v is not None
        }
        trace.uses.append(
            Use(
                row["kind"],
                mine,
                row["position"],
                row["day"],
                row["teacher_pay"],
                details,
            )
        )
    return trace
