"""Several districts, each on its own PostgreSQL, served by one process: a
request is answered from the database of the district that holds its token,
and a district added while serving is served without a restart."""

import atexit
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import psycopg
import pytest
import uvicorn
from typer.testing import CliRunner

from api.app import create_app
from api.bootstrap import System
from api.cli import cli
from api.districts import Districts
from domain.payment import Payment
from domain.school import School
from infra import districts
from infra.database import Database, ensure_database, start_throwaway
from infra.settings import Settings
from infra.tokens import Role
from samples.simulate import Plan, simulate
from tests.conftest import make_system
from tests.console_client import signed_in

PINGCHENG, YUNGANG, DATONG = "Pingcheng", "Yungang", "Datong"
PAYMENT = {
    "student_id": "YUN-000-00-01",
    "amount": "120.00",
    "channel": "wechat",
    "reference": "WX-DISTRICT-1",
    "received_on": "2026-09-03",
}


def load_district(database: Database, name: str) -> int:
    """A small term of one school in the district; the log's head."""
    system = make_system(database)
    try:
        simulate(system.bus, Plan(schools=1, students=40, days=5, district=name))
        return system.funds.head()
    finally:
        system.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Projecting:
    """Projects each district's log from when its System is opened."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, name: str, system: System) -> None:
        thread = threading.Thread(
            target=system.projector.run_forever, args=(self.stop, 0.2), daemon=True
        )
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


@contextmanager
def serving(home_system: System, served: Districts) -> Iterator[str]:
    port = free_port()
    app = create_app(home_system, served)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def fundledger(home: Path, *args: str, database: Database | None = None):
    env = {"FUNDLEDGER_HOME": str(home)}
    env |= {"DATABASE_URL": database.url} if database else {}
    return CliRunner().invoke(cli, list(args), env=env)


@dataclass
class City:
    home: Path
    districts: Districts
    base_url: str
    heads: dict[str, int]
    tokens: dict[str, str]
    second_server: Database
    own: Database  # the serving process's own database

    def client(self, token: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def database(self, name: str) -> Database:
        return self.districts.system(name).database


@pytest.fixture(scope="module")
def city(pg_server) -> Iterator[City]:
    """Pingcheng on a server of its own, named by URL; Yungang on the
    embedded server the districts file gives it by default; the serving
    process's own database on a third."""
    # PostgreSQL runs as another user when the tests run as root
    home = Path(tempfile.mkdtemp(prefix="fundledger-city-"))
    home.chmod(0o755)
    # after Yungang's server has stopped at exit (last registered, first run)
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    second = start_throwaway("fundledger-pingcheng-")
    pingcheng = ensure_database(second, "pingcheng")
    districts.add(home, PINGCHENG, pingcheng.url)
    districts.add(home, YUNGANG)
    settings = Settings(home=home)
    listed = districts.load(home).named(YUNGANG)
    yungang = districts.open_district(home, listed, settings.database)
    heads = {PINGCHENG: load_district(pingcheng, PINGCHENG)}
    heads[YUNGANG] = load_district(yungang, YUNGANG)
    projecting = Projecting()
    served = Districts(settings, open_system=make_system, opened=projecting)
    tokens = {
        "regulator-pingcheng": served.system(PINGCHENG).tokens.create(
            subject="regulator-pingcheng", role=Role.REGULATOR, district=PINGCHENG
        )[1],
        "bursar-yun-000": served.system(YUNGANG).tokens.create(
            subject="bursar-yun-000", role=Role.BURSAR, schools=("YUN-000",)
        )[1],
    }
    home_system = make_system(ensure_database(pg_server, f"home_{uuid4().hex[:12]}"))
    try:
        with serving(home_system, served) as base_url:
            own = home_system.database
            yield City(home, served, base_url, heads, tokens, second, own)
    finally:
        projecting.close()
        served.close()
        home_system.close()


def events_of(database: Database, entity) -> int:
    with psycopg.connect(database.conninfo) as conn:
        return conn.execute(
            "SELECT count(*) FROM funds_events WHERE originator_id = %s", (entity,)
        ).fetchone()[0]


def test_a_district_regulator_sees_its_schools_and_no_other_districts(city):
    regulator = city.client(city.tokens["regulator-pingcheng"])
    head = city.heads[PINGCHENG]
    own = regulator.get(f"/v1/districts/{PINGCHENG}/funds?min_position={head}")
    assert own.status_code == 200, own.text
    schools = {school["school_id"] for school in own.json()["schools"]}
    assert schools == {str(School.id_for("PIN-000"))}
    other = School.id_for("YUN-000")
    assert regulator.get(f"/v1/schools/{other}/fund").status_code == 404
    assert regulator.get(f"/v1/districts/{YUNGANG}/funds").status_code == 404


