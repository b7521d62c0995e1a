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

import os
import struct
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from hashlib import sha256
from itertools import pairwise
from multiprocessing import get_context
from typing import NamedTuple

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

_HEAD = struct.Struct(">q16sqi").pack
_LENGTH = struct.Struct(">i").pack


def canonical(
    position: int, originator_id: bytes, version: int, topic: str, state: bytes
) -> bytes:
    """``originator_id``: the UUID's 16 bytes."""
    topic_bytes = topic.encode()
    return b"".join(
        (
            _HEAD(position, originator_id, version, len(topic_bytes)),
            topic_bytes,
            _LENGTH(len(state)),
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
    since: int = 0  # the checkpoint the check went on from; 0: the first event

    @property
    def message(self) -> str:
        if not self.intact:
            return f"tampering found at position {self.position}: {self.problem}"
        if self.since:
            return (
                f"intact up to position {self.position} ({self.events} events"
                f" checked after the checkpoint at position {self.since})"
            )
        return f"intact up to position {self.position} ({self.events} events)"


class Link(NamedTuple):
    position: int
    content: bytes  # the canonical bytes
    hash: bytes  # the chain hash h(position)

    @property
    def leaf(self) -> bytes:
        """The Merkle leaf: SHA-256 of the canonical bytes."""
        return sha256(self.content).digest()


WALK_BATCH = 5000
_EVENTS = SQL("""
    SELECT notification_id, uuid_send(originator_id), originator_version, topic,
           state
    FROM {} WHERE notification_id > %s AND notification_id <= %s
    ORDER BY notification_id LIMIT %s
""")
_ENTRIES = SQL("""
    SELECT position, uuid_send(originator_id), originator_version, hash
    FROM {} WHERE position > %s AND position <= %s ORDER BY position
""")


# Below this many events one process checks the chain sooner than several
# processes can start.
PARALLEL_FROM = 200_000
WORKERS = os.cpu_count() or 1


class Chain:
    def __init__(
        self, datastore: PostgresDatastore, conninfo: str, events: str, chain: str
    ) -> None:
        self.datastore, self.conninfo = datastore, conninfo
        self.tables = (events, chain)
        self.events_statement = _EVENTS.format(Identifier(events))
        self.entries_statement = _ENTRIES.format(Identifier(chain))
        self.head_statement = SQL(
            "SELECT position, hash FROM {} ORDER BY position DESC LIMIT 1"
        ).format(Identifier(chain))
        self.leaves_statement = SQL(
            "SELECT position, leaf FROM {} ORDER BY position"
        ).format(Identifier(chain))
        self.before_statement = SQL(
            "SELECT hash FROM {} WHERE position <= %s ORDER BY position DESC LIMIT 1"
        ).format(Identifier(chain))
        self.last_statement = SQL(
            "SELECT max(notification_id) FROM {} WHERE notification_id <= %s"
        ).format(Identifier(events))

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

    def verify(self, until: int | None = None) -> Verdict:
        """Recomputes every link. Link n depends only on event n and the stored
        h(n-1), so ranges of the log are checked side by side, one process
        each; the first broken range, if any, names the first broken link."""
        until = until or 2**62
        with psycopg.connect(self.conninfo) as conn:
            last = conn.execute(self.last_statement, (until,)).fetchone()[0] or 0
        parts = WORKERS if last >= PARALLEL_FROM else 1
        bounds = [last * k // parts for k in range(parts)] + [until]
        if parts == 1:
            verdicts = [self.check(0, until)]
        else:
            spawn = get_context("spawn")
            with ProcessPoolExecutor(parts, mp_context=spawn) as pool:
                checks = [
                    pool.submit(_check, self.conninfo, *self.tables, after, upto)
                    for after, upto in pairwise(bounds)
                ]
                verdicts = [check.result() for check in checks]
        events, head, position = 0, b"", 0
        for verdict in verdicts:
            if not verdict.intact:
                return replace(verdict, events=events + verdict.events)
            events += verdict.events
            if verdict.events:
                head, position = verdict.head, verdict.position
        return Verdict(True, position, events, head)

    def check(self, after: int, until: int) -> Verdict:
        """The links of the positions after ``after`` up to ``until``: the
        loop of ``links`` without making a Link of each (a third of its time)."""
        with psycopg.connect(self.conninfo) as conn:
            row = conn.execute(self.before_statement, (after,)).fetchone()
        position, count, head = after, 0, row[0] if row and after else b""
        for events, entries, gap in self.aligned(after, until):
            for event, entry in zip(events, entries, strict=True):
                made = _link(head, event, entry)
                if isinstance(made, str):
                    return Verdict(False, event[0], count, head, made)
                head = made[1]
                count += 1
            if gap:
                return Verdict(False, gap.position, count, head, gap.problem)
            if events:
                position = events[-1][0]
        return Verdict(True, position, count, head)

    def batches(self, after: int, until: int) -> Iterator[tuple[list, list]]:
        """The log and its chain entries, a range of positions at a time; the
        last range reaches ``until`` so entries past the last event show."""
        with (
            psycopg.connect(self.conninfo) as conn,
            ThreadPoolExecutor(1) as reader,
        ):
            events = conn.cursor(binary=True, row_factory=tuple_row)
            entries = conn.cursor(binary=True, row_factory=tuple_row)

            def read(after: int) -> tuple[list, list, int | None]:
                events.execute(self.events_statement, (after, until, WALK_BATCH))
                batch = events.fetchall()
                full = len(batch) == WALK_BATCH
                upto = batch[-1][0] if full else until
                entries.execute(self.entries_statement, (after, upto))
                return batch, entries.fetchall(), upto if full else None

            # the next range is read while this one is hashed: the database
            # works on one core and the hashing on the other
            ahead = reader.submit(read, after)
            while True:
                batch, chained, upto = ahead.result()
                if upto is not None:
                    ahead = reader.submit(read, upto)
                yield batch, chained
                if upto is None:
                    return

    def aligned(
        self, after: int, until: int
    ) -> Iterator[tuple[list, list, "Gap | None"]]:
        """Ranges of events and chain entries that pair up one to one, the
        last cut short before the first position only one side holds."""
        for events, entries in self.batches(after, until):
            gap = _first_gap(events, entries)
            if gap:
                yield events[: gap.index], entries[: gap.index], gap
                return
            yield events, entries, None

    def links(
        self, after: int = 0, until: int | None = None, previous: bytes = b""
    ) -> Iterator[Link | Verdict]:
        """Recomputes the chain after ``after`` (whose stored hash is
        ``previous``), yielding each link, and a Verdict instead as soon as
        stored data no longer matches."""
        count = 0
        for events, entries, gap in self.aligned(after, until or 2**62):
            for event, entry in zip(events, entries, strict=True):
                made = _link(previous, event, entry)
                if isinstance(made, str):
                    yield Verdict(False, event[0], count, previous, made)
                    return
                content, previous = made
                count += 1
                yield Link(event[0], content, previous)
            if gap:
                yield Verdict(False, gap.position, count, previous, gap.problem)
                return


def _link(previous: bytes, event: tuple, entry: tuple) -> tuple[bytes, bytes] | str:
    """An event's canonical bytes and chain hash, or what is wrong with them."""
    n, oid, version, topic, state = event
    _, chained, at_version, stored = entry
    if oid != chained or version != at_version:
        return "events were reordered or replaced"
    content = canonical(n, oid, version, topic, state)
    current = sha256(previous + content).digest()
    if current != stored:
        return "stored data no longer matches its hash"
    return content, current


def _check(conninfo: str, events: str, chain: str, after: int, until: int) -> Verdict:
    """One range, in a process of its own."""
    return Chain(None, conninfo, events, chain).check(after, until)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Gap:
    index: int  # how many rows on both sides agree before it
    position: int
    problem: str


def _first_gap(events: list[tuple], entries: list[tuple]) -> Gap | None:
    """The first position held by only one side: a deleted or inserted event."""
    held, chained = [e[0] for e in events], [e[0] for e in entries]
    if held == chained:
        return None
    index = next(
        (i for i, (a, b) in enumerate(zip(held, chained, strict=False)) if a != b),
        min(len(held), len(chained)),
    )
    if index < len(held) and (index == len(chained) or held[index] < chained[index]):
        return Gap(index, held[index], "an event was inserted that the chain never saw")
    return Gap(index, chained[index], "an event was deleted (its chain entry remains)")
