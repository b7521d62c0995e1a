"""PostgreSQL killed under a running `fundledger serve`: the embedded server is
started again in its own folder and the service answers again within
seconds, refusing quickly meanwhile; what it acknowledged before is there
exactly once, and nothing is left running once it stops. A server given in
DATABASE_URL is never started by the service, only reconnected to."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import psycopg

from domain.school import School, Term
from infra.database import (
    Embedded,
    Postmaster,
    ensure_database,
    start_embedded,
)
from infra.tokens import Role
from tests.conftest import make_system
from tests.e2e.conftest import free_port

CLI = [sys.executable, "-c", "from api.cli import main; main()"]
BACK_WITHIN = 15.0  # seconds from the kill until requests succeed again
REFUSED_WITHIN = 3.0  # seconds a request may take to be refused meanwhile
DISTRICT, SCHOOL = "Died", "DX-1"
SCOPE = ("--district", DISTRICT, "--school", SCHOOL)
SCHOOL_ID = School.id_for(SCHOOL)
TERM_ID = Term.id_for(SCHOOL_ID, "T1")
TERM = {
    "code": "T1",
    "starts": "2026-09-01",
    "ends": "2027-01-15",
    "fee_per_term": "300.00",
    "fee_cap": "360.00",
    "planned_sessions": 10,
}


def environment(home: Path, port: int, url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FUNDLEDGER_HOME": str(home), "FUNDLEDGER_PORT": str(port)}
    return env | ({"DATABASE_URL": url} if url else {})


def admin_token(env: dict[str, str]) -> str:
    created = subprocess.run(
        [*CLI, "tokens", "create", "--role", "school_admin", *SCOPE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return created.stdout.strip()


@contextmanager
def served(
    env: dict[str, str], token: str
) -> Iterator[tuple[subprocess.Popen, httpx.Client]]:
    base = f"http://127.0.0.1:{env['FUNDLEDGER_PORT']}"
    server = subprocess.Popen([*CLI, "serve"], env=env, stderr=subprocess.DEVNULL)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            deadline = time.monotonic() + 60
            while not answers(http, "/health"):
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            yield server, http
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(60)


def answers(http: httpx.Client, path: str) -> bool:
    try:
        return http.get(path).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Outage:
    back_after: float  # seconds from the kill to the first success
    slowest_refusal: float  # seconds, of the requests refused meanwhile
    refused: int


def until_answered(send: Callable[[], httpx.Response], since: float) -> Outage:
    """Sends until the answer is not a 503; every 503 must come quickly."""
    slowest, refused = 0.0, 0
    while True:
        sent = time.monotonic()
        answer = send()
        took = time.monotonic() - sent
        if answer.status_code != 503:
            assert answer.status_code < 300, answer.text
            return Outage(time.monotonic() - since, slowest, refused)
        slowest, refused = max(slowest, took), refused + 1
        assert time.monotonic() - since < BACK_WITHIN, "the service did not recover"
        time.sleep(0.1)


def register_school(http: httpx.Client) -> int:
    body = {"district": DISTRICT, "code": SCHOOL, "name": "Yungang Road Primary"}
    answer = http.post("/v1/schools", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["position"]


def history(http: httpx.Client, entity, position: int) -> list[dict]:
    answer = http.get(f"/v1/history/{entity}", params={"min_position": position})
    assert answer.status_code == 200, answer.text
    return answer.json()


def read_history(http: httpx.Client, position: int) -> httpx.Response:
    # read models commit without waiting for the disk: a crash may take their
    # last batch back, to be projected again
    params = {"min_position": position}
    return http.get(f"/v1/history/{SCHOOL_ID}", params=params)


def open_term(http: httpx.Client) -> httpx.Response:
    # the same key on every attempt: a refused attempt wrote nothing anyway
    headers = {"Idempotency-Key": "open-T1"}
    return http.post(f"/v1/schools/{SCHOOL_ID}/terms", json=TERM, headers=headers)


def running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie waiting to be reaped has ended)."""
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def server_processes(pgdata: Path) -> list[psutil.Process]:
    """The PostgreSQL processes of this data folder, and of no other."""
    found = [
        p
        for p in psutil.process_iter(["name", "cwd"])
        if p.info["name"] == "postgres" and p.info["cwd"] == str(pgdata)
    ]
    return running(found)


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def kill_postmaster(pgdata: Path) -> tuple[Postmaster, list[psutil.Process]]:
    postmaster = Postmaster.of(pgdata)
    assert postmaster is not None and postmaster.alive()
    processes = server_processes(pgdata)
    assert postmaster.pid in {p.pid for p in processes}
    os.kill(postmaster.pid, signal.SIGKILL)
    return postmaster, processes


