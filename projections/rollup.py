"""The city and province roll-up: every district's school funds, compliance
findings, anomalies and satisfaction in one database, each district as of
the log position its figures reflect.

A round asks each district for its figures as its own read models compute
them, in one snapshot that names its position, and replaces that district's
rows and moves its tracking record in one transaction. Rows are replaced,
never added to, so a round repeated or cut short can neither lose nor double
a figure; a district that does not answer keeps its rows and position, marked
stale."""

from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass, replace
from datetime import date, datetime
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
from domain.course import BEIJING
from infra.database import SCHEMA_LOCK, Database
from infra.districts import District
from projections.anomalies import anomalies
from projections.findings import Compliance, Finding
from projections.funds import Fund, funds
from projections.queries import Queries
from projections.satisfaction import Satisfaction, satisfaction

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
    ALTER TABLE rollup_districts ADD COLUMN IF NOT EXISTS city text,
        ADD COLUMN IF NOT EXISTS province text,
        ADD COLUMN IF NOT EXISTS as_of date
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
    """
    CREATE TABLE IF NOT EXISTS rollup_findings (
        district text NOT NULL,
        school_id uuid NOT NULL,
        code text NOT NULL,
        kind text NOT NULL,
        rule text NOT NULL,
        severity text NOT NULL,
        subject text NOT NULL,
        detail text NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rollup_findings_district ON rollup_findings (district)",
    """
    CREATE TABLE IF NOT EXISTS rollup_satisfaction (
        district text NOT NULL,
        school_id uuid NOT NULL,
        code text NOT NULL,
        ratings integer NOT NULL,
        course_mean text,
        teacher_mean text,
        attendances integer NOT NULL,
        response_rate text,
        PRIMARY KEY (district, school_id)
    )
    """,
)
KINDS = ("compliance", "anomaly")

_CLEAR_DISTRICT = tuple(
    SQL(f"DELETE FROM {table} WHERE district = %s")
    for table in ("rollup_funds", "rollup_findings", "rollup_satisfaction")
)
_INSERT_FUND = SQL(
    "INSERT INTO rollup_funds (district, school_id, code, name, bank, held)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)
_INSERT_FINDING = SQL(
    "INSERT INTO rollup_findings (district, school_id, code, kind, rule, severity,"
    " subject, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_SATISFACTION = SQL(
    "INSERT INTO rollup_satisfaction (district, school_id, code, ratings,"
    " course_mean, teacher_mean, attendances, response_rate)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)
_CONTACTED = SQL("""
    INSERT INTO rollup_districts (district, city, province, head, contacted_at)
    VALUES (%s, %s, %s, %s, now())
    ON CONFLICT (district) DO UPDATE SET city = excluded.city,
        province = excluded.province, head = excluded.head,
        contacted_at = excluded.contacted_at, error = NULL, failed_at = NULL
""")
_EVALUATED = SQL("UPDATE rollup_districts SET as_of = %s WHERE district = %s")
_KNOWN = SQL(f"""
    SELECT coalesce((SELECT max(notification_id) FROM {TRACKING_TABLE}
                     WHERE application_name = %(name)s), 0) AS position,
        (SELECT as_of FROM rollup_districts WHERE district = %(name)s) AS as_of
""")
_FAILED = SQL("""
    INSERT INTO rollup_districts (district, city, province, error, failed_at)
    VALUES (%s, %s, %s, %s, now())
    ON CONFLICT (district) DO UPDATE SET city = excluded.city,
        province = excluded.province, error = excluded.error,
        failed_at = excluded.failed_at
""")
_DISTRICTS = SQL(f"""
    SELECT d.district, d.city, d.province, coalesce(t.notification_id, 0) AS position,
        d.head, d.contacted_at, d.error, d.failed_at
    FROM rollup_districts d
    LEFT JOIN (
        SELECT application_name, max(notification_id) AS notification_id
        FROM {TRACKING_TABLE} GROUP BY 1
    ) t ON t.application_name = d.district
    ORDER BY d.district
""")
_FUNDS = SQL("""
    SELECT district, school_id, code, name, bank, held FROM rollup_funds
    ORDER BY district, code
""")
_FINDINGS = SQL("""
    SELECT district, school_id, code, kind, rule, severity, subject, detail
    FROM rollup_findings ORDER BY district, code, kind, rule, subject, detail
""")
_SATISFACTION = SQL("""
    SELECT district, school_id, code, ratings, course_mean, teacher_mean,
        attendances, response_rate
    FROM rollup_satisfaction ORDER BY district, code
