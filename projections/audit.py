"""Every event in log order, with who, when and what: the audit trail."""

import json
from datetime import date, time
from uuid import UUID

from domain.facts import Fact
from projections.rows import Change, Insert, Table

EVENTS = Table(
    "audit_events",
    ("position",),
    """
    CREATE TABLE IF NOT EXISTS audit_events (
        position bigint PRIMARY KEY,
        originator_id uuid NOT NULL,
        originator_version bigint NOT NULL,
        type text NOT NULL,
        school_id uuid,
        actor text NOT NULL,
        role text NOT NULL,
        recorded_at timestamptz NOT NULL,
        effective date NOT NULL,
        payload jsonb NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_events_entity
        ON audit_events (originator_id, originator_version);
    CREATE INDEX IF NOT EXISTS audit_events_school ON audit_events (school_id, position)
    """,
)

TABLES = (EVENTS,)


def _plain(value: object) -> object:
    if isinstance(value, UUID | date | time):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def audit_rows(event: Fact, position: int) -> list[Change]:
    payload = {k: _plain(v) for k, v in event.payload().items()}
    school_id = payload.get("school_id")
    if type(event).__qualname__ == "School.Registered":
        school_id = str(event.originator_id)
    row = {
        "position": position,
        "originator_id": event.originator_id,
        "originator_version": event.originator_version,
        "type": type(event).__qualname__,
        "school_id": school_id,
        "actor": event.actor,
        "role": event.role,
        "recorded_at": event.timestamp,
        "effective": event.effective,
        "payload": json.dumps(payload, sort_keys=True, ensure_ascii=False),
    }
    return [Insert(EVENTS, row)]
