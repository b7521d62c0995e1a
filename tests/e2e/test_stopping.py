"""SIGTERM and SIGINT stop the server and its embedded PostgreSQL."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.conftest import free_port


def served(home, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FUNDLEDGER_HOME": str(home), "FUNDLEDGER_PORT": str(port)}
    cli = [sys.executable, "-c", "from api.cli import main; main()", "serve"]
    server = subprocess.Popen(cli, env=env, stderr=subprocess.DEVNULL)
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
