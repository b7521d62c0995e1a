"""Rows written into the read models, from PostgreSQL's table statistics."""

import time
from collections import Counter
from datetime import datetime

import psycopg

# The event store's tables (events, their chain links, each school's events
# and head, clients' request keys, API tokens) and the read models' schema
# hashes. Every other table of the schema is a read model's, its tracking
# table included, so a new read model is counted without a change here.
# Temporary staging tables are not counted: they go with their session.
WRITE_SIDE = [
    "funds_events",
    "funds_chain",
    "event_schools",
    "school_heads",
    "idempotency_keys",
    "api_tokens",
    "read_model_schemas",
]
WRITES = """
SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables
WHERE schemaname = current_schema() AND relname <> ALL(%s)
"""
# A backend reports its counts at most once a second, and when idle may keep
# them up to ten seconds; it reports everything before it leaves.
STILL_CONNECTED = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND backend_type = 'client backend' AND backend_start >= %s
"""


def server_now(conninfo: str) -> datetime:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def settled_table_writes(
    conninfo: str, since: datetime, tries: int = 200, pause: float = 0.05
) -> Counter[str]:
    """Rows inserted, updated and deleted so far in each read model's table,
    once every client that connected since ``since`` has left (each reports
    its counts as it goes) and two reads in a row agree."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        last = None
        for _ in range(tries):
            conn.execute("SELECT pg_stat_clear_snapshot()")
            connected = conn.execute(STILL_CONNECTED, (since,)).fetchone()[0]
            counts = read_writes(conn)
            if not connected and counts == last:
                return counts
            last = counts
            time.sleep(pause)
    raise RuntimeError(f"the table statistics did not settle in {tries} reads")


def read_writes(conn: psycopg.Connection) -> Counter[str]:
    return Counter(dict(conn.execute(WRITES, (WRITE_SIDE,)).fetchall()))
