"""The event recorder, extended with what must commit with the events: a
client's request key (a request is recorded with its key, or not at all),
each event's school, each school's head, the position up to which
everything about it is recorded, free text about people sealed into the
registry, and the destruction of the personal data an approved erasure
names.

A decision about a school's money is saved on the condition that the school's
head has not moved since the decision read its books: the check runs after
the events table is locked, so of two decisions that read the same books,
the second to save finds the head moved and is refused as any save is that
meets events recorded meanwhile (the library's ``IntegrityError``)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    PersistenceError,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.errors import InvalidSqlStatementName
from psycopg.sql import SQL, Identifier

from infra.alerts import SCHEMA as ALERTS
from infra.database import SCHEMA_LOCK
from infra.registry import ERASE, write_notes
from infra.runs import SCHEMA as RUNS
from infra.verified import SCHEMA as VERIFIED

CHAIN = """
CREATE TABLE IF NOT EXISTS {chain} (
    position bigint PRIMARY KEY,
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    leaf bytea NOT NULL,
    hash bytea NOT NULL
);
CREATE OR REPLACE FUNCTION {chain}_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
    content bytea;
BEGIN
    SELECT hash INTO previous FROM {chain} ORDER BY position DESC LIMIT 1;
    content := int8send(NEW.notification_id)
               || uuid_send(NEW.originator_id)
               || int8send(NEW.originator_version)
               || int4send(octet_length(convert_to(NEW.topic, 'UTF8')))
               || convert_to(NEW.topic, 'UTF8')
               || int4send(octet_length(NEW.state))
               || NEW.state;
    INSERT INTO {chain} VALUES (
        NEW.notification_id, NEW.originator_id, NEW.originator_version,
        sha256(content), sha256(coalesce(previous, '\\x'::bytea) || content));
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER {chain}_append AFTER INSERT ON {events}
    FOR EACH ROW EXECUTE FUNCTION {chain}_append()
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS school_heads (
    school_id uuid PRIMARY KEY,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS event_schools (
    school_id uuid NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (school_id, position)
);
CREATE OR REPLACE FUNCTION expect_school_heads(schools uuid[], heads bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM unnest(schools, heads) AS x(school_id, head)
        LEFT JOIN school_heads h USING (school_id)
        WHERE coalesce(h.position, 0) <> x.head
    ) THEN
        RAISE EXCEPTION USING MESSAGE = 'books moved', HINT = %(hint)s;
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS idempotency_keys (
    owner text NOT NULL,
    route text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status int NOT NULL,
    body jsonb NOT NULL,
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    PRIMARY KEY (owner, route, key)
)
"""

# What a decision read and does not change (a term's registration window
# when a course is registered for) must still be as read when it is saved.
UNCHANGED = """
CREATE OR REPLACE FUNCTION {events}_unchanged(ids uuid[], versions bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM unnest(ids, versions) AS x(id, version)
        WHERE (SELECT max(originator_version) FROM {events} e
                WHERE e.originator_id = x.id) IS DISTINCT FROM x.version
    ) THEN
        RAISE EXCEPTION USING MESSAGE = 'what was read moved', HINT = '{hint}';
    END IF;
END $$
"""

PIPELINE_LIMIT = 256 * 1024

# unnest keeps the order of the arrays, so positions follow the events' order
INSERT_EVENTS = """
INSERT INTO {}.{} (originator_id, originator_version, topic, state)
SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[])
RETURNING notification_id
"""
# A transaction's last position stands for each school it wrote about: at
# least as late as each one's own last event, so a wait for it is long enough.
HEADS = """
INSERT INTO school_heads (school_id, position) SELECT unnest(%s::uuid[]), %s
ON CONFLICT (school_id) DO UPDATE SET position = EXCLUDED.position
"""
HEAD = "SELECT position FROM school_heads WHERE school_id = %s"
EXPECT = "SELECT expect_school_heads(%s::uuid[], %s::bigint[])"
MOVED = "the head of a school, or what was read, moved"
INDEX = """
INSERT INTO event_schools (school_id, position)
SELECT * FROM unnest(%s::uuid[], %s::bigint[])
"""
# A log written before events were indexed by school: each stored event's
# school is in its state (a school's own events name no school: it is theirs).
BACKFILL = """
INSERT INTO event_schools (school_id, position)
SELECT coalesce(
    (convert_from(state, 'UTF8')::jsonb -> 'school_id' ->> '_data_')::uuid,
    originator_id), notification_id
