"""The city and province roll-up: every district's school funds in one
database, each district as of the log position its figures reflect.

A round asks each district for its funds as its own read models compute them,
in one snapshot that names its position, and replaces that district's rows and
moves its tracking record in one transaction. Rows are replaced, never added
to, so a round repeated or cut short can neither lose nor double a figure; a
district that does not answer keeps its rows and position, marked stale."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError, Tracking
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from psycopg.sql import SQL

from domain import figures as f
from infra.database import SCHEMA_LOCK, Database
from projections.funds import Fund, funds
from projections.queries import Queries

log = structlog.get_logger("rollup")

DOWN = (psycopg.Error, PersistenceError, OSError)
EVENTS_TABLE = "funds_events"
TRACKING_TABLE = "rollup_tracking"
REACH_TIMEOUT = 3  # seconds to reach a district before it counts as down

TABLES = (
    """
    CREATE TABLE IF NOT EXISTS rollup_districts (
        district text PRIMARY KEY,
        head bigint NOT NULL DEFAULT 0,
        contacted_at timestamptz,
        error text,
        failed_at timestamptz
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rollup_funds (
        district text NOT NULL,
        school_id uuid NOT NULL,
        code text NOT NULL,
        name text NOT NULL,
        bank bigint NOT NULL,
        held bigint NOT NULL,
        PRIMARY KEY (district, school_id)
    )
    """,
)

_CLEAR_DISTRICT = SQL("DELETE FROM rollup_funds WHERE district = %s")
_INSERT_FUND = SQL(
    "INSERT INTO rollup_funds (district, school_id, code, name, bank, held)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)
_CONTACTED = SQL("""
    INSERT INTO rollup_districts (district, head, contacted_at)
    VALUES (%s, %s, now())
    ON CONFLICT (district) DO UPDATE SET head = excluded.head,
        contacted_at = excluded.contacted_at, error = NULL, failed_at = NULL
""")
_FAILED = SQL("""
    INSERT INTO rollup_districts (district, error, failed_at) VALUES (%s, %s, now())
    ON CONFLICT (district) DO UPDATE SET error = excluded.error,
        failed_at = excluded.failed_at
""")
_DISTRICTS = SQL(f"""
    SELECT d.district, coalesce(t.notification_id, 0) AS position, d.head,
        d.contacted_at, d.error, d.failed_at
    FROM rollup_districts d
    LEFT JOIN {TRACKING_TABLE} t ON t.application_name = d.district
    ORDER BY d.district
""")
_FUNDS = SQL("""
    SELECT district, school_id, code, name, bank, held FROM rollup_funds
    ORDER BY district, code
""")
_EMPTY = SQL(f"TRUNCATE rollup_funds, rollup_districts, {TRACKING_TABLE}")


@dataclass(frozen=True)
class FundRow:
    """A school's fund as the roll-up keeps it."""

    district: str
    school_id: UUID
    code: str
    name: str
    bank: int
    held: int

    @property
    def free_cash(self) -> int:
        return f.free_cash(self.bank, self.held)

    @property
    def covered(self) -> bool:
        return f.covered(self.bank, self.held)


@dataclass(frozen=True)
class DistrictFunds:
    """What a district's read models answered, and where its log stood."""

    district: str
    position: int
    head: int
    funds: tuple[FundRow, ...]


@dataclass(frozen=True)
class DistrictState:
    district: str
    position: int
    head: int
    contacted_at: datetime | None
    error: str | None
    failed_at: datetime | None

    @property
    def stale(self) -> bool:
        """Its last contact failed, or there has been none: its figures are
        those of its last position."""
        return self.error is not None or self.contacted_at is None


@dataclass(frozen=True)
class CityFunds:
    districts: tuple[DistrictState, ...]
    schools: tuple[FundRow, ...]


def rows_of(district: str, found: Iterable[Fund]) -> tuple[FundRow, ...]:
    return tuple(
        FundRow(district, fund.school_id, fund.code, fund.name, bank, held)
        for fund in found
        for bank, held in [(fund.figures.bank, fund.figures.held)]
    )


def read_district(name: str, database: Database) -> DistrictFunds:
    """The district's funds in one snapshot of its read models, and the head
    of its notification log: the roll-up never writes to a district."""
    datastore = PostgresDatastore(
        dbname=database.dbname,
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password,
        connect_timeout=REACH_TIMEOUT,
        pool_open_timeout=REACH_TIMEOUT,
    )
    try:
        notifications = PostgresApplicationRecorder(
            datastore, events_table_name=EVENTS_TABLE
        )
        with psycopg.connect(database.conninfo, connect_timeout=REACH_TIMEOUT):
            pass  # the library retries ten times: a down district is known at once
        head = notifications.max_notification_id() or 0
        found = funds(Queries(datastore), district=name)
        position = found[0].position if found else 0
        return DistrictFunds(name, position, head, rows_of(name, found))
    finally:
        datastore.close()


Locate = Callable[[str], Database]
Listed = Callable[[], list[str]]


class Rollup:
    """Follows every district listed, each from the position it reflects."""

    def __init__(
        self, datastore: PostgresDatastore, listed: Listed, locate: Locate
    ) -> None:
        self.datastore, self.listed, self.locate = datastore, listed, locate
        self.tracking = PostgresTrackingRecorder(
            datastore, tracking_table_name=TRACKING_TABLE
        )
        create_tables(datastore)

    def position(self, district: str) -> int:
        return self.tracking.max_tracking_id(district) or 0

    def follow(self) -> dict[str, str | None]:
        """One round over every district; each one's error, or None."""
        return {name: self.follow_district(name) for name in self.listed()}

    def follow_district(self, name: str) -> str | None:
        try:
            answered = read_district(name, self.locate(name))
        except DOWN as error:
            reason = str(error).strip() or type(error).__name__
            log.warning("a district does not answer", district=name, error=reason)
            self.record_failure(name, reason)
            return reason
        self.record(answered)
        return None

    def record(self, answered: DistrictFunds) -> None:
        """Replaces the district's rows and moves its tracking record together;
        figures from before its tracked position (its read models rebuilding)
        leave the roll-up as it was."""
        name = answered.district
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(_CONTACTED, (name, answered.head))
            if answered.position <= (self.tracking._max_tracking_id(name, curs) or 0):
                return
            curs.execute(_CLEAR_DISTRICT, (name,))
            curs.executemany(
                _INSERT_FUND,
                [
                    (r.district, r.school_id, r.code, r.name, r.bank, r.held)
                    for r in answered.funds
                ],
            )
            self.tracking._insert_tracking(curs, Tracking(name, answered.position))
        log.info("district followed", district=name, position=answered.position)

    def record_failure(self, name: str, reason: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(_FAILED, (name, reason))

    def rebuild(self) -> dict[str, str | None]:
        """Empties the roll-up and follows every district from position 0."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(_EMPTY)
        return self.follow()


def create_tables(datastore: PostgresDatastore) -> None:
    with datastore.transaction(commit=True) as curs:
        curs.execute(SCHEMA_LOCK)
        for statement in TABLES:
            curs.execute(statement)
    PostgresTrackingRecorder(
        datastore, tracking_table_name=TRACKING_TABLE
    ).create_table()


def city_funds(datastore: PostgresDatastore) -> CityFunds:
    """Every school of every district followed, in one snapshot, with each
    district's position and whether it is stale."""
    with datastore.transaction(commit=False) as curs:
        curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        curs.execute(_DISTRICTS)
        states = tuple(DistrictState(**row) for row in curs.fetchall())
        curs.execute(_FUNDS)
        schools = tuple(FundRow(**row) for row in curs.fetchall())
    return CityFunds(states, schools)
