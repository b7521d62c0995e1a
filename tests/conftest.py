"""Real PostgreSQL for every test that needs one: an embedded server per run,
a fresh database per test. Set DATABASE_URL to use another server instead."""

import os
from datetime import date
from uuid import uuid4

import psycopg
import pytest

from api.bootstrap import System, bootstrap
from infra.database import Database, ensure_database, from_url, start_throwaway
from infra.logging import configure_logging
from infra.settings import Settings
from samples.pingcheng import SimulatedClock

configure_logging("WARNING", cache=False)


@pytest.fixture(scope="session")
def pg_server() -> Database:
    if url := os.environ.get("DATABASE_URL"):
        return from_url(url)
    return start_throwaway("fundledger-test-")


@pytest.fixture
def database(pg_server: Database):
    db = ensure_database(pg_server, f"test_{uuid4().hex[:16]}")
    yield db
    with psycopg.connect(pg_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.dbname}" WITH (FORCE)')


@pytest.fixture
def clock() -> SimulatedClock:
    clock = SimulatedClock()
    clock.set(date(2026, 9, 1), 8)
    return clock


def make_system(database: Database, clock=None, **settings) -> System:
    options = {"pool_size": 2, "projection_batch": 500}
    options |= {"failed_auth_burst": 10_000} | settings  # tests send many bad tokens
    kwargs = {"clock": clock} if clock else {}
    return bootstrap(Settings(**options), database=database, **kwargs)


@pytest.fixture
def system(database: Database, clock: SimulatedClock):
    system = make_system(database, clock)
    yield system
    system.close()


def reset(system: System) -> None:
    """An empty log, empty read models and no books read, for the next
    generated history (a log never shrinks otherwise)."""
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE funds_events, event_schools, school_heads, idempotency_keys"
        )
    system.bus.bookkeeper.books.clear()
    system.projector.reset()
