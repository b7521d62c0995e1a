"""What every recorded fact carries: who, in which role, and for which day."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

NAMESPACE = uuid5(NAMESPACE_URL, "https://fundledger.cn/ids")


def stable_id(*parts: object) -> UUID:
    """An id derived from business keys, so a re-sent command finds the same thing."""
    return uuid5(NAMESPACE, "/".join(str(p) for p in parts))


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, for which schools (None: any school) of which
    district, and for which students (None: any; a guardian: their own)."""

    id: str
    role: str
    schools: frozenset[UUID] | None = None
    district: str | None = None
    students: frozenset[str] | None = None

    def may_act_for(self, school_id: UUID) -> bool:
        return self.schools is None or school_id in self.schools

    def may_act_for_student(self, school_id: UUID, student_id: str) -> bool:
        return self.may_act_for(school_id) and (
            self.students is None or student_id in self.students
        )


@dataclass(frozen=True)
class Stamp:
    """Who did it and when: ``at`` is when it was recorded, ``on`` the business day."""

    actor: Actor
    at: datetime
    on: date

    def fields(self) -> dict[str, object]:
        return {
            "actor": self.actor.id,
            "role": self.actor.role,
            "effective": self.on,
            "timestamp": self.at,
        }


_ENVELOPE = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp"}
    | {"actor", "role", "effective"}
)


class Fact(Aggregate.Event):
    actor: str
    role: str
    effective: date

    def payload(self) -> dict[str, object]:
        """The business content of the fact, without its envelope."""
        return {k: v for k, v in self.__dict__.items() if k not in _ENVELOPE}


class Created(Aggregate.Created, Fact):
    pass


def event_id(originator_id: UUID, version: int) -> UUID:
    """The id of one stored event; journal entries are named after their event."""
    return uuid5(originator_id, str(version))
