"""Courses open for registration, phone first, as the API's
``GET /v1/guardian/registration`` reads them: each course's seats and waiting
list, where each of the guardian's children stands, and a form to register
a child or take them off a waiting list, with the API's own commands."""

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.web import Visit, form_for, page_for
from api.console.words import N_, family_refusal
from api.deps import wait_for
from api.requests import RegistrationCreate, WaitingListDeparture
from application import commands as c
from domain.errors import DomainError
from infra.tokens import Role
from projections import family, registrations

router = APIRouter(prefix="/guardian")
Guardian = Annotated[Visit, Depends(page_for(Role.GUARDIAN))]
Sent = Annotated[Visit, Depends(form_for(Role.GUARDIAN))]
Student = Annotated[str, Form(max_length=64)]
DONE = {
    "registered": N_("Registered: see where your child stands below."),
    "left": N_("Your child has left the waiting list."),
}


@dataclass(frozen=True)
class Registrations:
    """The open terms, the guardian's children by id with their names, and
    each child's registration in each course."""

    terms: list[family.OpenTerm]
    children: dict[str, str | None]
    held: dict[tuple[UUID, str], registrations.Registration]

    def of(self, course_id: UUID, student_id: str):
        return self.held.get((course_id, student_id))


@router.get("/registration")
def open_courses(
    visit: Guardian,
    at: Annotated[int | None, Query(ge=0)] = None,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    if at:
        wait_for(visit.system, at)
    said = DONE.get(done)
    notice = visit.speaker.gettext(said) if said else None
    return visit.render("guardian_registration.html", r=_read(visit), notice=notice)


@router.post("/registrations")
def register(
    visit: Sent,
    term_id: Annotated[UUID, Form()],
    course_id: Annotated[UUID, Form()],
    student_id: Student,
) -> Response:
    def command() -> c.Register:
        body = RegistrationCreate(student_id=student_id, course_id=course_id)
        return c.Register(term_id, body.course_id, body.student_id)

    return _send(visit, course_id, command, "registered")


@router.post("/waiting-list/departures")
def leave_waiting_list(
    visit: Sent, course_id: Annotated[UUID, Form()], student_id: Student
) -> Response:
    def command() -> c.LeaveWaitingList:
        body = WaitingListDeparture(student_id=student_id)
        return c.LeaveWaitingList(course_id, body.student_id)

    return _send(visit, course_id, command, "left")


def _send(visit: Visit, course_id: UUID, command, done: str) -> Response:
    """Runs the command built from the form; a refusal is shown at the
    course, with the rule's status."""
    speaker = visit.speaker
    try:
        position = visit.system.bus.handle(command(), visit.principal.actor)
    except ValidationError:
        error = speaker.gettext("Please check what you entered.")
        return _answer(visit, course_id, 422, error=error)
    except DomainError as refused:
        error = speaker.gettext(family_refusal(refused))
        return _answer(visit, course_id, refused.status, error=error)
    wait_for(visit.system, position)
    if not visit.fragment:
        path = f"/guardian/registration?at={position}&done={done}#course-{course_id}"
        return visit.redirect(path)
    return _answer(visit, course_id, notice=speaker.gettext(DONE[done]))


def _answer(visit: Visit, course_id: UUID, status: int = 200, **said) -> Response:
    """The course's card alone (for console.js), or the whole page."""
    found = _read(visit)
    courses = [(t, x) for t in found.terms for x in t.courses]
    shown = [(t, x) for t, x in courses if x.course_id == course_id]
    if visit.fragment and shown:
        [(term, course)] = shown
        return visit.render(
            "guardian_course.html",
            status,
            r=found,
            term=term,
            course=course,
            about=course_id,
            **said,
        )
    about = course_id if shown else None
    return visit.render(
        "guardian_registration.html", status, r=found, about=about, **said
    )


def _read(visit: Visit) -> Registrations:
    principal, queries = visit.principal, visit.system.queries
    [school_id] = principal.schools
    kids = sorted(principal.children or ())
    known = visit.names(school_id, kids)
    held = {
        (x.course_id, kid): x
        for kid in kids
        for x in registrations.of_student(queries, school_id, kid)
    }
    return Registrations(
        family.open_for_registration(queries, school_id, visit.system.funds.clock()),
        {kid: known.names.get(kid) for kid in kids},
        held,
    )
