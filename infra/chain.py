"""The hash chain over the event log, and its verification.

Every stored event n (in log order, n its position) has

    h(n) = SHA-256( h(n-1) || canonical(n) ),   h(before the first) = b""

where canonical(n) is, all integers big-endian:

    position            8 bytes (signed 64-bit)
    originator id      16 bytes (the UUID's bytes)
    originator version  8 bytes
    len(topic)          4 bytes, then the topic in UTF-8
    len(state)          4 bytes, then the stored state bytes (the event's JSON)

A trigger on the events table computes h(n) inside the very transaction that
inserts event n, and inserts writers one transaction at a time (the event
store locks its table), so no event is ever committed without its chain entry
and the chain follows commit order. There is no window: an event and its hash
commit together or not at all. Someone who can change the database can also
rewrite the chain, which is why digests signed outside it are kept.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import NamedTuple
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier


def canonical(
    position: int, originator_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    topic_bytes = topic.encode()
    return b"".join(
        (
            struct.pack(">q16sq", position, originator_id.bytes, version),
            struct.pack(">i", len(topic_bytes)),
            topic_bytes,
            struct.pack(">i", len(state)),
            state,
        )
    )


def link(previous: bytes, content: bytes) -> bytes:
    return sha256(previous + content).digest()


@dataclass(frozen=True)
class Verdict:
    """Either intact up to ``position``, or broken first at ``position``."""

    intact: bool
    position: int
    events: int
    head: bytes
    problem: str = ""

    @property
    def message(self) -> str:
        if self.intact:
            return f"intact up to position {self.position} ({self.events} events)"
        return f"tampering found at position {self.position}: {self.problem}"


class Link(NamedTuple):
    position: int
    content: bytes  # the canonical bytes
    hash: bytes  # the chain hash h(position)

    @property
    def leaf(self) -> bytes:
        """The Merkle leaf: SHA-256 of the canonical bytes."""
        return sha256(self.content).digest()


WALK_BATCH = 5000
_WALK = SQL("""
    SELECT e.notification_id, e.originator_id, e.originator_version, e.topic,
           e.state, c.position, c.originator_id, c.originator_version, c.hash
    FROM {events} e FULL OUTER JOIN {chain} c ON c.position = e.notification_id
    WHERE coalesce(e.notification_id, c.position) <= %s
    ORDER BY coalesce(e.notification_id, c.position)
""")


class Chain:
    def __init__(self, datastore: PostgresDatastore, events: str, chain: str) -> None:
        self.datastore = datastore
        self.walk_statement = _WALK.format(
            events=Identifier(events), chain=Identifier(chain)
        )
        self.head_statement = SQL(
            "SELECT position, hash FROM {} ORDER BY position DESC LIMIT 1"
        ).format(Identifier(chain))
        self.leaves_statement = SQL(
            "SELECT position, leaf FROM {} ORDER BY position"
        ).format(Identifier(chain))

    def head(self) -> tuple[int, bytes]:
        with self.datastore.cursor() as curs:
            curs.execute(self.head_statement)
            row = curs.fetchone()
        return (row["position"], bytes(row["hash"])) if row else (0, b"")

    def leaves(self) -> list[tuple[int, bytes]]:
        """Each event's position and leaf hash, as the chain table keeps them."""
        with self.datastore.get_connection() as conn:
            curs = conn.cursor(row_factory=tuple_row)
            curs.execute(self.leaves_statement)
            return [(position, bytes(leaf)) for position, leaf in curs]

    def rows(self, until: int | None) -> Iterator[list[tuple]]:
        """The log joined to its chain, in log order, read in batches and in
        binary, so a long log streams in bounded memory."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor("chain", binary=True, row_factory=tuple_row) as curs,
        ):
            curs.execute(self.walk_statement, (until or 2**62,))
            while batch := curs.fetchmany(WALK_BATCH):
                yield batch

    def links(self, until: int | None = None) -> Iterator[Link | Verdict]:
        """Recomputes the chain from the first event, yielding each link, and a
        Verdict instead as soon as stored data no longer matches."""
        previous, count = b"", 0
        for batch in self.rows(until):
            for n, oid, version, topic, state, at, chained, at_version, stored in batch:
                problem = _mismatch(n, oid, version, at, chained, at_version)
                if not problem:
                    content = canonical(n, oid, version, topic, state)
                    current = sha256(previous + content).digest()
                    if current != stored:
                        problem = "stored data no longer matches its hash"
                if problem:
                    yield Verdict(False, n or at, count, previous, problem)
                    return
                count += 1
                previous = current
                yield Link(n, content, current)

    def verify(self, until: int | None = None) -> Verdict:
        position, count, head = 0, 0, b""
        for item in self.links(until):
            if isinstance(item, Verdict):
                return item
            position, head = item.position, item.hash
            count += 1
        return Verdict(True, position, count, head)


def _mismatch(n, oid, version, at, chained_id, chained_version) -> str:
    if n is None:
        return "an event was deleted (its chain entry remains)"
    if at is None:
        return "an event was inserted that the chain never saw"
    if (oid, version) != (chained_id, chained_version):
        return "events were reordered or replaced"
    return ""
