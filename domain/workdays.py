"""Working days, for the rules that count them (a family's silence for seven
working days confirms a session; a school answers a dispute within five).
Which days are working days is policy passed in: the PRC calendar (weekends,
public holidays and the weekend days worked in their place) and a school's
own closed days."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingDays:
    is_working_day: Callable[[date], bool]
    closed: frozenset[date] = field(default_factory=frozenset)

    def works(self, day: date) -> bool:
        return day not in self.closed and self.is_working_day(day)

    def after(self, day: date, count: int) -> date:
        """The day on which ``count`` working days after ``day`` have passed."""
        if count < 0:
            raise ValueError(f"count working days forward, not {count}")
        passed = 0
        while passed < count:
            day += DAY
            passed += self.works(day)
        return day

    def between(self, first: date, last: date) -> int:
        """Working days after ``first`` up to and including ``last``."""
        return sum(
            self.works(first + DAY * n) for n in range(1, (last - first).days + 1)
        )

    def closing(self, days: Iterable[date]) -> "WorkingDays":
        """The same calendar with a school's own closed days too."""
        return WorkingDays(self.is_working_day, self.closed | frozenset(days))
