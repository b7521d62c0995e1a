"""The events behind a finding's evidence: who recorded what, and when.

A finding names its evidence by kind and id (``projections.findings.evidence``):
most kinds are an entity with a history of its own; a session is the events
of its course that name it, an enrolment (``course/student``) those of its
course that name the student, an event its log position."""

from uuid import UUID

from psycopg.sql import SQL

from domain.errors import NotFound
from projections.queries import HistoryEvent, Queries

ENTITIES = ("course", "payment", "refund", "term", "dispute", "rating")
KINDS = (*ENTITIES, "session", "enrolment", "event")

_COLUMNS = """a.school_id, a.position, a.originator_version AS version, a.type,
    a.actor, a.role, a.recorded_at, a.effective, a.payload"""

_STATEMENTS = {
    "entity": SQL(f"""
        SELECT {_COLUMNS} FROM audit_events a
        WHERE a.originator_id = %(id)s ORDER BY a.originator_version
    """),
    "session": SQL(f"""
        SELECT {_COLUMNS} FROM service_sessions s
        JOIN audit_events a ON a.originator_id = s.course_id
        WHERE s.session_id = %(id)s AND a.payload->>'session_id' = %(id)s::text
        ORDER BY a.originator_version
    """),
    "enrolment": SQL(f"""
        SELECT {_COLUMNS} FROM audit_events a
        WHERE a.originator_id = %(course)s AND a.payload->>'student_id' = %(student)s
        ORDER BY a.originator_version
    """),
    "event": SQL(f"SELECT {_COLUMNS} FROM audit_events a WHERE a.position = %(id)s"),
}


def behind(queries: Queries, kind: str, ref: str) -> tuple[UUID, list[HistoryEvent]]:
    """The school the evidence belongs to, and its events in order."""
    statement, params = _asked(kind, ref)
    rows = queries.rows(_STATEMENTS[statement], params)
    if not rows or rows[0]["school_id"] is None:
        raise NotFound(f"no {kind} {ref}")
    school_id = rows[0]["school_id"]
    return school_id, [HistoryEvent(**_without(r, "school_id")) for r in rows]


def _asked(kind: str, ref: str) -> tuple[str, dict]:
    try:
        if kind in ENTITIES:
            return "entity", {"id": UUID(ref)}
        if kind == "session":
            return "session", {"id": UUID(ref)}
        if kind == "enrolment":
            course, student = ref.split("/", 1)
            return "enrolment", {"course": UUID(course), "student": student}
        if kind == "event":
            return "event", {"id": int(ref)}
    except ValueError:
        pass
    raise NotFound(f"no {kind} {ref}")


def _without(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}
