"""Verifying the whole hash chain, next to reading the same stored events
the same way without checking anything."""

from time import perf_counter

from psycopg.rows import tuple_row

from api.bootstrap import System, bootstrap
from application.simulate import Plan, simulate
from bench.common import Result, fresh_database
from infra.chain import WALK_BATCH
from infra.settings import Settings


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
    """The events alone, by the same statement and batches verify reads them."""
    chain, after = system.chain, 0
    started = perf_counter()
    with chain.datastore.get_connection() as conn:
        curs = conn.cursor(binary=True, row_factory=tuple_row)
        while batch := curs.execute(
            chain.events_statement, (after, 2**62, WALK_BATCH)
        ).fetchall():
            after = batch[-1][0]
    return perf_counter() - started
