"""`fundledger serve` runs the scheduler beside the API, and SIGTERM and
SIGINT stop the server and its embedded PostgreSQL."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.conftest import free_port

CLI = [sys.executable, "-c", "from api.cli import main; main()"]


def environment(home, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return env | {"FUNDLEDGER_HOME": str(home), "FUNDLEDGER_PORT": str(port)}


def served(home, port: int, *options: str, **settings: str) -> subprocess.Popen:
    env = environment(home, port) | settings
    server = subprocess.Popen(
        [*CLI, "serve", *options], env=env, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200:
                return server
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_and_its_embedded_database(tmp_path, signum):
    home = tmp_path / "home"
    server = served(home, free_port())
    postmaster = home / "pgdata" / "postmaster.pid"
    assert postmaster.exists()
    server.send_signal(signum)
    server.wait(timeout=60)
    deadline = time.monotonic() + 30
    while postmaster.exists():
        assert time.monotonic() < deadline, "the embedded PostgreSQL still runs"
        time.sleep(0.2)


def watch_rounds(home, port: int) -> list[dict]:
    token = subprocess.run(
        [*CLI, "tokens", "create", "--role", "auditor", "--district", "Any"],
        env=environment(home, port),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    answer = httpx.get(
        f"http://127.0.0.1:{port}/v1/audit/runs",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return [run for run in answer.json() if run["job"] == "watch"]


@pytest.mark.parametrize("scheduling", [True, False])
def test_the_server_runs_the_watch_rounds_unless_told_not_to(tmp_path, scheduling):
    home, port = tmp_path / "home", free_port()
    option = "--scheduler" if scheduling else "--no-scheduler"
    server = served(home, port, option, FUNDLEDGER_WATCH_EVERY="0.5")
    try:
        time.sleep(2.0)
        rounds = watch_rounds(home, port)
    finally:
        server.terminate()
        server.wait(timeout=60)
    if scheduling:
        assert len(rounds) >= 2 and all(run["ok"] for run in rounds), rounds
    else:
        assert rounds == []
