"""Every libpq parameter of DATABASE_URL reaches every connection."""

import os

import psycopg

from infra.database import carry_parameters
from tests.conftest import make_system


def test_parameters_beyond_the_address_reach_the_library_and_our_connections(
    database, tmp_path
):
    url = (
        f"{database.url}?application_name=fundledger-bursary&keepalives_idle=30"
        "&connect_timeout=7&sslmode=disable"
    )
    before = dict(os.environ)
    try:
        os.environ.update(carry_parameters(url, tmp_path))
        system = make_system(database)
        try:
            with system.funds.recorder.datastore.transaction(commit=False) as curs:
                curs.execute("SHOW application_name")
                assert curs.fetchone()["application_name"] == "fundledger-bursary"
            with psycopg.connect(database.conninfo) as conn:
                assert conn.info.parameter_status("application_name") == (
                    "fundledger-bursary"
                )
                assert conn.info.get_parameters()["connect_timeout"] == "7"
        finally:
            system.close()
    finally:
        os.environ.clear()
        os.environ.update(before)
    service = (tmp_path / "pg_service.conf").read_text()
    assert "keepalives_idle=30" in service and "sslmode=disable" in service
    assert (tmp_path / "pg_service.conf").stat().st_mode & 0o777 == 0o600


def test_a_url_with_no_more_than_an_address_needs_no_service(tmp_path):
    assert carry_parameters("postgresql://u:p@h:5433/db", tmp_path) == {}
    assert not (tmp_path / "pg_service.conf").exists()
