"""What a bursar's pages share: the school they keep, today, and a command
sent with its refusal said on the page (the rule's 4xx, never a 500)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from api.console.web import Visit
from api.console.words import refusal
from api.deps import wait_for
from domain.errors import DomainError

SHOWN = 5  # items of a worklist on the home page
LISTED = 200  # items of a full list
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Said:
    """A refusal as the page shows it: what the rule says, its status, and the
    detail the rule gave (in English, for the record)."""

    message: str
    status: int
    detail: str | None = None


def parsed(visit: Visit, model: type[M], values: dict) -> M | Said:
    """A form read by the API's own request model, or what is wrong with it."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}"
            for e in error.errors()
        )
        message = visit.speaker.gettext("Some of the form is not valid.")
        return Said(message, 422, problems)


def send(visit: Visit, command: Any) -> int | Said:
    """The command's log position, read models caught up; or its refusal."""
    try:
        position = visit.system.bus.handle(command, visit.principal.actor)
    except DomainError as error:
        message = visit.speaker.gettext(refusal(error))
        return Said(message, error.status, error.message)
    wait_for(visit.system, position)
    return position


def acted(
    visit: Visit,
    outcome: int | Said,
    done: str,
    to: str,
    again: Callable[[Said], Response],
) -> Response:
    """After a command: back where the bursar was with what was done, or the
    page again with the refusal."""
    if isinstance(outcome, Said):
        return again(outcome)
    joiner = "&" if "?" in to else "?"
    return visit.redirect(f"{to}{joiner}at={outcome}&done={done}")
