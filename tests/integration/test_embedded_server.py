"""The embedded server runs with the settings of a bulk-loading fund."""

import os

import psycopg
import pytest

from infra.database import EMBEDDED


@pytest.mark.skipif(
    "DATABASE_URL" in os.environ, reason="another server keeps its own settings"
)
def test_the_embedded_server_starts_with_the_funds_settings(pg_server):
    with psycopg.connect(pg_server.conninfo) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in EMBEDDED}
    assert shown == EMBEDDED
