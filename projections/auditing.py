"""What an auditor looks up before following a yuan: the payments named by a
channel reference or of one family, and where a piece of evidence was
recorded (the aggregate and the position of its event)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from psycopg.sql import SQL

from projections.queries import Queries

FOUND_AT_MOST = 100


@dataclass(frozen=True)
class FoundPayment:
    payment_id: UUID
    school_id: UUID
    school_code: str
    student_id: str
    amount: int
    channel: str
    reference: str
    received_on: date
    position: int


@dataclass(frozen=True)
class Recorded:
    """Where an event lies: the aggregate it belongs to and its log position."""

    entity_id: UUID
    position: int


_PAYMENTS = SQL("""
    SELECT p.payment_id, p.school_id, s.code AS school_code, p.student_id,
           p.amount, p.channel, p.reference, p.received_on, p.position
    FROM payments p JOIN schools s ON s.school_id = p.school_id
    WHERE p.school_id = ANY(%(schools)s)
      AND (%(reference)s::text IS NULL OR p.reference = %(reference)s)
      AND (%(student)s::text IS NULL OR p.student_id = %(student)s)
    ORDER BY p.received_on, p.position
    LIMIT %(limit)s
""")

# A delivery is a course's event: the session's first one, correction or not.
_SESSION = SQL("""
    SELECT a.originator_id AS entity_id, a.position
    FROM service_sessions s
    JOIN audit_events a
      ON a.originator_id = s.course_id AND a.type = 'Course.SessionDelivered'
     AND a.effective = s.day
    WHERE s.session_id = %s AND s.school_id = ANY(%s)
    ORDER BY a.position LIMIT 1
""")

_EVENT = SQL("""
    SELECT originator_id AS entity_id, position FROM audit_events
    WHERE position = %s AND school_id = ANY(%s)
""")


def payments_found(
    queries: Queries,
    schools: Collection[UUID],
    *,
    reference: str | None = None,
    student_id: str | None = None,
    limit: int = FOUND_AT_MOST,
) -> list[FoundPayment]:
    """The payments of these schools with this channel reference, or of this
    student, oldest first; nothing when neither is asked."""
    if not (reference or student_id):
        return []
    params = {
        "schools": list(schools),
        "reference": reference or None,
        "student": student_id or None,
        "limit": limit,
    }
    return [FoundPayment(**r) for r in queries.rows(_PAYMENTS, params)]


def session_recorded(
    queries: Queries, schools: Collection[UUID], session_id: UUID
) -> Recorded | None:
    """The course and the event that delivered a session of these schools."""
    rows = queries.rows(_SESSION, (session_id, list(schools)))
    return Recorded(**rows[0]) if rows else None


def event_recorded(
    queries: Queries, schools: Collection[UUID], position: int
) -> Recorded | None:
    """The aggregate of the event at a position, if it is about these schools."""
    rows = queries.rows(_EVENT, (position, list(schools)))
    return Recorded(**rows[0]) if rows else None
