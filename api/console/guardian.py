"""The guardian's page, phone first: each child's money and the sessions
awaiting the family, confirmed or disputed with the API's own commands."""

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response

from api.console.web import Visit, form_for, page_for
from api.console.words import refusal
from api.deps import wait_for
from api.requests import BusinessDate, Comment, StudentId
from application import commands as c
from domain.dispute import Grounds
from domain.errors import DomainError, NotFound
from infra.tokens import Role
from projections import confirmations as q
from projections import funds as f

router = APIRouter(prefix="/guardian")
Guardian = Annotated[Visit, Depends(page_for(Role.GUARDIAN))]
Sent = Annotated[Visit, Depends(form_for(Role.GUARDIAN))]
SETTLED_SHOWN = 5


@dataclass(frozen=True)
class Child:
    student_id: str
    name: str | None
    balance: f.Figures | None
    awaiting: list[q.FamilyShare]
    settled: list[q.FamilyShare]


@router.get("")
def home(visit: Guardian, at: Annotated[int | None, Query(ge=0)] = None) -> Response:
    if at:
        wait_for(visit.system, at)
    kids = sorted(visit.principal.children or ())
    return visit.render("guardian.html", children=children(visit, kids))


@router.post("/confirmations")
def confirm(
    visit: Sent,
    course_id: Annotated[UUID, Form()],
    student_id: Annotated[StudentId, Form()],
    day: Annotated[BusinessDate, Form()],
) -> Response:
    command = c.ConfirmShares(course_id, student_id, day)
    said = visit.speaker.gettext("Confirmed: the session's share goes to the course.")
    return _send(visit, command, student_id, said)


@router.post("/disputes")
def dispute(
    visit: Sent,
    course_id: Annotated[UUID, Form()],
    student_id: Annotated[StudentId, Form()],
    day: Annotated[BusinessDate, Form()],
    grounds: Annotated[Grounds, Form()],
    reason: Annotated[Comment | None, Form()] = None,
) -> Response:
    command = c.OpenDispute(course_id, student_id, day, grounds.value, reason)
    said = visit.speaker.gettext(
        "Disputed: the share is held until the school answers."
    )
    return _send(visit, command, student_id, said)


def _send(visit: Visit, command, student_id: str, said: str) -> Response:
    principal = visit.principal
    try:
        position = visit.system.bus.handle(command, principal.actor)
    except DomainError as error:
        refused = visit.speaker.gettext(refusal(error))
        kids = [student_id] if student_id in (principal.children or ()) else []
        return _answer(visit, kids, student_id, error=refused, status=error.status)
    wait_for(visit.system, position)
    if not visit.fragment:
        return visit.redirect(f"/guardian?at={position}#child-{student_id}")
    return _answer(visit, [student_id], student_id, notice=said)


def _answer(visit: Visit, kids, about: str, status: int = 200, **said) -> Response:
    """The child's part alone (for console.js), or the whole page."""
    if visit.fragment and kids:
        [child] = children(visit, kids)
        return visit.render("child.html", status, child=child, about=about, **said)
    every = children(visit, sorted(visit.principal.children or ()))
    about = about if kids else None
    return visit.render("guardian.html", status, children=every, about=about, **said)


def children(visit: Visit, kids: list[str]) -> list[Child]:
    principal, queries = visit.principal, visit.system.queries
    [school_id] = principal.schools
    known = visit.names(school_id, kids)
    shares = q.shares_of(queries, [school_id], kids)
    return [
        Child(
            kid,
            known.names.get(kid),
            _balance(visit, school_id, kid),
            [s for s in shares if s.student_id == kid and s.state == "awaiting"],
            _latest(
                [s for s in shares if s.student_id == kid and s.state != "awaiting"]
            ),
        )
        for kid in kids
    ]


def _latest(settled: list[q.FamilyShare]) -> list[q.FamilyShare]:
    def when(share: q.FamilyShare) -> tuple:
        return (share.settled_at or share.delivered_at, share.day)

    return sorted(settled, key=when, reverse=True)[:SETTLED_SHOWN]


def _balance(visit: Visit, school_id: UUID, kid: str) -> f.Figures | None:
    try:
        return f.student_balance(visit.system.queries, school_id, kid).figures
    except NotFound:
        return None  # no seat yet: nothing charged
