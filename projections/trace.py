"""Following a yuan: from a payment to the enrolments it paid, the session
shares those enrolments consumed (with rosters), the teachers those sessions
paid and the payroll that paid them, and the refund of what was left.

A payment pays what its allocation says, nothing else. Within one enrolment,
several payments are used in the order they were allocated to it: each
released share and each refund drawn on the enrolment takes from the earliest
with money left. The part of a payment left unallocated is the family's and
is used only by refunds drawn on it.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain.errors import NotFound
from domain.ledger import holder_of, unearned
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
class Allocated:
    """What the payment paid to one enrolment (or left to the family), and
    what that part was used for."""

    course_id: UUID | None
    course_code: str | None
    amount: int
    uses: list[Use]

    @property
    def remaining(self) -> int:
        return self.amount - sum(use.amount for use in self.uses)


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
    allocations: list[Allocated]

    @property
    def uses(self) -> list[Use]:
        return sorted(
            (u for a in self.allocations for u in a.uses), key=lambda u: u.position
        )

    @property
    def remaining(self) -> int:
        return sum(a.remaining for a in self.allocations)


_PAYMENT = SQL("""
    SELECT p.payment_id, p.school_id, p.student_id, p.amount, p.channel,
           p.reference, p.received_on, p.position, e.entry_id AS deposit_entry
    FROM payments p LEFT JOIN ledger_entries e ON e.position = p.position
    WHERE p.payment_id = %s
""")

# Each payment's money in one account (an enrolment's, or the family's own),
# by payment, in the order it first arrived there.
_FUNDING = SQL("""
    SELECT e.source_id AS payment_id, sum(l.credit - l.debit)::bigint AS amount,
           min(l.position) AS first
    FROM ledger_lines l JOIN ledger_entries e ON e.position = l.position
    WHERE l.school_id = %s AND l.account = %s AND l.flow = 'payment'
    GROUP BY e.source_id HAVING sum(l.credit - l.debit) > 0
    ORDER BY first, e.source_id
""")

# Released shares of the enrolment's deliveries that stand, and refunds drawn
# on it.
_USES = SQL("""
    SELECT 'session' AS kind, l.debit AS amount, l.position, l.effective AS day,
           d.session_id, d.course_id, c.code AS course_code, d.teacher_id,
           t.code AS teacher_code, d.accrued AS teacher_pay, d.paid_run,
           pp.bank_reference AS teacher_bank_reference, s.present, s.absent,
           s.on_leave, NULL::uuid AS refund_id, NULL AS bank_reference,
           NULL AS status
    FROM ledger_lines l
    JOIN ledger_entries e ON e.position = l.position
    JOIN pay_deliveries d ON d.delivery_id = e.entry_id AND NOT d.reversed
    LEFT JOIN courses c ON c.course_id = d.course_id
    LEFT JOIN teachers t ON t.teacher_id = d.teacher_id
    LEFT JOIN payroll_payments pp
      ON pp.run_id = d.paid_run AND pp.teacher_id = d.teacher_id
    LEFT JOIN service_sessions s ON s.session_id = d.session_id
    WHERE l.school_id = %(school)s AND l.account = %(consumed)s
      AND l.flow = 'consumption' AND l.debit > 0
    UNION ALL
    SELECT 'refund', l.debit, l.position, l.effective, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.refund_id, r.bank_reference,
           r.status
    FROM ledger_lines l
    JOIN ledger_entries e ON e.position = l.position
    JOIN refunds r ON r.refund_id = e.source_id
    WHERE l.school_id = %(school)s AND l.account = %(paid)s
      AND l.flow = 'refund' AND l.debit > 0
    ORDER BY position
""")

# Found through the payment's events: its receipt and any re-allocation.
_ALLOCATION = SQL("""
    SELECT l.account, sum(l.credit - l.debit)::bigint AS amount
    FROM audit_events a JOIN ledger_lines l ON l.position = a.position
    WHERE a.originator_id = %s AND l.flow = 'payment'
      AND l.kind IN ('receivable', 'unallocated')
    GROUP BY l.account HAVING sum(l.credit - l.debit) > 0
    ORDER BY l.account
""")

_COURSE_CODE = SQL("SELECT code FROM courses WHERE course_id = %s")
_OWN = ("kind", "amount", "position", "day", "teacher_pay")


def trace_payment(queries: Queries, payment_id: UUID) -> Trace:
    rows = queries.rows(_PAYMENT, (payment_id,))
    if not rows:
        raise NotFound("no payment with that id")
    trace = Trace(**rows[0], allocations=[])
    for account, part in _allocation(queries, trace):
        course = holder_of(account).course
        code = queries.rows(_COURSE_CODE, (course,)) if course else []
        allocated = Allocated(course, code[0]["code"] if code else None, part, [])
        allocated.uses = _uses(queries, trace, account, course)
        trace.allocations.append(allocated)
    return trace


def _allocation(queries: Queries, trace: Trace) -> list[tuple[str, int]]:
    """The accounts the payment's money sits in now, and how much in each."""
    rows = queries.rows(_ALLOCATION, (trace.payment_id,))
    return [(r["account"], r["amount"]) for r in rows]


def _uses(queries: Queries, trace: Trace, account: str, course: UUID | None):
    """This payment's part of what the account's money was used for, the
    account's payments taken in the order they arrived."""
    school, student = trace.school_id, trace.student_id
    earlier, mine = 0, 0
    for funding in queries.rows(_FUNDING, (school, account)):
        if funding["payment_id"] == trace.payment_id:
            mine = funding["amount"]
            break
        earlier += funding["amount"]
    params = {
        "school": school,
        "consumed": unearned(student, course) if course else None,
        "paid": account,
    }
    uses, spent = [], 0
    for row in queries.rows(_USES, params):
        start, end = spent, spent + row["amount"]
        spent = end
        part = min(end, earlier + mine) - max(start, earlier)
        if part <= 0:
            continue
        details = {k: v for k, v in row.items() if k not in _OWN and v is not None}
        uses.append(
            Use(
                row["kind"],
                part,
                row["position"],
                row["day"],
                row["teacher_pay"],
                details,
            )
        )
    return uses
