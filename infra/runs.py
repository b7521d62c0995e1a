"""What the scheduler ran, when, and what it found: one row a run, and one
a bank statement reconciled, so each is reconciled once."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduled_runs (
    id bigserial PRIMARY KEY,
    job text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    ok boolean NOT NULL,
    outcome jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS scheduled_runs_job ON scheduled_runs (job, started_at);
CREATE TABLE IF NOT EXISTS statements_reconciled (
    statement uuid PRIMARY KEY,
    school_id uuid NOT NULL,
    reconciled_at timestamptz NOT NULL DEFAULT now(),
    summary jsonb NOT NULL
)
"""


class RunLog:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    def record(self, job: str, started: datetime, ok: bool, outcome: dict) -> int:
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(
                "INSERT INTO scheduled_runs (job, started_at, ok, outcome)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (job, started, ok, Jsonb(outcome)),
            ).fetchone()[0]

    def last_ok(self, job: str) -> datetime | None:
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(
                "SELECT max(started_at) FROM scheduled_runs WHERE job = %s AND ok",
                (job,),
            ).fetchone()[0]

    def listed(self, limit: int = 100) -> list[dict]:
        with psycopg.connect(self.conninfo, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT id, job, started_at, finished_at, ok, outcome"
                " FROM scheduled_runs ORDER BY id DESC LIMIT %s",
                (limit,),
            ).fetchall()

    def unreconciled(self) -> list[tuple[UUID, UUID]]:
        """Each imported statement not reconciled yet: (school, statement)."""
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(
                "SELECT DISTINCT l.school_id, l.statement FROM statement_lines l"
                " WHERE NOT EXISTS (SELECT 1 FROM statements_reconciled r"
                " WHERE r.statement = l.statement) ORDER BY 1, 2"
            ).fetchall()

    def reconciled(self, found: Iterable[tuple[UUID, UUID, dict]]) -> None:
        with psycopg.connect(self.conninfo) as conn:
            for school_id, statement, summary in found:
                conn.execute(
                    "INSERT INTO statements_reconciled (statement, school_id, summary)"
                    " VALUES (%s, %s, %s) ON CONFLICT (statement) DO NOTHING",
                    (statement, school_id, Jsonb(summary)),
                )