def test_a_bursars_payment_lands_in_its_districts_database_only(city):
    school = School.id_for("YUN-000")
    bursar = city.client(city.tokens["bursar-yun-000"])
    paid = bursar.post(f"/v1/schools/{school}/payments", json=PAYMENT)
    assert paid.status_code == 201, paid.text
    payment = Payment.id_for(school, PAYMENT["channel"], PAYMENT["reference"])
    assert events_of(city.database(YUNGANG), payment) == 1
    assert events_of(city.database(PINGCHENG), payment) == 0
    position = paid.json()["position"]
    balance = bursar.get(
        f"/v1/schools/{school}/students/{PAYMENT['student_id']}/balance",
        params={"min_position": position},
    )
    assert balance.status_code == 200, balance.text


def test_a_token_no_district_holds_is_refused(city):
    school = School.id_for("YUN-000")
    refused = city.client("fl_nobody").get(f"/v1/schools/{school}/fund")
    assert refused.status_code == 401


def test_a_school_is_known_by_the_district_it_is_registered_in(city):
    assert city.districts.district_of_school("YUN-000") == YUNGANG
    assert city.districts.district_of_school("PIN-000") == PINGCHENG
    assert city.districts.district_of_school("ELSEWHERE-1") is None


def test_a_district_added_while_serving_is_served_without_a_restart(city):
    pingcheng = city.districts.system(PINGCHENG)
    datong = ensure_database(city.second_server, "datong")
    head = load_district(datong, DATONG)
    writer = make_system(datong)
    try:
        _, token = writer.tokens.create(
            subject="regulator-datong", role=Role.REGULATOR, district=DATONG
        )
    finally:
        writer.close()
    added = fundledger(
        city.home, "districts", "add", DATONG, "--database-url", datong.url
    )
    assert added.exit_code == 0, added.output
    answer = city.client(token).get(
        f"/v1/districts/{DATONG}/funds", params={"min_position": head}
    )
    assert answer.status_code == 200, answer.text
    assert city.districts.system(PINGCHENG) is pingcheng
    regulator = city.client(city.tokens["regulator-pingcheng"])
    assert regulator.get(f"/v1/districts/{DATONG}/funds").status_code == 404


def test_a_token_is_kept_in_the_database_of_its_schools_district(city):
    school = School.id_for("YUN-000")
    created = fundledger(
        city.home,
        *("tokens", "create", "--role", "auditor", "--school", "YUN-000"),
        database=city.own,
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert city.client(token).get(f"/v1/schools/{school}/fund").status_code == 200
    assert city.districts.district_of_token(token) == YUNGANG


def test_a_token_for_a_district_not_served_is_refused_and_not_created(city):
    created = fundledger(
        city.home,
        *("tokens", "create", "--role", "regulator", "--district", "Nowhere"),
        database=city.own,
    )
    assert created.exit_code == 2
    assert "No district served here has that name" in created.output


def test_each_districts_staff_sign_in_to_the_console_served_from_their_database(city):
    with signed_in(city.base_url, city.tokens["regulator-pingcheng"]) as regulator:
        home = regulator.get("/")
        assert home.url.path == "/regulator"
        assert "PIN-000" in home.text and "YUN-000" not in home.text
        assert regulator.cookies["fl_district"] == PINGCHENG
        other = regulator.get(f"/regulator/schools/{School.id_for('YUN-000')}")
        assert other.status_code == 404
    with signed_in(city.base_url, city.tokens["bursar-yun-000"]) as bursar:
        assert bursar.get("/").url.path == "/bursar"
        assert bursar.cookies["fl_district"] == YUNGANG
    assert sessions_in(city.database(PINGCHENG)) == 1
    assert sessions_in(city.database(YUNGANG)) == 1
    assert sessions_in(city.own) == 0


def test_a_session_sent_to_another_district_is_nobody_signed_in(city):
    with signed_in(city.base_url, city.tokens["regulator-pingcheng"]) as regulator:
        for elsewhere in (YUNGANG, "Nowhere"):
            regulator.cookies.delete("fl_district")
            regulator.cookies.set("fl_district", elsewhere, domain="127.0.0.1")
            assert regulator.get("/regulator").url.path == "/sign-in"


def sessions_in(database: Database) -> int:
    with psycopg.connect(database.conninfo) as conn:
        return conn.execute("SELECT count(*) FROM console_sessions").fetchone()[0]


def test_a_guardians_login_code_is_redeemed_in_its_schools_district(city):
    issue = city.districts.system(YUNGANG).tokens.issue_login_code
    code, _ = issue("YUN-000", "YUN-000-G01")
    with httpx.Client(base_url=city.base_url, timeout=30) as anyone:
        redeemed = anyone.post("/v1/login", json={"login_code": code})
        again = anyone.post("/v1/login", json={"login_code": code})
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["school"] == "YUN-000"
    assert again.status_code == 401
    guardian = city.client(redeemed.json()["token"])
    assert guardian.get("/v1/guardian/children").status_code == 200

    code, _ = issue("YUN-000", "YUN-000-G02")
    with httpx.Client(base_url=city.base_url, follow_redirects=True) as phone:
        page = phone.get("/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        home = phone.post("/sign-in/code", data={"csrf": csrf, "login_code": code})
        assert home.url.path == "/guardian"
        assert phone.cookies["fl_district"] == YUNGANG
