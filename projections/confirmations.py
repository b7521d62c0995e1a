"""Confirmation: each share that awaited a family's confirmation and how it
was settled (by the guardian, by silence or by a dispute), and each dispute
with its status; the families' lists, the schools' dispute lists and counts,
and what the nightly run settles by time.

Shares released on delivery await nothing and have no rows here."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatch
from itertools import chain
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Composable

from domain.course import Course
from domain.dispute import UNANSWERED, Dispute, Status
from domain.facts import Fact
from projections.queries import Queries
from projections.rows import Change, Put, Table, write

# state: awaiting, confirmed, disputed, credited (back to the family),
# released (to the course after a dispute), reversed (the delivery was).
# settled_by: guardian, silence or dispute. A reversal's put that found no
# share (released on delivery, or never consumed) leaves delivered_at empty:
# such rows are dropped once the batch is written.
FAMILY_SHARES = Table(
    "family_shares",
    ("course_id", "student_id", "day"),
    """
    CREATE TABLE IF NOT EXISTS family_shares (
        course_id uuid NOT NULL,
        student_id text NOT NULL,
        day date NOT NULL,
        school_id uuid,
        session_id uuid,
        amount bigint,
        state text,
        delivered_at timestamptz,
        confirm_by date,
        settled_at timestamptz,
        settled_by text,
        rule text,
        dispute_id uuid,
        PRIMARY KEY (course_id, student_id, day)
    );
    CREATE INDEX IF NOT EXISTS family_shares_family
        ON family_shares (school_id, student_id);
    CREATE INDEX IF NOT EXISTS family_shares_awaiting
        ON family_shares (confirm_by, course_id) WHERE state = 'awaiting';
    CREATE INDEX IF NOT EXISTS family_shares_unmade
        ON family_shares (course_id) WHERE delivered_at IS NULL
    """,
)

# status: one of domain.dispute.Status; rule: what settled it when nobody acted
DISPUTES = Table(
    "disputes",
    ("dispute_id",),
    """
    CREATE TABLE IF NOT EXISTS disputes (
        dispute_id uuid PRIMARY KEY,
        school_id uuid,
        course_id uuid,
        session_id uuid,
        day date,
        student_id text,
        grounds text,
        amount bigint,
        status text,
        opened_at timestamptz,
        opened_on date,
        answer_by date,
        escalate_by date,
        settled_at timestamptz,
        rule text,
        actor text,
        role text,
        acted_at timestamptz
    );
    CREATE INDEX IF NOT EXISTS disputes_school
        ON disputes (school_id, opened_at, dispute_id);
    CREATE INDEX IF NOT EXISTS disputes_status
        ON disputes (school_id, status, opened_at, dispute_id);
    CREATE INDEX IF NOT EXISTS disputes_unanswered
        ON disputes (answer_by) WHERE status = 'open';
    CREATE INDEX IF NOT EXISTS disputes_not_escalated
        ON disputes (escalate_by) WHERE status = 'rejected'
    """,
)

TABLES = (FAMILY_SHARES, DISPUTES)

_UNMADE = SQL("DELETE FROM family_shares WHERE delivered_at IS NULL")


def project(curs: Cursor, batch: Sequence[tuple[int, Fact]]) -> None:
    """Writes a batch's changes, then drops the shares a reversal named that
    never awaited confirmation."""
    write(curs, chain.from_iterable(confirmation_rows(e, n) for n, e in batch))
    if any(isinstance(e, Course.DeliveryReversed) for _, e in batch):
        curs.execute(_UNMADE)


@singledispatch
def confirmation_rows(event: Fact, position: int) -> list[Change]:
    return []


def _share(e: Fact, student_id: str, day: date, **values) -> Change:
    return Put(FAMILY_SHARES, (e.originator_id, student_id, day), values)


def _settled(e: Fact, by: str, **values) -> dict:
    return {"settled_at": e.timestamp, "settled_by": by} | values


@confirmation_rows.register
def _(e: Course.SessionDelivered, position: int) -> list[Change]:
    if not e.awaiting:
        return []
    row = {
        "school_id": e.school_id,
        "session_id": e.session_id,
        "amount": e.share,
        "state": "awaiting",
        "delivered_at": e.timestamp,
        "confirm_by": e.confirm_by,
        "settled_at": None,
        "settled_by": None,
        "rule": None,
        "dispute_id": None,
    }
    return [_share(e, student, e.effective, **row) for student in e.released]


@confirmation_rows.register
def _(e: Course.DeliveryReversed, position: int) -> list[Change]:
    # confirmed and dispute-released shares are among ``released``, shares
    # credited back among ``cancelled``
    students = (*e.released, *e.cancelled)
    return [_share(e, s, e.effective, state="reversed") for s in students]


@confirmation_rows.register
def _(e: Course.SharesConfirmed, position: int) -> list[Change]:
    confirmed = _settled(e, "guardian", state="confirmed", rule=None)
    return [_share(e, e.student_id, day, **confirmed) for day in e.days]


@confirmation_rows.register
def _(e: Course.SilenceElapsed, position: int) -> list[Change]:
    confirmed = _settled(e, "silence", state="confirmed", rule=e.rule)
    return [
        _share(e, student, day, **confirmed)
        for student, days in e.confirmed.items()
        for day in days
    ]


@confirmation_rows.register
def _(e: Course.ShareHeld, position: int) -> list[Change]:
    return [_share(e, e.student_id, e.day, state="disputed", dispute_id=e.dispute_id)]


@confirmation_rows.register
def _(e: Course.HeldShareSettled, position: int) -> list[Change]:
    state = "credited" if e.credited else "released"
    settled = _settled(e, "dispute", state=state, dispute_id=e.dispute_id)
    return [_share(e, e.student_id, e.day, **settled)]


def _dispute(e: Fact, **values) -> list[Change]:
    acted = {"actor": e.actor, "role": e.role, "acted_at": e.timestamp}
    return [Put(DISPUTES, (e.originator_id,), values | acted)]


@confirmation_rows.register
def _(e: Dispute.Opened, position: int) -> list[Change]:
    fields = ("school_id", "course_id", "session_id", "day", "student_id")
    row = {f: getattr(e, f) for f in (*fields, "grounds", "amount", "answer_by")}
    return _dispute(
        e,
        **row,
        status=Status.OPEN.value,
        opened_at=e.timestamp,
        opened_on=e.effective,
        escalate_by=None,
        settled_at=None,
        rule=None,
    )


@confirmation_rows.register
def _(e: Dispute.Accepted, position: int) -> list[Change]:
    return _dispute(e, status=Status.ACCEPTED.value, settled_at=e.timestamp)


@confirmation_rows.register
def _(e: Dispute.Rejected, position: int) -> list[Change]:
    return _dispute(e, status=Status.REJECTED.value, escalate_by=e.escalate_by)


@confirmation_rows.register
def _(e: Dispute.Escalated, position: int) -> list[Change]:
    return _dispute(e, status=Status.ESCALATED.value)


@confirmation_rows.register
def _(e: Dispute.Decided, position: int) -> list[Change]:
    status = Status.UPHELD if e.upheld else Status.DISMISSED
    return _dispute(e, status=status.value, settled_at=e.timestamp)


@confirmation_rows.register
def _(e: Dispute.Lapsed, position: int) -> list[Change]:
    status = Status.ACCEPTED if e.rule == UNANSWERED else Status.RELEASED
    return _dispute(e, status=status.value, settled_at=e.timestamp, rule=e.rule)


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class FamilyShare:
    """``confirm_by``: the last day the family may confirm or dispute it;
    ``course_code`` and ``course_name`` are None while the register has not
    caught up with the course."""

    course_id: UUID
    course_code: str | None
    course_name: str | None
    student_id: str
    day: date
    school_id: UUID
    session_id: UUID
    amount: int
    state: str
    delivered_at: datetime
    confirm_by: date
    settled_at: datetime | None
    settled_by: str | None
    rule: str | None
    dispute_id: UUID | None


@dataclass(frozen=True)
class DisputeRow:
    """``age_days``: calendar days from the day it was opened to the day asked."""

    dispute_id: UUID
    school_id: UUID
    course_id: UUID
    course_code: str | None
    session_id: UUID
    day: date
    student_id: str
    grounds: str
    amount: int
    status: str
    opened_at: datetime
    opened_on: date
    age_days: int
    answer_by: date
    escalate_by: date | None
    settled_at: datetime | None
    rule: str | None
    actor: str
    role: str
    acted_at: datetime

    @property
    def after(self) -> tuple[datetime, UUID]:
        """Where the next page starts."""
        return (self.opened_at, self.dispute_id)


_SHARES = SQL("""
    SELECT s.course_id, c.code AS course_code, c.name AS course_name,
           s.student_id, s.day, s.school_id, s.session_id, s.amount, s.state,
           s.delivered_at, s.confirm_by, s.settled_at, s.settled_by, s.rule,
           s.dispute_id
    FROM family_shares s LEFT JOIN courses c USING (course_id)
    WHERE s.school_id = ANY(%(schools)s::uuid[])
      AND s.student_id = ANY(%(students)s::text[])
      AND (%(states)s::text[] IS NULL OR s.state = ANY(%(states)s::text[]))
    ORDER BY s.day, c.code, s.course_id, s.student_id
