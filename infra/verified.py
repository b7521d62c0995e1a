"""The part of the log verified so far, kept so an audit costs what is new.

A checkpoint says: the first ``size`` events, up to ``position``, were
recomputed and matched their chain, which ends there in ``head``, and the
Merkle tree over their leaves has ``root``. Advancing recomputes only the
events after the last checkpoint, starting from its head, and stores the
tree nodes they complete: every leaf (with its position) and every complete
subtree's root. A proof then reads O(log n) stored nodes instead of every
leaf. The tree grows only from leaves recomputed from the events, never from
the chain table's own ``leaf`` column.

Advancing trusts what the last checkpoint verified; only its chain hash is
checked again. A history rewritten before it, chain and all, is found by a
whole verification (``verify_whole``) or by a saved digest (infra/digests.py).
"""

from dataclasses import dataclass, replace
from datetime import datetime

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from domain.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    nodes_of,
)
from infra.chain import Chain, Verdict

SCHEMA = """
CREATE TABLE IF NOT EXISTS {chain}_leaves (
    index bigint PRIMARY KEY,
    position bigint NOT NULL UNIQUE,
    leaf bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS {chain}_nodes (
    level smallint NOT NULL,
    index bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (level, index)
);
CREATE TABLE IF NOT EXISTS {chain}_checkpoints (
    size bigint NOT NULL,
    whole boolean NOT NULL,
    position bigint NOT NULL,
    head bytea NOT NULL,
    root bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (size, whole)
)
"""

ROOTS = """
SELECT w.n, coalesce(t.hash, l.leaf)
FROM unnest(%s::int[], %s::bigint[]) WITH ORDINALITY AS w(level, index, n)
LEFT JOIN {} t ON w.level > 0 AND (t.level, t.index) = (w.level, w.index)
LEFT JOIN {} l ON w.level = 0 AND l.index = w.index
ORDER BY w.n
"""
ADVANCING, WHOLE = 0x5EA1_0001, 0x5EA1_0002  # advisory locks: one at a time
FLUSH_EVERY = 10_000


@dataclass(frozen=True)
class Checkpoint:
    size: int
    position: int
    head: bytes
    root: bytes
    at: datetime | None = None
    whole: bool = False


START = Checkpoint(0, 0, b"", EMPTY_ROOT)


class TreeError(ValueError):
    pass


class Busy(TreeError):
    """A whole verification is running already."""


@dataclass(frozen=True)
class InclusionProof:
    position: int
    index: int
    size: int
    leaf: bytes
    root: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    """Of consistency: the tree of ``size`` events extends that of ``old_size``."""

    old_size: int
    size: int
    old_root: bytes
    root: bytes
    proof: list[bytes]


