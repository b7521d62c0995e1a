"""Every event in log order, with who, when and what: the audit trail."""

import json
from dataclasses import is_dataclass

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
    return vars(value) if is_dataclass(value) else str(value)


def audit_rows(event: Fact, position: int) -> list[Change]:
    payload = event.payload()
    school_id = payload.get("school_id")
    if type(event).__qualname__ == "School.Registered":
        school_id = event.originator_id
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
        # ids, days and times as their ISO strings; tuples as arrays; the
        # named parts of an event (allocations, pay items) as objects
        "payload": json.dumps(
            payload, sort_keys=True, ensure_ascii=False, default=_plain
        ),
    }
    return [Insert(EVENTS, row)]
