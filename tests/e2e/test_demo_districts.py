"""`fundledger demo` as a new user runs it: two districts, each on an
embedded PostgreSQL server of its own, a city regulator who sees both at
their positions, one district stopped (stale in the city view) and started
again (caught up)."""

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.console_client import signed_in
from tests.e2e.conftest import free_port
from tests.e2e.test_stopping import CLI, environment

DISTRICTS = ("Pingcheng", "Yungang")
FIGURES = ("position", "head", "stale", "bank", "held_for_families", "schools")


@dataclass
class Demo:
    home: Path
    base_url: str
    tokens: dict[str, str]

    def city(self) -> dict[str, dict]:
        token = self.tokens["demo-city-regulator"]
        answer = httpx.get(
            f"{self.base_url}/v1/rollup/districts",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return {d["district"]: d for d in answer.json()}

    def districts(self, *args: str) -> str:
        env = environment(self.home, 0)
        done = subprocess.run(
            [*CLI, "districts", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    def until(self, district: str, stale: bool) -> dict:
        """The district's state once stale or not, and once reached, caught up
        with its head (the nightly run may have written since the last round)."""
        deadline = time.monotonic() + 30
        while True:
            state = self.city()[district]
            caught_up = state["position"] == state["head"]
            if state["stale"] == stale and (stale or caught_up):
                return state
            assert time.monotonic() < deadline, state
            time.sleep(0.5)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo") / ".fundledger"
    port = free_port()
    log = (home.parent / "demo.log").open("w")
    running = subprocess.Popen(
        [*CLI, "demo"], env=environment(home, port), stderr=log, stdout=log
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while not _live(base_url):
            assert running.poll() is None, (home.parent / "demo.log").read_text()
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(1)
        issued = json.loads((home / "demo-tokens.json").read_text())
        yield Demo(home, base_url, {k: v["token"] for k, v in issued.items()})
    finally:
        running.send_signal(signal.SIGTERM)
        running.wait(timeout=60)
        log.close()


def _live(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health/live").status_code == 200
    except httpx.TransportError:
        return False


def test_each_district_runs_on_a_server_of_its_own(demo):
    pgdata = [demo.home / "districts" / name / "pgdata" for name in DISTRICTS]
    for folder in (demo.home / "pgdata", *pgdata):
        assert (folder / "postmaster.pid").exists(), folder
    listed = demo.districts("list")
    for name, folder in zip(DISTRICTS, pgdata, strict=True):
        assert f"{name}\t山西省 / 大同市\tembedded in {folder}" in listed


def test_the_city_regulator_sees_both_districts_at_their_positions(demo):
    assert sorted(demo.city()) == list(DISTRICTS)
    for state in map(demo.until, DISTRICTS, (False, False)):
        assert state["position"] == state["head"] > 0
        assert state["schools"] == 2
        assert (state["city"], state["province"]) == ("大同市", "山西省")
    with signed_in(demo.base_url, demo.tokens["demo-city-regulator"]) as regulator:
        page = regulator.get("/")
        assert page.url.path == "/city"
        for name in DISTRICTS:
            assert f'<th scope="row">{name}' in page.text


def test_a_stopped_district_is_stale_and_catches_up_when_started(demo):
    before = demo.until("Yungang", stale=False)
    assert "its server is stopped" in demo.districts("stop", "Yungang")
    try:
        stale = demo.until("Yungang", stale=True)
        # the nightly run may have written between the last round and the stop
        assert stale["position"] >= before["position"]
        assert stale["bank"] == before["bank"]
        time.sleep(6)  # a round later, still its last figures
        later = demo.city()["Yungang"]
        assert [later[k] for k in FIGURES] == [stale[k] for k in FIGURES]
        assert demo.city()["Pingcheng"]["stale"] is False
    finally:
        assert "its server is running" in demo.districts("start", "Yungang")
    caught_up = demo.until("Yungang", stale=False)
    assert caught_up["position"] == caught_up["head"] >= before["position"]
    assert caught_up["bank"] == before["bank"]


def test_each_districts_staff_sign_in_through_one_console(demo):
    for subject, home in (
        ("demo-regulator", "/regulator"),
        ("demo-auditor-yungang", "/auditor"),
        ("demo-bursar-pc-101", "/bursar"),
        ("PC-101-G001", "/guardian"),
    ):
        with signed_in(demo.base_url, demo.tokens[subject]) as person:
            assert person.get("/").url.path == home, subject