""")
_EMPTY = SQL(
    "TRUNCATE rollup_funds, rollup_findings, rollup_satisfaction, rollup_districts,"
    f" {TRACKING_TABLE}"
)


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
class FindingRow:
    """A compliance finding or an anomaly in a school, as its district found it."""

    district: str
    school_id: UUID
    code: str
    kind: str  # compliance or anomaly
    rule: str
    severity: str
    subject: str
    detail: str


@dataclass(frozen=True)
class SatisfactionRow:
    """A school's ratings; means and rates are decimal strings, None unrated."""

    district: str
    school_id: UUID
    code: str
    ratings: int
    course_mean: str | None
    teacher_mean: str | None
    attendances: int
    response_rate: str | None


@dataclass(frozen=True)
class DistrictReport:
    """What a district's read models answered, and where its log stood."""

    district: District
    position: int
    head: int
    funds: tuple[FundRow, ...]
    findings: tuple[FindingRow, ...] = ()
    satisfaction: tuple[SatisfactionRow, ...] = ()
    changed: bool = True  # False: the position and day the roll-up holds
    as_of: date | None = None  # the day its rules were evaluated


@dataclass(frozen=True)
class DistrictState:
    district: str
    city: str | None
    province: str | None
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
class DistrictTotals:
    """A district's schools added up, as of its position."""

    state: DistrictState
    schools: int
    bank: int
    held: int
    uncovered: tuple[str, ...]
    compliance: int
    anomalies: int
    ratings: int

    @property
    def free_cash(self) -> int:
        return f.free_cash(self.bank, self.held)


@dataclass(frozen=True)
class CityView:
    """The whole roll-up in one snapshot, or the part a scope reaches."""

    districts: tuple[DistrictState, ...]
    schools: tuple[FundRow, ...]
    findings: tuple[FindingRow, ...] = ()
    satisfaction: tuple[SatisfactionRow, ...] = ()

    def within(self, reaches: Callable[[DistrictState], bool]) -> "CityView":
        names = {d.district for d in self.districts if reaches(d)}
        return CityView(
            tuple(d for d in self.districts if d.district in names),
            tuple(s for s in self.schools if s.district in names),
            tuple(x for x in self.findings if x.district in names),
            tuple(x for x in self.satisfaction if x.district in names),
        )

    def totals(self) -> list[DistrictTotals]:
        return [self.totals_of(state) for state in self.districts]

    def totals_of(self, state: DistrictState) -> DistrictTotals:
        name = state.district
        schools = [s for s in self.schools if s.district == name]
        found = [x.kind for x in self.findings if x.district == name]
        return DistrictTotals(
            state,
            schools=len(schools),
            bank=sum(s.bank for s in schools),
            held=sum(s.held for s in schools),
            uncovered=tuple(s.code for s in schools if not s.covered),
            compliance=found.count("compliance"),
            anomalies=found.count("anomaly"),
            ratings=sum(x.ratings for x in self.satisfaction if x.district == name),
        )


def rows_of(district: str, found: Iterable[Fund]) -> tuple[FundRow, ...]:
    return tuple(
        FundRow(district, fund.school_id, fund.code, fund.name, bank, held)
        for fund in found
        for bank, held in [(fund.figures.bank, fund.figures.held)]
    )


def findings_of(name: str, kind: str, found: Iterable[Finding]) -> list[FindingRow]:
    return [
        FindingRow(
            name,
            x.school_id,
            x.school_code,
            kind,
            x.rule,
            x.severity,
            x.subject,
            x.detail,
        )
        for x in found
    ]


def satisfaction_of(name: str, found: Iterable[Satisfaction]) -> list[SatisfactionRow]:
    return [
        SatisfactionRow(
            name,
            UUID(x.key),
            x.code or "",
            x.ratings,
            x.course_mean,
            x.teacher_mean,
            x.attendances,
            x.response_rate,
        )
        for x in found
    ]


def reader_of(database: Database) -> PostgresDatastore:
    """Connections to a district's database, kept from round to round: a
    new connection's first queries cost the district's server more than the
    answers do."""
    return database.datastore(
        1, connect_timeout=REACH_TIMEOUT, pool_open_timeout=REACH_TIMEOUT
    )


def reach(database: Database) -> None:
    """Raises at once if the district does not answer: the library's pool
    would retry for longer than a round."""
    with psycopg.connect(database.conninfo, connect_timeout=REACH_TIMEOUT):
        pass


def read_district(
    district: District,
    reader: PostgresDatastore,
    today: date,
    known: tuple[int, date | None] = (-1, None),
) -> DistrictReport:
    """The district's figures in one snapshot of its read models, and the
    head of its notification log: the roll-up never writes to a district.
    At the position and on the day the roll-up already holds (``known``),
    nothing can have changed: its rules are not evaluated again."""
    name = district.name
    with Queries(reader).snapshot() as snap:
        position = snap.position
        if (position, today) == known:
            report = DistrictReport(district, position, 0, (), changed=False)
        else:
            found = funds(snap, district=name)
            ids = [fund.school_id for fund in found]
            compliance = Compliance(snap).findings(ids, today=today)
            anomalous = anomalies(snap, ids, today=today)
            rated = satisfaction(snap, ids, "school") if ids else []
            report = DistrictReport(
                district,
                position,
                0,
                rows_of(name, found),
                tuple(
                    findings_of(name, "compliance", compliance)
                    + findings_of(name, "anomaly", anomalous)
                ),
                tuple(satisfaction_of(name, rated)),
                as_of=today,
            )
    # read after the snapshot: the head is never behind the position shown
    recorder = PostgresApplicationRecorder(reader, events_table_name=EVENTS_TABLE)
    return replace(report, head=recorder.max_notification_id() or 0)


