"""The bank formats a school saved: each one's name and its mapping as last
saved, read from the audit trail (a format is saved rarely, by a bursar)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from projections.queries import Queries


@dataclass(frozen=True)
class SavedFormat:
    name: str
    mapping: dict[str, Any]  # the fields of domain.bankformats.ColumnMap
    saved_by: str
    saved_at: datetime


_SAVED = SQL("""
    SELECT DISTINCT ON (a.originator_id)
           first.payload->>'name' AS name, a.payload->'mapping' AS mapping,
           a.actor AS saved_by, a.recorded_at AS saved_at
    FROM audit_events a
    JOIN audit_events first
        ON first.originator_id = a.originator_id AND first.originator_version = 1
    WHERE a.school_id = %s
      AND a.type IN ('BankFormat.Saved', 'BankFormat.Changed')
    ORDER BY a.originator_id, a.originator_version DESC
""")


def saved_formats(queries: Queries, school_id: UUID) -> list[SavedFormat]:
    """The school's saved bank formats by name, each as it was last saved."""
    found = [SavedFormat(**row) for row in queries.rows(_SAVED, (school_id,))]
    return sorted(found, key=lambda f: f.name)
