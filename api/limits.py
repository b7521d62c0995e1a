"""Rate limits, per token and per client address: a token bucket each, kept
in this process (each API process keeps its own)."""

import math
import threading
import time
from dataclasses import dataclass, field

from domain.errors import DomainError

KEPT = 100_000  # buckets a process remembers; the oldest are forgotten


class TooMany(DomainError):
    """Too many requests; try again after a while."""

    code = "too-many-requests"
    status = 429


@dataclass
class Buckets:
    """``rate`` requests a second for each key, in bursts of up to ``burst``."""

    rate: float
    burst: float
    kept: dict[str, tuple[float, float]] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def check(self, key: str, what: str) -> None:
        """Refuses when the key has nothing left, without taking any."""
        with self.guard:
            self._level(key, what)

    def take(self, key: str, what: str) -> None:
        with self.guard:
            level = self._level(key, what)
            self.kept[key] = (level - 1, time.monotonic())
            if len(self.kept) > KEPT:
                self.kept.pop(next(iter(self.kept)))

    def _level(self, key: str, what: str) -> float:
        now = time.monotonic()
        level, since = self.kept.get(key, (self.burst, now))
        level = min(self.burst, level + (now - since) * self.rate)
        if level < 1:
            wait = math.ceil((1 - level) / self.rate)
            raise TooMany(f"too many {what}; try again in {wait} s", retry_after=wait)
        return level


@dataclass
class Limits:
    """Requests a second per token; tokens that are not valid, per address."""

    tokens: Buckets
    failures: Buckets