""")

_COURSES_AWAITING = SQL("""
    SELECT DISTINCT course_id FROM family_shares
    WHERE state = 'awaiting' AND confirm_by < %s ORDER BY course_id
""")

_DUE = SQL("""
    SELECT dispute_id FROM disputes
    WHERE (status = 'open' AND answer_by < %(today)s)
       OR (status = 'rejected' AND escalate_by < %(today)s)
    ORDER BY dispute_id
""")

_DISPUTES = SQL("""
    SELECT d.dispute_id, d.school_id, d.course_id, c.code AS course_code,
           d.session_id, d.day, d.student_id, d.grounds, d.amount, d.status,
           d.opened_at, d.opened_on, %(today)s::date - d.opened_on AS age_days,
           d.answer_by, d.escalate_by, d.settled_at, d.rule, d.actor, d.role,
           d.acted_at
    FROM disputes d LEFT JOIN courses c USING (course_id)
    WHERE d.school_id = ANY(%(schools)s::uuid[]){status}{after}
    ORDER BY d.opened_at, d.dispute_id
    LIMIT %(limit)s
""")
_OF_STATUS = SQL(" AND d.status = %(status)s")
_AFTER = SQL(" AND (d.opened_at, d.dispute_id) > (%(after_at)s, %(after_id)s)")
_NONE = SQL("")
DISPUTES_OF: dict[tuple[bool, bool], Composable] = {
    (by_status, paged): _DISPUTES.format(
        status=_OF_STATUS if by_status else _NONE, after=_AFTER if paged else _NONE
    )
    for by_status in (False, True)
    for paged in (False, True)
}

_COUNTS = SQL("""
    SELECT status, count(*)::int AS n FROM disputes
    WHERE school_id = ANY(%s::uuid[]) GROUP BY status
