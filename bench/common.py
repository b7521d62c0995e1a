"""What every benchmark shares: a throwaway database, timing, results."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from uuid import uuid4

import psycopg

from infra.database import Database, ensure_database, from_url, start_throwaway


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    baseline: str
    baseline_value: float

    @property
    def ratio(self) -> float:
        return (
            round(self.value / self.baseline_value, 3) if self.baseline_value else 0.0
        )

    def as_dict(self) -> dict:
        return asdict(self) | {"ratio": self.ratio}


class NotEmpty(SystemExit):
    pass


def fresh_database() -> Database:
    """A new database: on DATABASE_URL's server if set (which must hold no fund),
    else on an embedded server in a temporary folder."""
    if url := os.environ.get("DATABASE_URL"):
        database = from_url(url)
        with psycopg.connect(database.conninfo) as conn:
            exists = conn.execute("SELECT to_regclass('funds_events')").fetchone()[0]
            if exists and conn.execute("SELECT 1 FROM funds_events LIMIT 1").fetchone():
                raise NotEmpty(
                    f"DATABASE_URL's database {database.dbname} already holds a fund; "
                    "the benchmark needs an empty one and wrote nothing"
                )
        return database
    return ensure_database(
        start_throwaway("fundledger-bench-"), f"bench_{uuid4().hex[:8]}"
    )


def percentile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000
