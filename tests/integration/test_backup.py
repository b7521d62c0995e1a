"""A backup holds what no rebuild makes again; restored into an empty
database, it gives the same log, the same chain and the same read models."""

import re
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from api.cli import cli
from application import commands as c
from domain.facts import Actor
from domain.person import Kind
from domain.refund import Refund
from domain.school import School
from infra.backup import BackupError, Tables, backup, client_tools, run
from infra.database import Database, ensure_database
from infra.registry import Reader
from samples.pingcheng import load_sample
from tests.builders import ADMIN
from tests.conftest import make_system
from tests.integration.test_projections import TABLES, dump

PC_101 = School.id_for("PC-101")
READER = Reader("auditor", "auditor", "GET /v1/people/{person_id}")
DURABLE = (
    "funds_events",
    "funds_chain",
    "event_schools",
    "school_heads",
    "idempotency_keys",
    "api_tokens",
    "people",
    "person_keys",
    "person_notes",
    "guardian_children",
    "personal_data_reads",
    "login_codes",
)


def fundledger(database: Database, *args: str):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", database.url)
        return CliRunner().invoke(cli, list(args))


def stored(database: Database) -> dict[str, list[tuple]]:
    """Every durable row, and where the events' sequence stands."""
    with psycopg.connect(database.conninfo) as conn:
        rows = {
            name: conn.execute(
                sql.SQL("SELECT * FROM {} AS r ORDER BY r::text").format(
                    sql.Identifier(name)
                )
            ).fetchall()
            for name in DURABLE
        }
        sequence = "SELECT last_value FROM funds_events_notification_id_seq"
        return rows | {"sequence": conn.execute(sequence).fetchall()}


@pytest.fixture(scope="module")
def backed_up(pg_server, tmp_path_factory):
    """The sample term with a token, projected, and backed up by the CLI."""
    database = ensure_database(pg_server, f"source_{uuid4().hex[:12]}")
    system = make_system(database)
    load_sample(system.bus)
    system.tokens.create(subject="bursar", role="bursar", schools=("PC-101",))
    pupil = {"name": "王小明", "grade": 3, "class_name": "3A"}
    person = system.registry.record(PC_101, Kind.STUDENT, "PC-101-S001", pupil)
    system.registry.read([person], READER)  # a logged read
    system.tokens.issue_login_code("PC-101", "PC-101-G001")
    asked = c.RequestRefund(PC_101, "PC-101-S001", 100, "paid twice", "RF-BACKUP")
    system.bus.handle(asked, Actor("bursar", "bursar"))
    system.projector.catch_up()
    expected = dump(system), stored(database), system.chain.head()
    system.close()
    path = tmp_path_factory.mktemp("backups") / "fund.backup"
    written = fundledger(database, "backup", str(path))
    assert written.exit_code == 0, written.output
    return database, path, written.output, expected


def test_a_backup_holds_the_log_and_not_the_read_models(backed_up):
    _, path, output, (_, rows, (head, chain_head)) = backed_up
    assert f"{len(rows['funds_events']):,} events up to position {head:,}" in output
    assert chain_head.hex() in output and str(path) in " ".join(output.split())
    assert path.stat().st_mode & 0o077 == 0
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    listing = run([client_tools(180000) / "pg_restore", "--list", path])
    tables = set(re.findall(r" TABLE (?:DATA )?public (\S+) ", listing))
    assert tables == set(DURABLE)
    assert not tables & set(TABLES)


def test_a_restore_into_an_empty_database_gives_the_same_log_and_read_models(
    backed_up, pg_server
):
    _, path, _, (read_models, rows, chain_head) = backed_up
    target = ensure_database(pg_server, f"target_{uuid4().hex[:12]}")

    restored = fundledger(target, "restore", str(path))

    assert restored.exit_code == 0, restored.output
    assert f"intact up to position {chain_head[0]}" in restored.output
    assert stored(target) == rows
    system = make_system(target)
    try:
        assert system.chain.head() == chain_head
        assert system.chain.verify().intact
        assert system.verified.checkpoint().head == chain_head[1]
        assert system.projector.position() == chain_head[0]
        assert dump(system) == read_models
        position = system.bus.handle(c.RegisterSchool("D9", "NEW-1", "New"), ADMIN)
        assert position == rows["sequence"][0][0] + 1
        after = system.chain.verify()
        assert after.intact and after.events == len(rows["funds_events"]) + 1
        refund = Refund.id_for(PC_101, "RF-BACKUP")
        assert system.registry.note(refund, READER) == "paid twice"  # read again
    finally:
        system.close()


def test_a_restore_into_a_database_with_events_is_refused_and_writes_nothing(
    backed_up,
):
    database, path, _, (read_models, rows, _) = backed_up
    system = make_system(database)
    try:
        before = dump(system)

        refused = fundledger(database, "restore", str(path))

        assert refused.exit_code == 2
        assert "is not empty" in refused.output
        assert stored(database) == rows
        assert dump(system) == before == read_models
    finally:
        system.close()


class Vanished(Tables):
    """One table more, which pg_dump does not find."""

    @property
    def durable(self) -> tuple[str, ...]:
        return (*super().durable, "no_such_table")


def test_a_failed_backup_leaves_the_previous_one_and_nothing_else(
    backed_up, tmp_path: Path
):
    database = backed_up[0]
    path = tmp_path / "fund.backup"
    path.write_bytes(b"yesterday's backup")

    with pytest.raises(BackupError, match="pg_dump failed"):
        backup(database, path, Vanished("funds_events", "funds_chain"))

    assert path.read_bytes() == b"yesterday's backup"
    assert list(tmp_path.iterdir()) == [path]