FROM {}.{}
WHERE NOT EXISTS (SELECT 1 FROM event_schools)
ON CONFLICT DO NOTHING
"""
SCHOOL_EVENTS = """
SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state
FROM event_schools s JOIN {}.{} e ON e.notification_id = s.position
WHERE s.school_id = %s AND s.position > %s AND s.position <= %s
ORDER BY s.position
"""

INSERT = """
INSERT INTO idempotency_keys (owner, route, key, fingerprint, status, body,
    originator_id, originator_version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""
STALE_STATEMENTS = 8  # more than the statements one save sends


class FundRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.insert(0, SQL(SCHEMA_LOCK))
        self.sql_create_statements.append(SQL(SCHEMA.replace("%(hint)s", f"'{MOVED}'")))
        chain = CHAIN.format(chain=self.chain_table, events=self.events_table_name)
        self.sql_create_statements.append(SQL(chain))
        events = self.events_table_name
        unchanged = UNCHANGED.format(events=events, hint=MOVED)
        self.sql_create_statements.append(SQL(unchanged))
        self.unchanged_statement = SQL(
            f"SELECT {events}_unchanged(%s::uuid[], %s::bigint[])"
        )
        self.sql_create_statements.append(SQL(VERIFIED.format(chain=self.chain_table)))
        self.sql_create_statements += [SQL(ALERTS), SQL(RUNS)]
        table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        self.insert_events_statement = SQL(INSERT_EVENTS).format(*table)
        self.school_events_statement = SQL(SCHOOL_EVENTS).format(*table)
        self.sql_create_statements.append(SQL(BACKFILL).format(*table))

    @property
    def chain_table(self) -> str:
        return self.events_table_name.removesuffix("_events") + "_chain"

    def insert_events(self, stored_events, **kwargs) -> Sequence[int] | None:
        """After a pipeline was aborted (a save that met a moved head or a
        taken version), psycopg may take statements for prepared that the
        server never prepared: a save on that connection fails on one of
        them, psycopg forgets it, and the save is tried again (as many times
        as an aborted save can have left such statements)."""
        for _ in range(STALE_STATEMENTS):
            try:
                return self._insert_once(stored_events, **kwargs)
            except PersistenceError as error:
                if not isinstance(error.__cause__, InvalidSqlStatementName):
                    raise
        return self._insert_once(stored_events, **kwargs)

    def _insert_once(self, stored_events, **kwargs) -> Sequence[int] | None:
        """With psycopg 3.3 a pipelined statement of more than a few hundred
        kilobytes (a large bulk save) never completes: those go without the
        pipeline, at the cost of a few more round trips."""
        try:
            if sum(len(e.state) for e in stored_events) < PIPELINE_LIMIT:
                return super().insert_events(stored_events, **kwargs)
            return self._insert_unpipelined(stored_events, **kwargs)
        except PersistenceError as error:
            diag = getattr(error.__cause__, "diag", None)
            if diag is not None and diag.message_hint == MOVED:
                raise IntegrityError(MOVED) from None
            raise

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_unpipelined(self, stored_events, **kwargs) -> Sequence[int] | None:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(self, curs, stored_events, **kwargs) -> None:
        """One column array each, sent in binary: far cheaper to encode than
        the library's array of composite rows in text."""
        self._lock_table(curs)
        if expect := kwargs.get("expect"):
            curs.execute(EXPECT, (list(expect), list(expect.values())))
        if unchanged := kwargs.get("unchanged"):
            statement = self.unchanged_statement
            curs.execute(statement, (list(unchanged), list(unchanged.values())))
        self._notify_channel(curs)
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        curs.execute(self.insert_events_statement, columns, binary=True)

    def _fetch_ids_after_insert_events(
        self, curs, stored_events, *, event_schools=(), **kwargs
    ) -> Sequence[int] | None:
        """Also records each event's school and moves the heads of the
        schools written about, in the same transaction as the events."""
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if event_schools and ids:
            with curs.connection.cursor() as more:
                more.execute(INDEX, (list(event_schools), ids))
                more.execute(HEADS, (sorted(set(event_schools)), max(ids)))
        return ids

    def school_events(
        self, school_id: UUID, after: int, upto: int
    ) -> list[Notification]:
        """A school's events after one position, up to another."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.school_events_statement, (school_id, after, upto))
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def school_head(self, school_id: UUID) -> int | None:
        """The log position up to which everything about a school is recorded,
        or None when nothing written about it says."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(HEAD, (school_id,))
            row = curs.fetchone()
        return row["position"] if row else None

    def _insert_events(
        self, curs, stored_events, *, request=None, erase=(), notes=(), **kwargs
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if erase:
            curs.execute(ERASE, {"people": list(erase)})
        write_notes(curs, notes)
        if request is not None and stored_events:
            last = stored_events[-1]
            curs.execute(
                INSERT,
                (
                    request.owner,
                    request.route,
                    request.key,
                    request.fingerprint,
                    request.status,
                    json.dumps(request.body),
                    last.originator_id,
                    last.originator_version,
                ),
            )


@dataclass(frozen=True)
class StoredRequest:
    fingerprint: str
    status: int
    body: dict[str, Any]
    position: int


class RequestKeys:
    def __init__(self, datastore: PostgresDatastore, events_table: str) -> None:
        self.datastore = datastore
        self.find_statement = SQL(
            "SELECT k.fingerprint, k.status, k.body, e.notification_id AS position"
            " FROM idempotency_keys k JOIN {} e ON e.originator_id = k.originator_id"
            " AND e.originator_version = k.originator_version"
            " WHERE k.owner = %s AND k.route = %s AND k.key = %s"
        ).format(Identifier(events_table))

    def find(self, owner: str, route: str, key: str) -> StoredRequest | None:
        with self.datastore.cursor() as curs:
            curs.execute(self.find_statement, (owner, route, key))
            row = curs.fetchone()
        return StoredRequest(**row) if row else None