class VerifiedLog:
    def __init__(self, chain: Chain) -> None:
        self.chain, self.conninfo = chain, chain.conninfo
        table = chain.tables[1]
        self.leaves, self.nodes, self.checkpoints = (
            Identifier(f"{table}_{part}") for part in ("leaves", "nodes", "checkpoints")
        )
        self.chain_table = Identifier(table)

    def latest(self, conn: psycopg.Connection, whole: bool | None = None) -> Checkpoint:
        where = SQL("") if whole is None else SQL("WHERE whole = %s")
        row = (
            _tuples(conn)
            .execute(
                SQL(
                    "SELECT size, position, head, root, at, whole FROM {} {}"
                    " ORDER BY size DESC, whole LIMIT 1"
                ).format(self.checkpoints, where),
                () if whole is None else (whole,),
            )
            .fetchone()
        )
        if not row:
            return START
        size, position, head, root, at, whole = row
        return Checkpoint(size, position, bytes(head), bytes(root), at, whole)

    def advance(self) -> Verdict:
        """Recomputes the events after the last checkpoint and, if they match
        their chain, stores their tree nodes and a new checkpoint."""
        with psycopg.connect(self.conninfo) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVANCING,))
            last = self.latest(conn)
            if moved := self._moved(conn, last):
                return moved
            builder = RootBuilder(last.size, self._roots(conn, nodes_of(0, last.size)))
            leaves, nodes = [], []
            position, head, checked = last.position, last.head, 0
            for link in self.chain.links(last.position, previous=last.head):
                if isinstance(link, Verdict):
                    conn.rollback()
                    return replace(link, since=last.position)
                index = builder.size
                leaves.append((index, link.position, link.leaf))
                nodes += [(*node, h) for node, h in builder.add(link.leaf)[1:]]
                position, head, checked = link.position, link.hash, checked + 1
                if len(leaves) == FLUSH_EVERY:
                    self._store(conn, leaves, nodes)
                    leaves, nodes = [], []
            self._store(conn, leaves, nodes)
            if checked:
                self._record(
                    conn, Checkpoint(builder.size, position, head, builder.root())
                )
        return Verdict(True, position, checked, head, since=last.position)

    def verify_whole(self) -> Verdict:
        """Advances, then recomputes the history up to the new checkpoint from
        the first event: an explicit, costly check of everything, one at a
        time."""
        with psycopg.connect(self.conninfo, autocommit=True) as guard:
            taken = guard.execute("SELECT pg_try_advisory_lock(%s)", (WHOLE,))
            if not taken.fetchone()[0]:
                raise Busy("a whole verification is running; try again later")
            return self._verify_whole()

    def _verify_whole(self) -> Verdict:
        advanced = self.advance()
        if not advanced.intact:
            return advanced
        last = self.checkpoint()
        if not last.size:
            return advanced
        whole = self.chain.verify(until=last.position)
        if not whole.intact:
            return whole
        if whole.head != last.head:
            problem = "the history up to the last checkpoint was rewritten"
            return Verdict(False, last.position, whole.events, whole.head, problem)
        with psycopg.connect(self.conninfo) as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {} (size, whole, position, head, root)"
                    " VALUES (%s, true, %s, %s, %s)"
                    " ON CONFLICT (size, whole) DO UPDATE SET at = now()"
                ).format(self.checkpoints),
                (last.size, last.position, last.head, last.root),
            )
        return whole

    def checkpoint(self) -> Checkpoint:
        with self.chain.datastore.get_connection() as conn:
            return self.latest(conn)

    def position(self) -> int:
        """Up to where the chain is verified."""
        return self.checkpoint().position

    def whole_verified_at(self) -> datetime | None:
        with self.chain.datastore.get_connection() as conn:
            return self.latest(conn, whole=True).at

    def prove_inclusion(self, position: int, size: int | None = None) -> InclusionProof:
        """The audit path of the event at ``position`` in the tree of the
        first ``size`` verified events (by default, all of them)."""
        with self.chain.datastore.get_connection() as conn:
            verified = self.latest(conn).size
            size = verified if size is None else size
            if not 0 < size <= verified:
                raise TreeError(f"the log holds {verified} verified events, not {size}")
            found = (
                _tuples(conn)
                .execute(
                    SQL("SELECT index, leaf FROM {} WHERE position = %s").format(
                        self.leaves
                    ),
                    (position,),
                )
                .fetchone()
            )
            if not found or found[0] >= size:
                raise TreeError(
                    f"no event at position {position} among the first {size}"
                )
            index, leaf = found[0], bytes(found[1])
            ranges = inclusion_ranges(index, size)
            roots = self._range_roots(conn, [*ranges, (0, size)])
        return InclusionProof(position, index, size, leaf, roots[-1], roots[:-1])

    def prove_consistency(
        self, old_size: int, size: int | None = None
    ) -> ConsistencyProof:
        """That the tree of the first ``size`` verified events (by default,
        all of them) extends the tree of the first ``old_size``."""
        with self.chain.datastore.get_connection() as conn:
            verified = self.latest(conn).size
            size = verified if size is None else size
            if not 0 < old_size <= size <= verified:
                raise TreeError(
                    f"sizes from 1 to {verified} verified events, old size first;"
                    f" not {old_size} and {size}"
                )
            ranges = consistency_ranges(old_size, size)
            roots = self._range_roots(conn, [*ranges, (0, old_size), (0, size)])
        return ConsistencyProof(old_size, size, roots[-2], roots[-1], roots[:-2])

    def _moved(self, conn: psycopg.Connection, last: Checkpoint) -> Verdict | None:
        """Whether the chain hash at the checkpoint is still the one verified."""
        if not last.size:
            return None
        row = (
            _tuples(conn)
            .execute(
                SQL("SELECT hash FROM {} WHERE position = %s").format(self.chain_table),
                (last.position,),
            )
            .fetchone()
        )
        if row and bytes(row[0]) == last.head:
            return None
        problem = "the history up to the last checkpoint was rewritten"
        return Verdict(False, last.position, 0, last.head, problem, last.position)

    def _range_roots(self, conn: psycopg.Connection, ranges: list) -> list[bytes]:
        """The root of each range, all read in one statement."""
        wanted = [nodes_of(start, end) for start, end in ranges]
        found = dict(
            zip(
                (node for nodes in wanted for node in nodes),
                self._roots(conn, [node for nodes in wanted for node in nodes]),
                strict=True,
            )
        )
        return [fold([found[node] for node in nodes]) for nodes in wanted]

    def _roots(self, conn: psycopg.Connection, nodes: list) -> list[bytes]:
        """The stored root of each complete subtree (level, index), in order."""
        if not nodes:
            return []
        levels, indexes = zip(*nodes, strict=True)
        rows = (
            _tuples(conn)
            .execute(
                SQL(ROOTS).format(self.nodes, self.leaves),
                (list(levels), list(indexes)),
            )
            .fetchall()
        )
        if len(rows) != len(nodes) or any(h is None for _, h in rows):
            raise TreeError("the stored tree lacks a node; advance it first")
        return [
            leaf_hash(bytes(h)) if level == 0 else bytes(h)
            for (level, _), (_, h) in zip(nodes, rows, strict=True)
        ]

    def _store(self, conn: psycopg.Connection, leaves: list, nodes: list) -> None:
        with conn.cursor(row_factory=tuple_row) as curs:
            with curs.copy(SQL("COPY {} FROM STDIN").format(self.leaves)) as copy:
                for row in leaves:
                    copy.write_row(row)
            with curs.copy(SQL("COPY {} FROM STDIN").format(self.nodes)) as copy:
                for row in nodes:
                    copy.write_row(row)

    def _record(self, conn: psycopg.Connection, checkpoint: Checkpoint) -> None:
        conn.execute(
            SQL(
                "INSERT INTO {} (size, whole, position, head, root)"
                " VALUES (%s, false, %s, %s, %s)"
            ).format(self.checkpoints),
            (checkpoint.size, checkpoint.position, checkpoint.head, checkpoint.root),
        )


def _tuples(conn: psycopg.Connection) -> psycopg.Cursor:
    """A cursor of plain tuples (the datastore's pool hands out dict rows)."""
    return conn.cursor(row_factory=tuple_row)
