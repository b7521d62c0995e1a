"""Teachers and outside instructors, paid per delivered session."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    Blank,
    InvalidAmount,
    RateLocked,
    UnknownTeacherKind,
)
from domain.facts import Created, Fact, Stamp, stable_id


@dataclass(frozen=True)
class Rate:
    since: date
    amount: int
    set_by: str


class TeacherKind(StrEnum):
    STAFF = "staff"
    EXTERNAL = "external"


class Teacher(Aggregate):
    class Registered(Created):
        school_id: UUID
        code: str
        kind: str
        rate: int

        def apply(self, teacher: "Teacher") -> None:
            teacher.school_id = self.school_id
            teacher.code = self.code
            teacher.kind = self.kind
            teacher.rates = [Rate(self.effective, self.rate, self.actor)]
            teacher.locked_through = None

    class RateChanged(Fact):
        school_id: UUID
        rate: int

        def apply(self, teacher: "Teacher") -> None:
            # stable: of two rates from the same day, the later one wins
            rate = Rate(self.effective, self.rate, self.actor)
            teacher.rates = sorted([*teacher.rates, rate], key=lambda r: r.since)

    class PayLocked(Fact):
        """Pay up to ``effective`` is approved: no rate may change it now."""

        school_id: UUID

        def apply(self, teacher: "Teacher") -> None:
            teacher.locked_through = self.effective

    @staticmethod
    def id_for(school_id: UUID, code: str) -> UUID:
        return stable_id("teacher", school_id, code)

    @classmethod
    def register(
        cls, *, school_id: UUID, code: str, kind: str, rate: int, stamp: Stamp
    ) -> "Teacher":
        if not code.strip():
            raise Blank("a teacher needs a code", field="code")
        if kind not in set(TeacherKind):
            raise UnknownTeacherKind(
                f"a teacher is 'staff' or 'external', not {kind!r}"
            )
        check_rate(rate)
        return cls._create(
            cls.Registered,
            id=cls.id_for(school_id, code),
            school_id=school_id,
            code=code,
            kind=kind,
            rate=rate,
            **stamp.fields(),
        )

    def change_rate(self, rate: int, *, stamp: Stamp) -> None:
        check_rate(rate)
        if self.locked_through and stamp.on <= self.locked_through:
            raise RateLocked(
                f"pay up to {self.locked_through} is approved; a new rate can start "
                f"from {self.locked_through + timedelta(days=1)} at the earliest"
            )
        self.trigger_event(
            self.RateChanged, school_id=self.school_id, rate=rate, **stamp.fields()
        )

    def lock_pay(self, through: date, *, stamp: Stamp) -> None:
        if self.locked_through is None or through > self.locked_through:
            self.trigger_event(
                self.PayLocked,
                school_id=self.school_id,
                **stamp.fields() | {"effective": through},
            )

    def rate_on(self, day: date) -> int:
        return self.rate_in_force(day).amount

    def rate_in_force(self, day: date) -> "Rate":
        """The rate in force on ``day``; before the first rate, the first rate."""
        in_force = self.rates[0]
        for rate in self.rates:
            if rate.since <= day:
                in_force = rate
        return in_force


def check_rate(rate: int) -> None:
    if rate < 0:
        raise InvalidAmount("a rate per session cannot be negative")
