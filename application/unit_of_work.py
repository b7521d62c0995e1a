"""One command's work: the aggregates it loads (within the actor's scope) and
adds, the books its decisions read, committed in one transaction."""

from contextlib import ExitStack
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.books import Bookkeeper
from application.funds import Funds, Note, RequestKey
from domain.books import Books
from domain.course import BEIJING
from domain.errors import AlreadyExists, ImplausibleDate, NotFound
from domain.facts import Actor, Stamp
from domain.person import Kind, person_id_for
from domain.workdays import WorkingDays

A = TypeVar("A", bound=Aggregate)
EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)


class Collision(Exception):
    """A save met events recorded meanwhile by someone else."""


class UnitOfWork:
    def __init__(
        self,
        funds: Funds,
        bookkeeper: Bookkeeper,
        actor: Actor,
        request: RequestKey | None = None,
    ) -> None:
        self.funds, self.bookkeeper = funds, bookkeeper
        self.actor, self.request = actor, request
        self.aggregates: dict[UUID, Aggregate] = {}
        self.new: dict[UUID, str] = {}  # added aggregates, by what they are
        self.expect: dict[UUID, int] = {}
        self.unchanged: dict[UUID, int] = {}
        self.read: dict[UUID, Books] = {}
        self.erasing: list[UUID] = []  # people whose personal data goes
        self.notes: list[Note] = []
        self.calendars: dict[UUID, WorkingDays] = {}
        self.locks = ExitStack()

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, *failed: object) -> None:
        """Lets go of the books; after a failure, the writer's cache forgets
        every aggregate this work changed, so no refused event stays there."""
        self.locks.close()
        if failed[0] is not None:
            self.funds.forget(list(self.aggregates))

    def stamp(self, on: date | None = None, field: str = "on") -> Stamp:
        """Who acts, now, for which business day (today unless told)."""
        at = self.funds.clock()
        today = at.astimezone(BEIJING).date()
        if on is not None and not EARLIEST <= on <= today + AHEAD:
            raise ImplausibleDate(
                f"{field} {on} is not a business date from {EARLIEST.year} up to a "
                "year from today",
                field=field,
            )
        return Stamp(actor=self.actor, at=at, on=on or today)

    def get(self, cls: type[A], aggregate_id: UUID, label: str) -> A:
        """An aggregate the actor may act on; anything else is not found."""
        aggregate = self.aggregates.get(aggregate_id) or self.funds.get(aggregate_id)
        if not isinstance(aggregate, cls) or not self.actor.may_act_for(
            aggregate.school_id
        ):
            raise NotFound(f"no {label} {aggregate_id}", id=str(aggregate_id))
        self.aggregates[aggregate_id] = aggregate
        return aggregate

    def calendar(self, term_id: UUID) -> WorkingDays:
        """Working days as the term counts them: the PRC calendar and the
        school's own closed days."""
        if (calendar := self.calendars.get(term_id)) is None:
            term = self.aggregates.get(term_id) or self.funds.get(term_id)
            calendar = self.funds.calendar.closing(term.closed_days)
            self.calendars[term_id] = calendar
        return calendar

    def check_student(self, school_id: UUID, student_id: str) -> None:
        """A student the actor may act for (a guardian: their own child);
        any other is not found."""
        if not self.actor.may_act_for_student(school_id, student_id):
            raise NotFound(f"no student {student_id}", id=student_id)

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """An aggregate that may exist already, such as a payment re-sent."""
        aggregate = self.aggregates.get(aggregate_id) or self.funds.get(aggregate_id)
        return aggregate if isinstance(aggregate, cls) else None

    def add(self, aggregate: Aggregate, label: str) -> None:
        """A new aggregate; ``label`` names it if it turns out to exist."""
        if aggregate.id in self.aggregates:
            raise AlreadyExists(f"{label} is in this request already")
        self.aggregates[aggregate.id] = aggregate
        self.new[aggregate.id] = label

    def books(self, school_id: UUID, *, decides: bool = True) -> Books:
        """The school's books. For a decision that spends or promises money,
        the work is saved only if nothing about the school was recorded since
        they were read; what only reads them (a payment dividing itself among
        a family's charges, a payroll drafted for approval) is not held up."""
        if (books := self.read.get(school_id)) is None:
            books = self.locks.enter_context(self.bookkeeper.open(school_id))
            self.read[school_id] = books
        if decides:
            self.expect[school_id] = books.position
        return books

    def relies_on(self, aggregate: Aggregate) -> None:
        """The work is saved only if nothing was recorded about this
        aggregate since it was read: a decision that reads it (a term's
        window) without changing it."""
        self.unchanged[aggregate.id] = aggregate.version

    def erase(self, person_id: UUID) -> None:
        """Destroys the person's registry record with this work's events."""
        self.erasing.append(person_id)

    def note(self, note_id: UUID, school_id: UUID, student_id: str, text: str) -> None:
        """Keeps free text about a student in the registry, with this work."""
        person_id = person_id_for(school_id, Kind.STUDENT, student_id)
        self.notes.append(Note(note_id, school_id, person_id, text))

    def commit(self) -> int:
        """Saves everything in one transaction; returns its log position."""
        try:
            return self.funds.record(
                list(self.aggregates.values()),
                request=self.request,
                expect=self.expect,
                unchanged=self.unchanged,
                erase=self.erasing,
                notes=self.notes,
            )
        except IntegrityError:
            for aggregate_id, label in self.new.items():
                if self.funds.get(aggregate_id) is not None:
                    raise AlreadyExists(
                        f"{label} exists already", id=str(aggregate_id)
                    ) from None
            raise Collision() from None
