"""A log grown district by district through the bulk paths: the append and
rebuild rates next to a raw COPY of rows of the same size, the rows the
rebuild writes per event, verification next to a raw read of the same events,
the main queries' latency at each size, and the peak memory of simulate and
rebuild, each run as the real command in a process of its own."""

import contextlib
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from time import perf_counter
from uuid import uuid4

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from api.bootstrap import System, bootstrap, projecting_alongside
from bench import pages
from bench.common import Result, fresh_database, percentile
from bench.table_writes import server_now, settled_table_writes
from domain.errors import NotFound
from infra import chain
from infra.chain import PARALLEL_FROM, WALK_BATCH
from infra.database import Database
from infra.settings import Settings
from projections import funds as f
from projections.findings import Compliance
from projections.trace import trace_payment
from samples.simulate import Plan, simulate

DISTRICTS = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")
SAMPLES = 200
TODAY = date(2026, 12, 1)
# Rows the read models wrote per event in a rebuild at commit 9c1be7f, on the
# full run's log and on the smoke run's (bench/README.md).
ROWS_PER_EVENT, ROWS_PER_EVENT_QUICK = 30.73, 12.78


def plans(quick: bool) -> list[Plan]:
    """Each step adds a district; the log grows about tenfold from the first."""
    if quick:
        sizes = [(2, 400, 10), (3, 1200, 15)]
    else:
        sizes = [(4, 2000, 30), (20, 12_000, 60), (60, 36_000, 60)]
    return [
        Plan(schools=s, students=n, days=d, district=name, seed=k)
        for k, ((s, n, d), name) in enumerate(zip(sizes, DISTRICTS, strict=False))
    ]


def run(quick: bool) -> list[Result]:
    database = fresh_database()
    since = server_now(database.conninfo)
    settings = Settings(
        pool_size=2,
        aggregate_cache=1_000_000,
        sole_writer=True,
        token_rate=1e6,  # the console's pages are timed, not a token's limits
        token_burst=1e6,
    )
    system = bootstrap(settings, database=database)
    results: list[Result] = []
    appended = seconds = 0.0
    latencies: dict[str, list[tuple[int, float, float]]] = {}
    try:
        steps = plans(quick)
        for plan in steps:
            head = system.funds.head()
            started = perf_counter()
            with projecting_alongside(system):  # as `fundledger simulate` does
                simulate(system.bus, plan)
            seconds += perf_counter() - started
            appended += system.funds.head() - head
            system.projector.catch_up()
            if not quick:  # the smoke run has no time for it
                settle_down(database)
            size = system.funds.head()
            for name, (p50, p99) in query_latencies(
                system, steps[0], SAMPLES // 4 if quick else SAMPLES
            ).items():
                latencies.setdefault(name, []).append((size, p50, p99))
        results += pages.run(system, steps[-1].district, quick)
        results += verification(system)
        copy_rate = raw_copy_rate(system, database)
        results.append(
            Result(
                f"append.{int(appended)}_events",
                appended / seconds,
                "events/s",
                "raw COPY of rows of the same size",
                copy_rate,
            )
        )
        events = system.funds.head()
    finally:
        system.close()
    before = settled_table_writes(database.conninfo, since)
    rebuild_seconds, rebuild_rss = command(database, "rebuild")
    written = settled_table_writes(database.conninfo, since) - before
    results.append(
        Result(
            f"rebuild.{events}_events",
            events / rebuild_seconds,
            "events/s",
            "raw COPY of rows of the same size",
            copy_rate,
        )
    )
    baseline = ROWS_PER_EVENT_QUICK if quick else ROWS_PER_EVENT
    results += rows_written(written, events, rebuild_seconds, copy_rate, baseline)
    for name, sizes in latencies.items():
        (small, _, first), (large, p50, p99) = sizes[0], sizes[-1]
        results.append(
            Result(f"query.{name}.p99.{large}_events", p99, "ms", "p50", p50)
        )
        results.append(
            Result(
                f"query.{name}.p99_growth",
                p99,
                "ms",
                f"p99 at {small} events",
                first,
            )
        )
    plan = Plan(schools=2, students=800, days=20, district="Golf")
    _, simulate_rss = command(
        database,
        "simulate",
        f"--schools={plan.schools}",
        f"--students={plan.students}",
        f"--days={plan.days}",
        f"--district={plan.district}",
    )
    limit = 1024.0  # MiB
    results.append(Result("memory.rebuild", rebuild_rss, "MiB", "1 GiB", limit))
    results.append(Result("memory.simulate", simulate_rss, "MiB", "1 GiB", limit))
    return results


def rows_written(
    written: Counter[str],
    events: int,
    seconds: float,
    copy_rate: float,
    baseline: float,
) -> list[Result]:
    """The rows a rebuild wrote into the read models, per event and per
    second, and the five tables that took most of them."""
    rows = written.total()
    per_event = rows / events
    return [
        Result(
            "rebuild.rows_written.per_event",
            per_event,
            "rows/event",
            "rebuild at 9c1be7f",
            baseline,
        ),
        Result(
            "rebuild.rows_written.per_s",
            rows / seconds,
            "rows/s",
            "raw COPY of rows of the same size",
            copy_rate,
        ),
    ] + [
        Result(
            f"rebuild.rows_written.{table}",
            count / events,
            "rows/event",
            "every read model",
            per_event,
        )
        for table, count in written.most_common(5)
    ]


