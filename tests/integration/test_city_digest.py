"""Audit across districts: a city digest signs the heads of two districts,
each on a PostgreSQL server of its own, and `fundledger verify --city`
checks every district's whole log against it, naming any that fails."""

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli import cli
from infra import districts
from infra.city_digest import CityDigest, DistrictProof
from infra.database import Database, ensure_database
from infra.digests import check_against, load_key_set
from tests.integration.test_districts import load_district
from tests.integration.test_rollup import (
    PINGCHENG,
    YUNGANG,
    Server,
    district,
    pay,
    server_of_its_own,
)

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def servers() -> dict[str, Server]:
    return {
        name: server_of_its_own(f"fundledger-{name.lower()}-")
        for name in (PINGCHENG, YUNGANG)
    }


@dataclass
class City:
    home: Path
    databases: dict[str, Database]
    servers: dict[str, Server]

    def fundledger(self, *args: str):
        env = {
            "FUNDLEDGER_HOME": str(self.home),
            "FUNDLEDGER_KEY_PASSPHRASE": PASSPHRASE,
        }
        return CliRunner().invoke(cli, list(args), env=env)

    def sign(self) -> Path:
        made = self.fundledger("digest", "--city", "Datong")
        assert made.exit_code == 0, made.output
        [saved] = (self.home / "digests").glob("city-Datong-*.json")
        return saved

    def tamper(self, name: str, sql: str) -> None:
        with psycopg.connect(self.databases[name].conninfo, autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture
def city(servers) -> Iterator[City]:
    """Two districts with a term of one school each, on their own servers."""
    home = Path(tempfile.mkdtemp(prefix="fundledger-city-digest-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    databases = {
        name: ensure_database(server.admin, f"{name.lower()}_{uuid4().hex[:8]}")
        for name, server in servers.items()
    }
    for name, database in databases.items():
        districts.add(home, name, database.url)
        load_district(database, name)
    city = City(home, databases, servers)
    assert city.fundledger("keys", "create").exit_code == 0
    yield city
    for server, database in zip(servers.values(), databases.values(), strict=True):
        with psycopg.connect(server.admin.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database.dbname}" WITH (FORCE)')


def test_both_districts_pass_against_the_city_digest_as_their_logs_grow(city):
    saved = city.sign()
    signed = CityDigest.from_json(saved.read_text())
    assert signed.names() == [PINGCHENG, YUNGANG]
    for name in (PINGCHENG, YUNGANG):
        kept = list((city.home / "digests" / name).glob("digest-*.json"))
        assert [json.loads(p.read_text()) for p in kept] == [
            json.loads(signed.to_json())["districts"][signed.names().index(name)][
                "digest"
            ]
        ]
    pay(city.databases[YUNGANG], "WX-CITY-1")

    verified = city.fundledger("verify", "--city", str(saved))

    assert verified.exit_code == 0, verified.output
    assert f"district {PINGCHENG}: intact up to position" in verified.output
    assert f"district {YUNGANG}: intact up to position" in verified.output
    assert "the log extends the digest" in verified.output
    assert f"holds for {PINGCHENG}, {YUNGANG}" in verified.output


def test_a_row_altered_in_one_districts_events_fails_naming_that_district(city):
    saved = city.sign()
    city.tamper(
        YUNGANG,
        "UPDATE funds_events SET state = set_byte(state, 3, get_byte(state, 3) # 1)"
        " WHERE notification_id = 7",
    )

    verified = city.fundledger("verify", "--city", str(saved))

    assert verified.exit_code == 1
    assert f"district {YUNGANG}: tampering found at position 7" in verified.output
    assert f"district {PINGCHENG}: intact up to position" in verified.output
    assert f"not verified against the city digest: {YUNGANG}" in verified.output


def test_a_history_cut_short_with_its_chain_fails_against_the_city_digest(city):
    """A thorough attacker drops the last events with their chain entries and
    the stored tree: the chain alone is intact, the signed digest is not."""
    saved = city.sign()
    city.tamper(
        YUNGANG,
        "DELETE FROM funds_events WHERE notification_id >="
        " (SELECT max(notification_id) - 3 FROM funds_events);"
        " DELETE FROM funds_chain WHERE position >="
        " (SELECT max(position) - 3 FROM funds_chain);"
        " TRUNCATE funds_chain_checkpoints, funds_chain_leaves, funds_chain_nodes",
    )

    verified = city.fundledger("verify", "--city", str(saved), "--district", YUNGANG)

    assert verified.exit_code == 1, verified.output
    assert f"district {YUNGANG}: the log has " in verified.output
    assert "fewer than the digest's" in verified.output


def test_a_city_digest_with_a_district_digest_swapped_is_refused(city):
    first = city.fundledger("digest", "--district", YUNGANG)
    assert first.exit_code == 0, first.output
    earlier = json.loads(first.stdout)
    pay(city.databases[YUNGANG], "WX-CITY-2")
    saved = city.sign()
    forged = json.loads(saved.read_text())
    forged["districts"][1]["digest"] = earlier
    saved.write_text(json.dumps(forged))

    verified = city.fundledger("verify", "--city", str(saved))

    assert verified.exit_code == 1
    assert "the city digest of Datong is refused" in verified.output
    assert "signature does not verify" in verified.output
    assert "intact" not in verified.output


@pytest.mark.parametrize("field", ["root", "signature"])
def test_a_city_digest_with_its_root_or_signature_altered_is_refused(city, field):
    saved = city.sign()
    forged = json.loads(saved.read_text())
    forged[field] = ("0" if forged[field][0] != "0" else "1") + forged[field][1:]
    saved.write_text(json.dumps(forged))

    verified = city.fundledger("verify", "--city", str(saved))

    assert verified.exit_code == 1
    assert "signature does not verify" in verified.output


def test_one_districts_digest_is_checked_by_its_audit_path_alone(city):
    signed = CityDigest.from_json(city.sign().read_text())
    keys = load_key_set(city.home / "keys" / "public-keys.json")
    handed = DistrictProof.from_json(signed.proof_of(PINGCHENG).to_json())

    assert handed.holds(signed.root)
    with district(city.databases[PINGCHENG]) as system:
        assert check_against(system.chain, handed.digest, keys).intact
    assert not DistrictProof(
        YUNGANG, handed.digest, handed.index, handed.size, handed.path
    ).holds(signed.root)


def test_verify_names_one_district_and_refuses_one_not_in_the_city_digest(city):
    saved = city.sign()

    one = city.fundledger("verify", "--city", str(saved), "--district", PINGCHENG)
    absent = city.fundledger("verify", "--city", str(saved), "--district", "Hunyuan")

    assert one.exit_code == 0, one.output
    assert f"district {PINGCHENG}: intact" in one.output
    assert YUNGANG not in one.output
    assert absent.exit_code == 1
    assert "district Hunyuan is not in the city digest of Datong" in absent.output


def test_a_city_name_that_cannot_name_a_file_is_refused(city):
    refused = city.fundledger("digest", "--city", "../Datong")

    assert refused.exit_code == 2 and "a city's name is 1 to 64" in refused.output
    assert not (city.home / "digests").exists()


def test_a_district_digest_is_kept_under_its_name(city):
    made = city.fundledger("digest", "--district", PINGCHENG)
    unknown = city.fundledger("digest", "--district", "Hunyuan")

    assert made.exit_code == 0, made.output
    position = json.loads(made.stdout)["position"]
    kept = city.home / "digests" / PINGCHENG / f"digest-{position}.json"
    assert json.loads(kept.read_text()) == json.loads(made.stdout)
    assert unknown.exit_code == 2 and "no district Hunyuan" in unknown.output


def test_a_district_that_does_not_answer_is_named_and_nothing_is_signed(city):
    saved = city.sign()
    city.servers[YUNGANG].stop()
    try:
        made = city.fundledger("digest", "--city", "Datong")
        verified = city.fundledger("verify", "--city", str(saved))
    finally:
        city.servers[YUNGANG].start()

    assert made.exit_code == 1
    assert f"no city digest of Datong: district {YUNGANG}: does not answer" in (
        made.output
    )
    assert list((city.home / "digests").glob("city-*.json")) == [saved]
    assert verified.exit_code == 1
    assert f"district {YUNGANG}: does not answer" in verified.output
    assert f"not verified against the city digest: {YUNGANG}" in verified.output