""")


def shares_of(
    queries: Queries,
    school_ids: Collection[UUID],
    student_ids: Collection[str],
    states: Collection[str] | None = None,
) -> list[FamilyShare]:
    """The children's shares that awaited confirmation, by day and course."""
    params = {
        "schools": list(school_ids),
        "students": list(student_ids),
        "states": None if states is None else list(states),
    }
    return [FamilyShare(**row) for row in queries.rows(_SHARES, params)]


def courses_awaiting(queries: Queries, before: date) -> list[UUID]:
    """Courses with a share still awaiting its family whose last day to
    confirm was before ``before``: those a silence run confirms."""
    return [row["course_id"] for row in queries.rows(_COURSES_AWAITING, (before,))]


def disputes_due(queries: Queries, today: date) -> list[UUID]:
    """Disputes time settles today: open past their answer day, or rejected
    and not escalated past their escalation day."""
    return [row["dispute_id"] for row in queries.rows(_DUE, {"today": today})]


def disputes_of(
    queries: Queries,
    school_ids: Collection[UUID],
    *,
    today: date,
    status: str | None = None,
    limit: int = 50,
    after: tuple[datetime, UUID] | None = None,
) -> list[DisputeRow]:
    """Disputes oldest first, of one status or all; the next page starts
    ``after`` the last row's ``after``."""
    after_at, after_id = after or (None, None)
    params = {
        "schools": list(school_ids),
        "today": today,
        "status": status,
        "limit": limit,
        "after_at": after_at,
        "after_id": after_id,
    }
    statement = DISPUTES_OF[(status is not None, after is not None)]
    return [DisputeRow(**row) for row in queries.rows(statement, params)]


def dispute_counts(queries: Queries, school_ids: Collection[UUID]) -> dict[str, int]:
    """How many disputes are in each status, every status named."""
    found = {
        row["status"]: row["n"] for row in queries.rows(_COUNTS, (list(school_ids),))
    }
    return {status.value: found.get(status.value, 0) for status in Status}