def query_latencies(
    system: System, plan: Plan, samples: int
) -> dict[str, tuple[float, float]]:
    """p50 and p99 of the main queries, in milliseconds, on random subjects of
    the plan's district: the first one, so only the log around it grows."""
    rng = random.Random(plan.seed)
    q = system.queries
    schools = sorted(q.schools_in(plan.district))
    students = q.rows(
        SQL(
            "SELECT DISTINCT school_id, student_id FROM enrolments"
            " WHERE school_id = ANY(%s)"
        ),
        (schools,),
    )
    payments = q.rows(
        SQL(
            "SELECT payment_id FROM payments WHERE school_id = ANY(%s)"
            " ORDER BY payment_id LIMIT 5000"
        ),
        (schools,),
    )
    teachers = q.rows(
        SQL("SELECT teacher_id, school_id FROM teachers WHERE school_id = ANY(%s)"),
        (schools,),
    )
    september = date(2026, 9, 1)
    compliance = Compliance(q)
    queries: dict[str, Callable[[], object]] = {
        "student_balance": lambda: f.student_balance(q, **rng.choice(students)),
        "school_fund": lambda: f.fund(q, rng.choice(schools)),
        "payment_trace": lambda: trace_payment(q, rng.choice(payments)["payment_id"]),
        "teacher_month_pay": lambda: teacher_pay(q, rng.choice(teachers), september),
        "district_compliance": lambda: compliance.findings(schools, today=TODAY),
    }
    found = {}
    for name, query in queries.items():
        times = [timed(query) for _ in range(samples)]
        found[name] = (percentile(times, 50), percentile(times, 99))
    return found


def teacher_pay(q, teacher: dict, month: date):
    try:
        return q.payroll(
            school_id=teacher["school_id"],
            month=month,
            teacher_id=teacher["teacher_id"],
        )
    except NotFound:  # a school without a September payroll: asked all the same
        return None


def timed(query: Callable[[], object]) -> float:
    started = perf_counter()
    query()
    return (perf_counter() - started) * 1000


def verification(system: System) -> list[Result]:
    """The whole chain checked, in one process and in ranges side by side,
    next to reading the same events by the same statement and batches."""
    events = system.funds.head()
    read = min(read_events(system) for _ in range(3))
    found = []
    for label, parallel_from in (("one_process", 2**62), ("ranges", 1)):
        chain.PARALLEL_FROM = parallel_from
        started = perf_counter()
        verdict = system.chain.verify()
        seconds = perf_counter() - started
        assert verdict.intact, verdict.message
        found.append(
            Result(
                f"verify.{label}.{verdict.events}_events",
                verdict.events / seconds,
                "events/s",
                "reading the same stored events",
                events / read,
            )
        )
    chain.PARALLEL_FROM = PARALLEL_FROM
    return found


def settle_down(database: Database) -> None:
    """Does now the upkeep PostgreSQL would otherwise do while the figures
    are measured: right after the writing, autovacuum and the checkpoint go
    through the new rows (one run read the log at a tenth of its rate)."""
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def read_events(system: System) -> float:
    after = 0
    started = perf_counter()
    with psycopg.connect(system.chain.conninfo) as conn:
        curs = conn.cursor(binary=True, row_factory=tuple_row)
        while batch := curs.execute(
            system.chain.events_statement, (after, 2**62, WALK_BATCH)
        ).fetchall():
            after = batch[-1][0]
    return perf_counter() - started


def raw_copy_rate(system: System, database: Database) -> float:
    """Rows/s of COPY into a plain table, rows shaped and sized as the log's."""
    with psycopg.connect(database.conninfo) as conn:
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM funds_events"
            " ORDER BY random() LIMIT 2000"
        ).fetchall()
        count = system.funds.head()
        conn.execute(
            "CREATE TABLE raw_copy (id bigint, originator_id uuid,"
            " originator_version bigint, topic text, state bytea)"
        )
        oid = uuid4()
        started = perf_counter()
        with conn.cursor().copy("COPY raw_copy FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "uuid", "int8", "text", "bytea"])
            for n in range(count):
                version, topic, state = rows[n % len(rows)]
                copy.write_row((n, oid, version, topic, state))
        conn.commit()
        seconds = perf_counter() - started
        conn.execute("DROP TABLE raw_copy")
        conn.commit()
    return count / seconds


def command(database: Database, *args: str) -> tuple[float, float]:
    """Runs a fundledger command on the database: seconds and peak MiB, the
    sum of the high-water marks of the process and of every process it
    started (a forked child's rusage would count the benchmark's memory)."""
    env = os.environ | {"DATABASE_URL": database.conninfo}
    started = perf_counter()
    process = subprocess.Popen(
        [Path(sys.executable).with_name("fundledger"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peaks: dict[int, int] = {}
    while process.poll() is None:
        for pid in family(process.pid):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
        time.sleep(0.05)
    seconds = perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"fundledger {' '.join(args)} failed ({process.returncode})")
    return seconds, sum(peaks.values()) / 1024  # KiB


def family(pid: int) -> list[int]:
    """The process and its descendants."""
    found, queue = [], [pid]
    while queue:
        found.append(current := queue.pop())
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += map(int, (task / "children").read_text().split())
    return found
