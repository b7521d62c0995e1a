"""The personal-data registry: who the pseudonymous ids of the log are.

Each person's record (names, phone, relation, payee account) is encrypted
with a key of the person's own (AES-256-GCM, bound to the person's id), kept
in a table apart. Erasure deletes the key and the record together, in the
transaction that records the approved erasure, so nothing left anywhere
reads back. Every read of a record is logged: who read whose, when, and
through which route."""

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

from domain.errors import Erased
from domain.person import Kind, person_id_for
from infra.database import SCHEMA_LOCK

SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    person_id uuid PRIMARY KEY,
    school_id uuid NOT NULL,
    kind text NOT NULL,
    ref text NOT NULL,
    record bytea,
    updated_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz
);
CREATE INDEX IF NOT EXISTS people_school ON people (school_id, kind, ref);
CREATE TABLE IF NOT EXISTS person_keys (
    person_id uuid PRIMARY KEY,
    key bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS guardian_children (
    guardian_id uuid NOT NULL,
    school_id uuid NOT NULL,
    student_id text NOT NULL,
    PRIMARY KEY (guardian_id, student_id)
);
CREATE INDEX IF NOT EXISTS guardian_children_student
    ON guardian_children (school_id, student_id);
CREATE TABLE IF NOT EXISTS person_notes (
    note_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    school_id uuid NOT NULL,
    note bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS person_notes_person ON person_notes (person_id);
CREATE TABLE IF NOT EXISTS personal_data_reads (
    id bigserial PRIMARY KEY,
    school_id uuid NOT NULL,
    person_id uuid NOT NULL,
    reader text NOT NULL,
    role text NOT NULL,
    route text NOT NULL,
    read_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS personal_data_reads_school
    ON personal_data_reads (school_id, id)
"""

ERASE = """
WITH gone AS (
    UPDATE people SET record = NULL, erased_at = now()
     WHERE person_id = ANY(%(people)s) RETURNING person_id, school_id, kind, ref
), keys AS (
    DELETE FROM person_keys WHERE person_id = ANY(%(people)s)
), notes AS (
    DELETE FROM person_notes WHERE person_id = ANY(%(people)s)
), links AS (
    DELETE FROM guardian_children c USING gone g
     WHERE c.guardian_id = g.person_id
        OR (g.kind = 'student' AND c.school_id = g.school_id AND c.student_id = g.ref)
), tokens AS (
    UPDATE api_tokens t SET revoked_at = now() FROM gone g
     WHERE g.kind = 'guardian' AND t.role = 'guardian' AND t.subject = g.ref
       AND t.revoked_at IS NULL
), codes AS (
    DELETE FROM login_codes c USING gone g
     WHERE g.kind = 'guardian' AND c.subject = g.ref AND c.used_at IS NULL
)
SELECT count(*) FROM gone
"""
"""Run by the recorder in the transaction that records the approved erasure."""

LOG_READS = """
INSERT INTO personal_data_reads (school_id, person_id, reader, role, route)
VALUES (%s, %s, %s, %s, %s)
"""
ERASED = """
SELECT 1 FROM people WHERE person_id = %s AND erased_at IS NOT NULL FOR UPDATE
"""
KEY = """
INSERT INTO person_keys (person_id, key) VALUES (%s, %s)
ON CONFLICT (person_id) DO UPDATE SET key = person_keys.key RETURNING key
"""
NOTE = """
INSERT INTO person_notes (note_id, person_id, school_id, note) VALUES (%s, %s, %s, %s)
ON CONFLICT (note_id) DO NOTHING
"""


def write_notes(curs, notes: Iterable[Any]) -> None:
    """Free text about a person (a refund's reason), sealed under the
    person's key; run by the recorder with the events it explains. Nothing is
    kept about a person erased: they asked to be forgotten."""
    for note in notes:
        curs.execute(ERASED, (note.person_id,))
        if curs.fetchone() is not None:
            continue
        curs.execute(KEY, (note.person_id, AESGCM.generate_key(bit_length=256)))
        key = bytes(curs.fetchone()["key"])
        sealed = seal(key, note.person_id, {"text": note.text})
        curs.execute(NOTE, (note.note_id, note.person_id, note.school_id, sealed))


@dataclass(frozen=True)
class Person:
    person_id: UUID
    school_id: UUID
    kind: Kind
    ref: str
    record: dict[str, Any] | None  # None: erased, or never recorded
    erased_at: datetime | None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


@dataclass(frozen=True)
class Reader:
    """Who reads personal data, and through which route: logged with it."""

    id: str
    role: str
    route: str


def seal(key: bytes, person_id: UUID, record: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, person_id.bytes)


def unseal(key: bytes, person_id: UUID, sealed: bytes) -> dict[str, Any]:
    plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], person_id.bytes)
    return json.loads(plain)


class Registry:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        with datastore.transaction(commit=True) as curs:
            curs.execute(SCHEMA_LOCK)
            curs.execute(SCHEMA)

    def record(
        self,
        school_id: UUID,
        kind: Kind,
        ref: str,
        record: dict[str, Any],
        children: Sequence[str] = (),
    ) -> UUID:
        """Records (or replaces) a person's record, under the person's key;
        a guardian's children with it. An erased person stays erased."""
        [person_id] = self.record_many([(school_id, kind, ref, record, children)])
        return person_id

    def record_many(self, people: Iterable[tuple]) -> list[UUID]:
        """Several records, (school, kind, ref, record, children), in one
        transaction: all of them or none."""
        with self.datastore.transaction(commit=True) as curs:
            return [_record(curs, *person) for person in people]

    def read(self, person_ids: Iterable[UUID], reader: Reader) -> dict[UUID, Person]:
        """The people asked for that exist, their records opened; each read of
        a record is logged."""
        ids = list(dict.fromkeys(person_ids))
        if not ids:
            return {}
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT p.person_id, p.school_id, p.kind, p.ref, p.record,"
                " p.erased_at, k.key FROM people p"
                " LEFT JOIN person_keys k USING (person_id)"
                " WHERE p.person_id = ANY(%s)",
                (ids,),
            )
            found = {row["person_id"]: _person(row) for row in curs.fetchall()}
            disclosed = [p for p in found.values() if p.record is not None]
            curs.executemany(
                LOG_READS,
                [
                    (p.school_id, p.person_id, reader.id, reader.role, reader.route)
                    for p in disclosed
                ],
            )
        return found

    def locate(self, person_id: UUID) -> tuple[UUID, Kind, str] | None:
        """Whose school, what kind and which id: nothing personal, not logged."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT school_id, kind, ref FROM people WHERE person_id = %s",
                (person_id,),
            )
            row = curs.fetchone()
        return (row["school_id"], Kind(row["kind"]), row["ref"]) if row else None

    def people_of(self, school_id: UUID, kind: Kind | None = None) -> list[UUID]:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT person_id FROM people WHERE school_id = %s"
                " AND (%s::text IS NULL OR kind = %s) ORDER BY kind, ref",
                (school_id, kind, kind),
            )
            return [row["person_id"] for row in curs.fetchall()]

    def holds(self, person_id: UUID) -> bool:
        """Whether a record of the person is kept (recorded, not erased)."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT 1 FROM people WHERE person_id = %s AND record IS NOT NULL",
                (person_id,),
            )
            return curs.fetchone() is not None

    def erased(self, person_ids: Iterable[UUID]) -> set[UUID]:
        """Which of these people's data was erased: says nothing else."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT person_id FROM people WHERE person_id = ANY(%s)"
                " AND erased_at IS NOT NULL",
                (list(person_ids),),
            )
            return {row["person_id"] for row in curs.fetchall()}

    def note(self, note_id: UUID, reader: Reader) -> str | None:
        """A note's text (a logged read); None when there is none, or its
        person was erased."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT n.person_id, n.school_id, n.note, k.key FROM person_notes n"
                " JOIN person_keys k USING (person_id) WHERE n.note_id = %s",
                (note_id,),
            )
            row = curs.fetchone()
            if row is None:
                return None
            curs.execute(
                LOG_READS,
                (
                    row["school_id"],
                    row["person_id"],
                    reader.id,
                    reader.role,
                    reader.route,
                ),
            )
        opened = unseal(bytes(row["key"]), row["person_id"], bytes(row["note"]))
        return opened["text"]

    def children_of(self, guardian_id: UUID) -> frozenset[str]:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT student_id FROM guardian_children WHERE guardian_id = %s",
                (guardian_id,),
            )
            return frozenset(row["student_id"] for row in curs.fetchall())

    def reads(
        self,
        schools: Iterable[UUID],
        *,
        before: int | None = None,
        reader: str | None = None,
        person_id: UUID | None = None,
        limit: int = 500,
    ) -> list[dict]:
        """Reads of personal data about these schools' people, newest first:
        those before an id (the next page), by one reader, of one person."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT r.id, r.read_at, r.reader, r.role, r.route, r.school_id,"
                " r.person_id, p.kind, p.ref FROM personal_data_reads r"
                " JOIN people p USING (person_id)"
                " WHERE r.school_id = ANY(%(schools)s)"
                " AND (%(before)s::bigint IS NULL OR r.id < %(before)s)"
                " AND (%(reader)s::text IS NULL OR r.reader = %(reader)s)"
                " AND (%(person)s::uuid IS NULL OR r.person_id = %(person)s)"
                " ORDER BY r.id DESC LIMIT %(limit)s",
                {
                    "schools": list(schools),
                    "before": before,
                    "reader": reader,
                    "person": person_id,
                    "limit": limit,
                },
            )
            return curs.fetchall()


def _record(
    curs, school_id: UUID, kind: Kind, ref: str, record: dict, children: Sequence[str]
) -> UUID:
    person_id = person_id_for(school_id, kind, ref)
    curs.execute(
        "SELECT erased_at FROM people WHERE person_id = %s FOR UPDATE", (person_id,)
    )
    row = curs.fetchone()
    if row and row["erased_at"]:
        raise Erased(f"the personal data of {kind} {ref} was erased")
    curs.execute(KEY, (person_id, AESGCM.generate_key(bit_length=256)))
    key = bytes(curs.fetchone()["key"])
    curs.execute(
        "INSERT INTO people (person_id, school_id, kind, ref, record)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (person_id) DO UPDATE"
        " SET record = excluded.record, updated_at = now()",
        (person_id, school_id, kind.value, ref, seal(key, person_id, record)),
    )
    if kind is Kind.GUARDIAN:
        curs.execute(
            "DELETE FROM guardian_children WHERE guardian_id = %s", (person_id,)
        )
        curs.executemany(
            "INSERT INTO guardian_children (guardian_id, school_id, student_id)"
            " VALUES (%s, %s, %s)",
            [(person_id, school_id, child) for child in children],
        )
    return person_id


def _person(row: dict) -> Person:
    record = None
    if row["record"] is not None and row["key"] is not None:
        record = unseal(bytes(row["key"]), row["person_id"], bytes(row["record"]))
    return Person(
        row["person_id"],
        row["school_id"],
        Kind(row["kind"]),
        row["ref"],
        record,
        row["erased_at"],
    )
