"""Read models are exactly-once: batched, restarted, raced or rebuilt, the
tables come out the same."""

import os
import signal
import subprocess
import sys
import threading
import time
from uuid import uuid4

import psycopg
import pytest

from api.bootstrap import rebuild_side_by_side
from application import commands as c
from domain.facts import Actor
from domain.school import School
from infra.database import ensure_database
from projections.views import PROJECTIONS, SIDE_BY_SIDE
from samples.pingcheng import load_sample
from samples.registration import load_registrations
from tests.conftest import make_system

TABLES = {t.name: t.key for p in PROJECTIONS for t in p.view_class.tables}


def dump(system) -> dict[str, list[tuple]]:
    with psycopg.connect(system.database.conninfo) as conn:
        return {
            name: conn.execute(
                f"SELECT * FROM {name} ORDER BY {', '.join(key)}"
            ).fetchall()
            for name, key in TABLES.items()
        }


@pytest.fixture(scope="module")
def sampled(pg_server):
    """The sample term, written once for this module's tests."""
    database = ensure_database(pg_server, f"sample_{uuid4().hex[:12]}")
    system = make_system(database)
    load_sample(system.bus)
    load_registrations(system.bus)
    system.projector.rebuild()
    expected = dump(system)
    system.close()
    return database, expected


@pytest.fixture
def system(sampled):
    system = make_system(sampled[0])
    system.projector.rebuild()
    yield system
    system.close()


def test_a_rebuild_gives_identical_tables(sampled, system):
    assert dump(system) == sampled[1]
    assert sum(len(rows) for rows in sampled[1].values()) > 1000
    assert sampled[1]["registrations"] and sampled[1]["leave_requests"]


def test_one_event_per_batch_gives_the_same_tables_as_large_batches(sampled):
    system = make_system(sampled[0], projection_batch=1)
    system.projector.reset()
    for _ in range(50):
        system.projector.run_once()
    assert 0 < system.projector.position() < system.funds.head()
    system.projector.catch_up()
    assert dump(system) == sampled[1]
    system.close()


def test_a_killed_projection_process_resumes_without_loss_or_repeats(sampled, system):
    system.projector.reset()
    head = system.funds.head()
    env = os.environ | {
        "DATABASE_URL": system.database.url,
        "FUNDLEDGER_PROJECTION_BATCH": "5",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "project"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while system.projector.position() < head // 3:
            assert time.monotonic() < deadline, (
                "the projection process made no progress"
            )
            assert process.poll() is None, "the projection process died by itself"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        process.kill()
    stopped_at = system.projector.position()
    assert stopped_at < head, "killed too late to prove anything"
    system.projector.catch_up()
    assert dump(system) == sampled[1]


def test_two_runners_racing_apply_each_event_once(sampled):
    systems = [make_system(sampled[0], projection_batch=7) for _ in range(2)]
    systems[0].projector.reset()
    threads = [threading.Thread(target=s.projector.catch_up) for s in systems]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert dump(systems[0]) == sampled[1]
    for s in systems:
        s.close()


def test_a_rebuild_in_two_processes_gives_identical_tables(sampled, system):
    system.projector.reset()
    assert rebuild_side_by_side(system) == system.funds.head()
    assert dump(system) == sampled[1]


def test_runners_of_different_read_models_project_side_by_side(sampled):
    ledger, others = SIDE_BY_SIDE
    systems = [make_system(sampled[0], projection_batch=7) for _ in range(2)]
    systems[0].projector.reset()
    runners = [systems[0].projector.only(ledger), systems[1].projector.only(others)]
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.position() for r in runners} == {systems[0].funds.head()}
    assert dump(systems[0]) == sampled[1]
    for s in systems:
        s.close()


def test_a_running_projection_stays_awake_after_a_burst_of_commits(database):
    """Each commit queues a notice; the runner wakes once for all those queued
    rather than lingering once per notice, deaf to what comes next."""
    system = make_system(database)
    stop = threading.Event()
    runner = threading.Thread(
        target=system.projector.run_forever, args=(stop,), kwargs={"linger": 0.2}
    )
    runner.start()
    admin = Actor("admin", "school_admin")
    try:
        for n in range(100):
            system.bus.handle(c.RegisterSchool("Burst", f"B{n:03d}", "B"), admin)
        assert system.projector.wait(system.funds.head(), timeout=10.0)
        system.bus.handle(c.RegisterSchool("Burst", "LATE", "Late"), admin)
        head = system.funds.head()
        assert system.projector.wait(head, timeout=5.0), (
            f"at {system.projector.position()} of {head} five seconds after "
            "one more commit"
        )
        assert School.id_for("LATE") in system.queries.schools_in("Burst")
    finally:
        stop.set()
        runner.join()
        system.close()
