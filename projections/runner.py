"""Runs the projections over the log in batches, exactly once.

Each batch is read once, decoded once, and applied to every projection that
has not seen it, in one transaction that also moves each projection's
tracking position. A crash loses the whole transaction, so a restart resumes
from the last committed position: no event is skipped or applied twice. An
advisory lock per projection keeps two runners from doing the same work (if
they race anyway, the tracking table refuses the second commit), and lets
runners in different processes project different read models side by side.

A read model that cannot apply an event stops there alone: its batch is
rolled back to a savepoint, applied again event by event up to the one that
fails, and the failure (read model, position, error) is recorded; the other
read models go on, and a rebuild of that read model clears it.
"""

import threading
import time
from collections.abc import Callable, Iterable, Sequence

import psycopg
import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from psycopg import sql

from infra.database import SCHEMA_LOCK
from projections.views import FundProjection

log = structlog.get_logger("projections")

Progress = Callable[[int, int], None]
LOCK_KEY = 0x66756E64  # "fund"; the second key is the projection's name
_TRY_LOCKS = sql.SQL(
    "SELECT name FROM unnest(%s::text[]) AS name"
    " WHERE pg_try_advisory_xact_lock(%s, hashtext(name))"
)
_LOCK = sql.SQL("SELECT pg_advisory_xact_lock(%s, hashtext(%s))")
FAILURES = """
CREATE TABLE IF NOT EXISTS projection_failures (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    error text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
)
"""
_FAILED = sql.SQL("SELECT name, position, error, failed_at FROM projection_failures")
_FAIL = sql.SQL(
    "INSERT INTO projection_failures (name, position, error) VALUES (%s, %s, %s)"
    " ON CONFLICT (name) DO NOTHING"
)
_CLEAR = sql.SQL("DELETE FROM projection_failures WHERE name = %s")


