"""The embedded server runs with the settings of a bulk-loading fund."""

import psycopg

from infra.database import EMBEDDED, start_throwaway


def test_the_embedded_server_starts_with_the_funds_settings():
    database = start_throwaway("fundledger-test-")
    with psycopg.connect(database.conninfo) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in EMBEDDED}
    assert shown == EMBEDDED
