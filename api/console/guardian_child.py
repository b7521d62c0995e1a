"""One child's statement for the guardian, phone first, and what they ask
from it: leave for coming dates, and this week's rating of a course. Both go
through the API's own request types and commands."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.guardian_statement import is_theirs, statement
from api.console.web import Visit, form_for, page_for
from api.console.words import N_, family_refusal
from api.deps import wait_for
from api.requests import LeaveRequestCreate, RatingCreate
from application import commands as c
from domain.errors import DomainError
from infra.tokens import Role

router = APIRouter(prefix="/guardian/children")
Guardian = Annotated[Visit, Depends(page_for(Role.GUARDIAN))]
Sent = Annotated[Visit, Depends(form_for(Role.GUARDIAN))]
Short = Annotated[str, Form(max_length=40)]
Optional = Annotated[str, Form(max_length=40)]
DATES_OFFERED = 3
DONE = {
    "rated": ("ratings", N_("Thank you: your rating is recorded.")),
    "asked": ("leave", N_("Leave asked for: the school will answer it.")),
}
SECTIONS = {"ratings": "guardian_ratings.html", "leave": "guardian_leave.html"}
INVALID = N_("Please check what you entered.")


@router.get("/{student}")
def child(
    student: str,
    visit: Guardian,
    at: Annotated[int | None, Query(ge=0)] = None,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    if not is_theirs(visit, student):
        return _not_theirs(visit)
    if at:
        wait_for(visit.system, at)
    section, said = DONE.get(done, (None, None))
    notice = visit.speaker.gettext(said) if said else None
    return _page(visit, student, section, notice=notice)


@router.post("/{student}/ratings")
def rate(
    student: str,
    visit: Sent,
    course_id: Annotated[UUID, Form()],
    week: Short,
    course_score: Short,
    teacher_score: Short,
    comment: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    def command() -> c.RateCourse:
        body = RatingCreate(
            student_id=student,
            week=week,
            course_score=_whole(course_score),
            teacher_score=_whole(teacher_score),
            comment=comment.strip() or None,
        )
        return body.command(course_id)

    return _send(visit, student, "ratings", "rated", command, about=course_id)


@router.post("/{student}/leave-requests")
def ask_leave(
    student: str,
    visit: Sent,
    course_id: Annotated[UUID, Form()],
    dates: Annotated[list[str], Form(max_length=DATES_OFFERED)],
    reason: Optional = "",
) -> Response:
    def command() -> c.RequestLeave:
        body = LeaveRequestCreate(
            dates=[d for d in dates if d.strip()], reason=reason or None
        )
        return c.RequestLeave(course_id, student, tuple(body.dates), body.reason)

    return _send(visit, student, "leave", "asked", command)


def _send(visit: Visit, student: str, section: str, done: str, command, **also):
    """Runs the command built from the form; a refusal is shown in the
    section the form belongs to, with the rule's status."""
    if not is_theirs(visit, student):
        return _not_theirs(visit)
    speaker = visit.speaker
    try:
        position = visit.system.bus.handle(command(), visit.principal.actor)
    except ValidationError:
        error = speaker.gettext(INVALID)
        return _answer(visit, student, section, 422, error=error, **also)
    except DomainError as refused:
        error = speaker.gettext(family_refusal(refused))
        return _answer(visit, student, section, refused.status, error=error, **also)
    wait_for(visit.system, position)
    if not visit.fragment:
        path = f"/guardian/children/{student}?at={position}&done={done}#{section}"
        return visit.redirect(path)
    _, said = DONE[done]
    return _answer(visit, student, section, notice=speaker.gettext(said))


def _answer(visit: Visit, student: str, section: str, status: int = 200, **said):
    """The form's section alone (for console.js), or the whole page."""
    if visit.fragment:
        found = statement(visit, student)
        return visit.render(SECTIONS[section], status, s=found, section=section, **said)
    return _page(visit, student, section, status, **said)


def _page(visit: Visit, student: str, section, status: int = 200, **said):
    found = statement(visit, student)
    return visit.render("guardian_child.html", status, s=found, section=section, **said)


def _not_theirs(visit: Visit) -> Response:
    message = visit.speaker.gettext("No child of yours has that id.")
    return visit.render("refused.html", 404, message=message)


def _whole(text: str) -> int | str:
    """A score as sent: a whole number, or the text for the rules to refuse."""
    return int(text) if text.strip().isdigit() else text