class Projector:
    def __init__(
        self,
        app: Application,
        projections: Sequence[FundProjection],
        *,
        conninfo: str,
        batch_size: int = 5000,
    ) -> None:
        self.app = app
        self.conninfo = conninfo
        self.projections = list(projections)
        self.batch_size = batch_size
        self.datastore = self.projections[0].view.datastore
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SCHEMA_LOCK)
            curs.execute(FAILURES)

    def only(self, names: Iterable[str]) -> "Projector":
        """A runner of the named projections alone."""
        chosen = set(names)
        return Projector(
            self.app,
            [p for p in self.projections if p.name in chosen],
            conninfo=self.conninfo,
            batch_size=self.batch_size,
        )

    def positions(self) -> dict[str, int]:
        name = self.app.name
        return {p.name: p.view.max_tracking_id(name) or 0 for p in self.projections}

    def position(self) -> int:
        """The position every read model that has not failed has reached."""
        failed = self.failures()
        healthy = [n for name, n in self.positions().items() if name not in failed]
        return min(healthy, default=self.app.recorder.max_notification_id() or 0)

    def failures(self) -> dict[str, dict]:
        """The read models stopped at an event they cannot apply."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(_FAILED)
            found = {row["name"]: row for row in curs.fetchall()}
        return {p.name: found[p.name] for p in self.projections if p.name in found}

    def run_once(self) -> int:
        """Projects the next batch; returns how many positions it covered.

        Positions are read under the lock, inside the batch's transaction, so
        they cannot move before the batch commits.
        """
        name = self.app.name
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(_TRY_LOCKS, ([p.name for p in self.projections], LOCK_KEY))
            locked = {row["name"] for row in curs.fetchall()}
            curs.execute(_FAILED)
            locked -= {row["name"] for row in curs.fetchall()}
            mine = [p for p in self.projections if p.name in locked]
            if not mine:
                return 0
            # Rows and position commit together, so a commit lost in a crash
            # loses both: the batch is projected again. No need to wait for disk.
            curs.execute("SET LOCAL synchronous_commit = off")
            # A batch's sums (the ledger's balances) group some 100,000 lines:
            # in memory, not in a sort spilled to disk.
            curs.execute("SET LOCAL work_mem = '64MB'")
            seen = {p.name: p.view._max_tracking_id(name, curs) or 0 for p in mine}
            start = min(seen.values())
            notifications = self.app.recorder.select_notifications(
                start=start + 1, limit=self.batch_size
            )
            if not notifications:
                return 0
            last = notifications[-1].id
            batch = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
            for projection in mine:
                if seen[projection.name] < last:
                    new = [(n, e) for n, e in batch if n > seen[projection.name]]
                    reached = self.apply(curs, projection, new)
                    if reached > seen[projection.name]:
                        projection.view._insert_tracking(curs, Tracking(name, reached))
        log.debug("projected", start=start + 1, last=last, events=len(batch))
        return last - start

    def apply(self, curs, projection: FundProjection, batch) -> int:
        """Applies a batch; returns the position the read model reached. An
        event it cannot apply stops it just before, recorded as failed."""
        try:
            with curs.connection.transaction():
                projection.apply(curs, batch)
            return batch[-1][0]
        except Exception:
            reached = batch[0][0] - 1
            for position, event in batch:
                try:
                    with curs.connection.transaction():
                        projection.apply(curs, [(position, event)])
                except Exception as error:
                    log.error(
                        "projection failed",
                        projection=projection.name,
                        position=position,
                        error=str(error),
                    )
                    curs.execute(_FAIL, (projection.name, position, str(error)))
                    return reached
                reached = position
            return reached

    def catch_up(
        self,
        progress: Progress | None = None,
        timeout: float | None = None,
        until: int | None = None,
    ) -> int:
        """Projects everything recorded so far (or at least up to ``until``);
        returns the position reached.

        Other runners may hold some read models' locks: then this waits while
        they make progress, and raises ``TimeoutError`` once none has been made
        for ``timeout`` seconds.
        """
        head = until if until is not None else self.app.recorder.max_notification_id()
        head = head or 0
        reached, since = -1, time.monotonic()
        # Once it holds the locks it goes on past ``until`` to the log's head:
        # a writer whose decisions catch up then projects alongside the
        # projection processes (a city term stopping at ``until`` took 22:40
        # instead of 20:46, its read models falling ever further behind).
        while (done := self.run_once()) or (position := self.position()) < head:
            if done:
                if progress:
                    progress(self.position(), head)
                continue
            if progress:
                progress(position, head)
            if position > reached:
                reached, since = position, time.monotonic()
            elif timeout is not None and time.monotonic() - since > timeout:
                raise TimeoutError(f"read models are behind position {head}")
            time.sleep(0.02)
        return self.position()

    def wait(self, position: int, timeout: float) -> bool:
        """Waits until every read model has reached ``position``."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def run_forever(
        self, stop: threading.Event, poll: float = 1.0, linger: float = 0.05
    ) -> None:
        """Projects new events as they are recorded, until ``stop`` is set.

        Woken by a new event, it lingers a moment so that a burst of writes is
        projected in one batch rather than one transaction per event."""
        channel = self.app.recorder.channel_name
        with self.listen(channel) as conn:
            while not stop.is_set():
                try:
                    if self.run_once():
                        continue
                except Exception:
                    log.exception("projection batch failed; retrying")
                    stop.wait(poll)
                    continue
                # One wake-up is enough: a burst of commits queues a notice
                # each, and waiting once per notice would fall ever behind.
                if next(conn.notifies(timeout=poll, stop_after=1), None):
                    stop.wait(linger)

    def listen(self, channel: str) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo, autocommit=True)
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        return conn

    def reset(self, names: Iterable[str] = ()) -> None:
        """Empties the chosen read models (all by default) and their positions."""
        chosen = set(names) or {p.name for p in self.projections}
        unknown = chosen - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"no projection named {', '.join(sorted(unknown))}")
        with self.datastore.transaction(commit=True) as curs:
            for projection in self.projections:
                if projection.name in chosen:
                    curs.execute(_LOCK, (LOCK_KEY, projection.name))
                    projection.view.reset(curs, self.app.name)
                    curs.execute(_CLEAR, (projection.name,))

    def rebuild(self, names: Iterable[str] = (), progress: Progress | None = None):
        """Empties the chosen read models and replays the log from position 0."""
        self.reset(names)
        return self.catch_up(progress)
