"""The supervisor tells a database that does not answer from one that answers
with no room for another connection."""

from dataclasses import replace
from uuid import uuid4

import psycopg
import pytest

from infra.database import Supervisor


def test_a_database_with_no_connection_to_spare_is_up(pg_server):
    role = f"full_{uuid4().hex[:12]}"
    with psycopg.connect(pg_server.conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    full = replace(pg_server, user=role, password="")
    with pytest.raises(psycopg.OperationalError, match="too many connections"):
        psycopg.connect(full.conninfo)
    supervisor = Supervisor(full)
    supervisor.check()
    assert supervisor.up.is_set()


def test_a_database_that_refuses_us_is_down(pg_server):
    supervisor = Supervisor(pg_server.named(f"missing_{uuid4().hex[:12]}"))
    supervisor.check()
    assert not supervisor.up.is_set()
