"""The fund's event store: the library's application, saving aggregates in one
transaction with what must commit with them."""

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from application.transcodings import register_transcodings
from domain.facts import Fact
from domain.workdays import WorkingDays

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RequestKey:
    """A client's idempotency key, recorded with the events of its request:
    it belongs to the token (``owner``) and the route that used it."""

    owner: str
    route: str
    key: str
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Note:
    """Free text about a person (a refund's reason): kept in the personal-data
    registry, sealed under the person's key, saved with the events."""

    note_id: UUID
    school_id: UUID
    person_id: UUID
    text: str


class Funds(Application[UUID]):
    name = "Funds"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock = utc_now,
        calendar: WorkingDays,
    ):
        super().__init__(env)
        self.clock, self.calendar = clock, calendar

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def record(
        self,
        aggregates: Sequence[Aggregate],
        *,
        request: RequestKey | None = None,
        expect: Mapping[UUID, int] | None = None,
        unchanged: Mapping[UUID, int] | None = None,
        erase: Sequence[UUID] = (),
        notes: Sequence[Note] = (),
    ) -> int:
        """Saves every pending event of the aggregates in one transaction;
        returns the position of the last. ``expect``: the head each school's
        books were read at, which must not have moved; ``unchanged``: the
        version of each aggregate read and not changed, which must still be
        its last; ``erase``: people
        whose personal data is destroyed in the same transaction; ``notes``:
        free text about people, kept in the registry with them.

        As ``Application.save`` does, less its asking of each object whether
        it is an event or an aggregate: on Python 3.11 those runtime protocol
        checks cost some 60 us an aggregate, a bulk save's largest cost after
        its SQL. Snapshots are not taken here and nothing listens for saves."""
        saving: ProcessingEvent[UUID] = ProcessingEvent()
        schools = []
        for aggregate in aggregates:
            events = aggregate.collect_events()
            saving.events.extend(events)
            saving.aggregates[aggregate.id] = aggregate
            schools.extend([aggregate.school_id] * len(events))
        if not saving.events:
            return self.head()
        saving.saved_kwargs |= {"request": request, "expect": expect or {}}
        saving.saved_kwargs["unchanged"] = unchanged or {}
        saving.saved_kwargs |= {"erase": list(erase), "notes": list(notes)}
        saving.saved_kwargs["event_schools"] = schools
        recordings = self._record(saving)
        return recordings[-1].notification.id

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def position_of(self, aggregate_id: UUID) -> int:
        """The log position of an aggregate's latest recorded event."""
        statement = f"SELECT max(notification_id) AS n FROM {self.name.lower()}_events "
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement + "WHERE originator_id = %s", (aggregate_id,))
            return curs.fetchone()["n"]

    def school_events(self, school_id: UUID, after: int, upto: int) -> list[Fact]:
        """What was recorded about a school after one position, up to another."""
        notifications = self.recorder.school_events(school_id, after, upto)
        return [self.mapper.to_domain_event(n) for n in notifications]

    def forget(self, aggregate_ids: Sequence[UUID]) -> None:
        """Drops these aggregates from the writer's cache: a refused command
        must leave no trace there, and a bulk writer need not keep what it
        will not touch again."""
        if self.repository.cache is None:
            return
        for aggregate_id in aggregate_ids:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def stop_caching(self) -> None:
        """Lets every cached aggregate go, once the writing is done."""
        self.repository.cache = None
