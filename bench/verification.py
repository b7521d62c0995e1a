"""Verifying the whole hash chain, next to reading the same stored events
the same way without checking anything."""

from time import perf_counter

from psycopg.rows import tuple_row

from api.bootstrap import System, bootstrap
from application.simulate import Plan, simulate
from bench.common import Result, fresh_database
from infra.chain import WALK_BATCH
from infra.settings import Settings

READ = """
    SELECT notification_id, originator_id, originator_version, topic, state
    FROM funds_events ORDER BY notification_id
"""


def run(quick: bool) -> list[Result]:
    plan = Plan(schools=2, students=600) if quick else Plan(schools=8, students=6000)
    system = bootstrap(Settings(pool_size=2), database=fresh_database())
    try:
        simulate(system.funds, plan)
        read = min(_read(system) for _ in range(3))
        verify, verdict = min((_verify(system) for _ in range(3)), key=lambda r: r[0])
        assert verdict.intact, verdict.message
        return [
            Result(
                f"verify.{verdict.events}_events",
                verdict.events / verify,
                "events/s",
                "reading the same stored events",
                verdict.events / read,
            )
        ]
    finally:
        system.close()


def _verify(system: System):
    started = perf_counter()
    verdict = system.chain.verify()
    return perf_counter() - started, verdict


def _read(system: System) -> float:
    started = perf_counter()
    with (
        system.chain.datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor("read", binary=True, row_factory=tuple_row) as curs,
    ):
        curs.execute(READ)
        while curs.fetchmany(WALK_BATCH):
            pass
    return perf_counter() - started
