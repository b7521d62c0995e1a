"""Audit at a million events: an inclusion proof read from the stored tree,
next to the proof made from every leaf; a check of what is new since the
checkpoint, next to verifying the whole log."""

import random
from time import perf_counter

import psycopg

from api.bootstrap import System, bootstrap
from bench.common import Result, fresh_database, percentile, timed
from domain.merkle import inclusion_proof, root
from infra.settings import Settings

SAMPLES = 500
NEW = 1000  # events recorded after the checkpoint


def run(quick: bool) -> list[Result]:
    events = 20_000 if quick else 1_000_000
    system = bootstrap(Settings(pool_size=2), database=fresh_database())
    try:
        record(system, events)
        started = perf_counter()
        assert system.verified.advance().intact
        first = perf_counter() - started
        return [
            Result(
                f"audit.first_checkpoint.{events}_events",
                events / first,
                "events/s",
                "verifying the whole chain",
                events / whole_seconds(system),
            ),
            *proofs(system, events, SAMPLES // 10 if quick else SAMPLES),
            *new_since_checkpoint(system, events),
        ]
    finally:
        system.close()


def record(system: System, count: int) -> None:
    """Events of one kind, recorded through the events table's own trigger
    that chains them, as fast as PostgreSQL takes them."""
    with psycopg.connect(system.database.conninfo) as conn:
        conn.execute(
            "INSERT INTO funds_events (originator_id, originator_version, topic,"
            " state) SELECT gen_random_uuid(), 1, 'bench:Filler',"
            " convert_to(repeat('x', 300) || n, 'UTF8')"
            " FROM generate_series(1, %s) AS n",
            (count,),
        )


def whole_seconds(system: System) -> float:
    started = perf_counter()
    assert system.chain.verify().intact
    return perf_counter() - started


def proofs(system: System, events: int, samples: int) -> list[Result]:
    rng = random.Random(7)
    positions = [p for p, _ in system.chain.leaves()]
    times = [
        timed(lambda: system.verified.prove_inclusion(rng.choice(positions)))
        for _ in range(samples)
    ]
    index = rng.randrange(len(positions))

    def from_every_leaf() -> None:
        leaves = [leaf for _, leaf in system.chain.leaves()]
        root(leaves), inclusion_proof(leaves, index)

    every_leaf = min(timed(from_every_leaf) for _ in range(2))
    return [
        Result(
            f"audit.proof.p99.{events}_events",
            percentile(times, 99),
            "ms",
            "a proof from every leaf",
            every_leaf,
        ),
        Result(
            f"audit.proof.p50.{events}_events",
            percentile(times, 50),
            "ms",
            "a proof from every leaf",
            every_leaf,
        ),
    ]


def new_since_checkpoint(system: System, events: int) -> list[Result]:
    record(system, NEW)
    started = perf_counter()
    verdict = system.verified.advance()
    seconds = perf_counter() - started
    assert verdict.intact and verdict.events == NEW
    return [
        Result(
            f"audit.verify.{NEW}_new_of_{events + NEW}_events",
            seconds * 1000,
            "ms",
            "verifying the whole chain",
            whole_seconds(system) * 1000,
        )
    ]
