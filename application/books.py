"""Each school's books, folded from the log up to the school's head.

A process keeps the books it has read and folds only what was recorded since
(the events of one school, found through their index). A decision holds its
school's lock while it reads and saves, so decisions of one process about one
school take turns; those of other processes are kept apart by the condition
on the school's head that every decision is saved with.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from application.funds import Funds
from domain.books import Books


class Bookkeeper:
    def __init__(self, funds: Funds) -> None:
        self.funds = funds
        self.books: dict[UUID, Books] = {}
        self.locks: dict[UUID, threading.Lock] = {}
        self.guard = threading.Lock()

    @contextmanager
    def open(self, school_id: UUID) -> Iterator[Books]:
        """The school's books as of its head, kept to this caller until done."""
        with self.guard:
            lock = self.locks.setdefault(school_id, threading.Lock())
        with lock:
            yield self._current(school_id)

    def _current(self, school_id: UUID) -> Books:
        books = self.books.pop(school_id, None) or Books(school_id)
        head = self.funds.recorder.school_head(school_id) or 0
        if head > books.position:
            for event in self.funds.school_events(school_id, books.position, head):
                books.apply(event)
            books.position = head
        # kept only once whole: a fold that failed half-way starts afresh
        self.books[school_id] = books
        return books