Locate = Callable[[District], Database]
Listed = Callable[[], list[District]]


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


class Rollup:
    """Follows every district listed, each from the position it reflects."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        listed: Listed,
        locate: Locate,
        today: Callable[[], date] = beijing_today,
    ) -> None:
        self.datastore, self.listed, self.locate = datastore, listed, locate
        self.today = today
        self.readers: dict[str, tuple[Database, PostgresDatastore]] = {}
        self.tracking = PostgresTrackingRecorder(
            datastore, tracking_table_name=TRACKING_TABLE
        )
        create_tables(datastore)

    def position(self, district: str) -> int:
        return self.tracking.max_tracking_id(district) or 0

    def follow(self) -> dict[str, str | None]:
        """One round over every district; each one's error, or None."""
        return {d.name: self.follow_district(d) for d in self.listed()}

    def follow_district(self, district: District) -> str | None:
        try:
            answered = self.read(district)
        except DOWN as error:
            reason = str(error).strip() or type(error).__name__
            log.warning(
                "a district does not answer", district=district.name, error=reason
            )
            self.forget(district.name)
            self.record_failure(district, reason)
            return reason
        self.record(answered)
        return None

    def read(self, district: District) -> DistrictReport:
        """Over the connections kept from the last round; if they broke (the
        district's server restarted since), once more over new ones."""
        database = self.locate(district)
        reach(database)
        name, today = district.name, self.today()
        known = self.known(name)
        kept = name in self.readers
        try:
            return read_district(district, self.reader(name, database), today, known)
        except DOWN:
            if not kept:
                raise
            self.forget(name)
            return read_district(district, self.reader(name, database), today, known)

    def known(self, name: str) -> tuple[int, date | None]:
        """The position and day of the district's rows in the roll-up."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(_KNOWN, {"name": name})
            row = curs.fetchone()
        return row["position"], row["as_of"]

    def reader(self, name: str, database: Database) -> PostgresDatastore:
        kept = self.readers.get(name)
        if kept is None or kept[0] != database:
            self.forget(name)
            kept = self.readers[name] = (database, reader_of(database))
        return kept[1]

    def forget(self, name: str) -> None:
        """Lets go of a district's connections: after a failure they may be
        broken, and new ones are made on the next round."""
        if kept := self.readers.pop(name, None):
            kept[1].close()

    def close(self) -> None:
        for name in list(self.readers):
            self.forget(name)
        self.datastore.close()

    def record(self, answered: DistrictReport) -> None:
        """Replaces the district's rows and moves its tracking record together;
        figures from before its tracked position (its read models rebuilding)
        leave the roll-up as it was. At the same position the rows are
        replaced too: findings that fall due with the day change without an
        event."""
        district = answered.district
        name = district.name
        with self.datastore.transaction(commit=True) as curs:
            place = (name, district.city, district.province)
            curs.execute(_CONTACTED, (*place, answered.head))
            tracked = self.tracking._max_tracking_id(name, curs) or 0
            if answered.position < tracked or not answered.changed:
                return
            curs.execute(_EVALUATED, (answered.as_of, name))
            for clear in _CLEAR_DISTRICT:
                curs.execute(clear, (name,))
            curs.executemany(_INSERT_FUND, [astuple(r) for r in answered.funds])
            curs.executemany(_INSERT_FINDING, [astuple(r) for r in answered.findings])
            curs.executemany(
                _INSERT_SATISFACTION, [astuple(r) for r in answered.satisfaction]
            )
            if answered.position == tracked:
                return
            self.tracking._insert_tracking(curs, Tracking(name, answered.position))
        log.info("district followed", district=name, position=answered.position)

    def record_failure(self, district: District, reason: str) -> None:
        place = (district.name, district.city, district.province)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(_FAILED, (*place, reason))

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


def city_view(datastore: PostgresDatastore) -> CityView:
    """Every district followed, in one snapshot, with each one's position and
    whether it is stale."""
    with datastore.transaction(commit=False) as curs:
        curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

        def read(statement: SQL, row_type: type) -> tuple:
            curs.execute(statement)
            return tuple(row_type(**row) for row in curs.fetchall())

        return CityView(
            read(_DISTRICTS, DistrictState),
            read(_FUNDS, FundRow),
            read(_FINDINGS, FindingRow),
            read(_SATISFACTION, SatisfactionRow),
        )
