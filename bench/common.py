"""What every benchmark shares: a throwaway database, timing, results."""

import atexit
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from uuid import uuid4

import psycopg

from infra.database import Database, ensure_database, from_url, start_embedded


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
    folder = Path(tempfile.mkdtemp(prefix="fundledger-bench-"))
    folder.chmod(0o755)
    # registered before the server's own stop, so it runs after it (last in,
    # first out): a full benchmark leaves gigabytes otherwise
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return ensure_database(
        start_embedded(folder / "pgdata"), f"bench_{uuid4().hex[:8]}"
    )


def percentile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000
