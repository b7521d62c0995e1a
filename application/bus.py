"""Runs a command through its handler, in a unit of work of its own.

A decision that met a change to its school's books, or an aggregate changed
by someone else meanwhile, is decided again on what is recorded now, a few
times at most: of two decisions that together would overspend, the second
then sees the first and is refused.
"""

from collections.abc import Callable, Mapping
from typing import Any

import structlog
from structlog.contextvars import bound_contextvars

from application.books import Bookkeeper
from application.funds import Funds, RequestKey
from application.unit_of_work import Collision, UnitOfWork
from domain.errors import BooksChanged, DomainError
from domain.facts import Actor

Handler = Callable[[Any, UnitOfWork], int]
log = structlog.get_logger("funds")
ATTEMPTS = 8


class MessageBus:
    def __init__(
        self, funds: Funds, bookkeeper: Bookkeeper, handlers: Mapping[type, Handler]
    ) -> None:
        self.funds, self.bookkeeper, self.handlers = funds, bookkeeper, handlers

    def handle(
        self, command: Any, actor: Actor, request: RequestKey | None = None
    ) -> int:
        """Executes one command; returns the log position of what it recorded."""
        name = type(command).__name__
        handler = self.handlers.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {name}")
        with bound_contextvars(command=name, actor=actor.id, role=actor.role):
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    with UnitOfWork(self.funds, self.bookkeeper, actor, request) as uow:
                        position = handler(command, uow)
                except Collision:
                    log.info("decided again", attempt=attempt)
                    continue
                except DomainError as error:
                    log.info("refused", error=error.code)
                    raise
                log.info("recorded", position=position)
                return position
        raise BooksChanged(
            "what this decides on kept changing while it was decided; try again"
        )