@contextmanager
def busy_backend(pgdata: Path) -> Iterator[list[Exception]]:
    """A backend computing a long query, which does not notice its
    postmaster's death: the ending of the query, once the block is left."""
    socket = Postmaster.of(pgdata).socket_lock.parent
    ended: list[Exception] = []

    def query() -> None:
        with psycopg.connect(host=str(socket), user="postgres") as conn:
            try:
                conn.execute("SELECT count(*) FROM generate_series(1, 1e11)")
            except psycopg.OperationalError as error:
                ended.append(error)

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    wait_until(
        lambda: any("SELECT" in p.cmdline()[0] for p in server_processes(pgdata)),
        10,
        "the query did not start",
    )
    yield ended
    thread.join(10)


def stop(server: subprocess.Popen, pgdata: Path) -> None:
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 128 + signal.SIGTERM
    wait_until(
        lambda: not server_processes(pgdata),
        30,
        "processes of the embedded PostgreSQL remain",
    )
    assert not (pgdata / "postmaster.pid").exists()


def test_a_killed_embedded_server_is_started_again_and_keeps_what_was_written(
    tmp_path,
):
    env = environment(tmp_path / "home", free_port())
    pgdata = (tmp_path / "home" / "pgdata").resolve()
    with served(env, admin_token(env)) as (server, http):
        registered = register_school(http)
        assert len(history(http, SCHOOL_ID, registered)) == 1

        with busy_backend(pgdata) as ended:
            before, old = kill_postmaster(pgdata)
            killed = time.monotonic()
            write = until_answered(lambda: open_term(http), killed)
            read = until_answered(
                lambda: read_history(http, registered), time.monotonic()
            )
        assert ended, "the busy backend outlived its postmaster"

        assert write.back_after < BACK_WITHIN
        assert write.slowest_refusal < REFUSED_WITHIN
        assert read.back_after < REFUSED_WITHIN
        after = Postmaster.of(pgdata)
        assert after is not None and after.pid != before.pid
        assert after.socket_lock == before.socket_lock  # same socket and port
        assert not running(old)
        opened = open_term(http)  # sent again: answered from its key
        assert opened.status_code == 201
        position = opened.json()["position"]
        [school] = history(http, SCHOOL_ID, position)
        [term] = history(http, TERM_ID, position)
        assert (school["position"], term["position"]) == (registered, position)
        assert http.get("/health").json()["head"] == position
        stop(server, pgdata)


def test_a_lock_file_naming_a_process_not_yet_reaped_does_not_keep_it_down(
    tmp_path,
):
    """PostgreSQL refuses to start while the pid in postmaster.pid exists, as
    a dead postmaster's does until its parent reaps it."""
    env = environment(tmp_path / "home", free_port())
    pgdata = (tmp_path / "home" / "pgdata").resolve()
    with served(env, admin_token(env)) as (server, http):
        registered = register_school(http)
        server.send_signal(signal.SIGSTOP)
        try:
            _, old = kill_postmaster(pgdata)
            wait_until(lambda: not running(old), 10, "the old server lingers")
            unreaped = subprocess.Popen(["true"])
            wait_until(
                lambda: psutil.Process(unreaped.pid).status() == psutil.STATUS_ZOMBIE,
                10,
                "no zombie",
            )
            lock = pgdata / "postmaster.pid"
            lines = lock.read_text().splitlines(keepends=True)
            lock.write_text(f"{unreaped.pid}\n" + "".join(lines[1:]))
        finally:
            server.send_signal(signal.SIGCONT)
        read = until_answered(lambda: read_history(http, registered), time.monotonic())
        unreaped.wait()
        assert read.back_after < BACK_WITHIN
        assert len(history(http, SCHOOL_ID, registered)) == 1
        stop(server, pgdata)


def test_a_server_in_database_url_is_waited_for_and_reconnected_to(tmp_path):
    external = (tmp_path / "external").resolve()
    database = ensure_database(start_embedded(external), "fundledger")
    system = make_system(database)
    _, token = system.tokens.create(
        subject="admin", role=Role.SCHOOL_ADMIN, district=DISTRICT, schools=(SCHOOL,)
    )
    system.close()
    home = tmp_path / "home"
    env = environment(home, free_port(), database.url)
    try:
        with served(env, token) as (server, http):
            registered = register_school(http)
            _, old = kill_postmaster(external)
            # a process killed is still seen running for a moment
            wait_until(lambda: not running(old), 10, "the killed server lingers")
            killed = time.monotonic()
            while time.monotonic() - killed < 3:
                sent = time.monotonic()
                assert read_history(http, registered).status_code == 503
                assert time.monotonic() - sent < REFUSED_WITHIN
                assert not Embedded(external).running(), "the service started it"
                time.sleep(0.2)
            assert Embedded(external).revive()
            read = until_answered(lambda: open_term(http), time.monotonic())
            assert read.back_after < REFUSED_WITHIN
            assert len(history(http, SCHOOL_ID, registered)) == 1
            server.send_signal(signal.SIGTERM)
            assert server.wait(60) == 128 + signal.SIGTERM
        assert not (home / "pgdata").exists()
    finally:
        Embedded(external).server.cleanup()  # stopped now, not again at exit
