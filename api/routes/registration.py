"""Course registration in a term's window, waiting lists, leave requests and
weekly ratings.

A guardian registers, takes off a waiting list, asks leave and rates courses
for their own children; the school does the rest.
"""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.auth import Family, Reader, SchoolAdmin
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep
from api.requests import (
    LeaveRequestCreate,
    RatingCreate,
    RegistrationCreate,
    RegistrationWindowOpen,
    StudentId,
    WaitingListDeparture,
)
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    LeaveRequestPublic,
    RegistrationPublic,
    TermRegistrationsPublic,
)
from application import commands as c
from domain.leave import LeaveRequest
from domain.rating import Rating
from projections import registrations as r

router = APIRouter(prefix="/v1", tags=["registration"])
CREATED = {"status_code": 201, "response_model": Recorded, "responses": WRITE_PROBLEMS}
DONE = {"status_code": 200, "response_model": Recorded, "responses": WRITE_PROBLEMS}
READ = {"responses": READ_PROBLEMS}
Student = Annotated[StudentId, Path()]


@router.post("/terms/{term_id}/registration-window", **DONE)
def open_registration(
    term_id: UUID,
    body: RegistrationWindowOpen,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Open registration from ``opens`` until ``closes`` (replacing any window)."""
    command = c.OpenRegistration(term_id, body.opens, body.closes)
    return run(
        system, who, request, command, entity=term_id, key=key, body=body, status=200
    )


@router.post("/terms/{term_id}/registration-window/closure", **DONE)
def close_registration(
    term_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Close registration early, now."""
    command = c.CloseRegistration(term_id)
    return run(
        system, who, request, command, entity=term_id, key=key, body=None, status=200
    )


@router.post("/terms/{term_id}/registrations", **CREATED)
def register(
    term_id: UUID,
    body: RegistrationCreate,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Register a student for a course of the term: a seat and its fee charge,
    or, when the course is full, a place on its waiting list."""
    command = c.Register(term_id, body.course_id, body.student_id)
    return run(system, who, request, command, entity=body.course_id, key=key, body=body)


@router.post("/courses/{course_id}/waiting-list/departures", **DONE)
def leave_waiting_list(
    course_id: UUID,
    body: WaitingListDeparture,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Take a student off the course's waiting list."""
    command = c.LeaveWaitingList(course_id, body.student_id)
    return run(
        system, who, request, command, entity=course_id, key=key, body=body, status=200
    )


@router.post("/courses/{course_id}/enrolments/{student_id}/leave-requests", **CREATED)
def request_leave(
    course_id: UUID,
    student_id: Student,
    body: LeaveRequestCreate,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Ask leave for dates, with a reason code; the school decides."""
    command = c.RequestLeave(course_id, student_id, tuple(body.dates), body.reason)
    entity = LeaveRequest.id_for(course_id, student_id, body.dates)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/courses/{course_id}/ratings", **CREATED)
def rate_course(
    course_id: UUID,
    body: RatingCreate,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Rate a week of a course the child was present at, and its teacher,
    each 1 to 5, once per week; an optional comment."""
    command = body.command(course_id)
    entity = Rating.id_for(course_id, body.student_id, body.week)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/leave-requests/{request_id}/approval", **DONE)
def approve_leave_request(
    request_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Approve a leave request; those sessions' shares are credited back."""
    command = c.ApproveLeaveRequest(request_id)
    return run(
        system, who, request, command, entity=request_id, key=key, body=None, status=200
    )


@router.post("/leave-requests/{request_id}/refusal", **DONE)
def decline_leave_request(
    request_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Decline a leave request."""
    command = c.DeclineLeaveRequest(request_id)
    return run(
        system, who, request, command, entity=request_id, key=key, body=None, status=200
    )


@router.get("/terms/{term_id}/registrations", **READ)
def term_registrations(
    term_id: UUID, queries: QueriesDep, who: Reader
) -> TermRegistrationsPublic:
    """The term's registration window, and who holds or waits for a seat."""
    window = r.window(queries, term_id)
    who.check_school(window.school_id, "term")
    return TermRegistrationsPublic(
        term_id=term_id,
        code=window.code,
        opens=window.opens,
        closes=window.closes,
        closed_early=bool(window.closed_early),
        registrations=[
            RegistrationPublic(**x.__dict__) for x in r.of_term(queries, term_id)
        ],
    )


@router.get("/courses/{course_id}/waiting-list", **READ)
def waiting_list(
    course_id: UUID, queries: QueriesDep, who: Reader
) -> list[RegistrationPublic]:
    """Who waits for a seat in the course, in the order they will be promoted."""
    who.check_school(r.course_school(queries, course_id), "course")
    return [
        RegistrationPublic(**x.__dict__) for x in r.waiting_list(queries, course_id)
    ]


@router.get("/courses/{course_id}/leave-requests", **READ)
def leave_requests(
    course_id: UUID,
    queries: QueriesDep,
    who: Reader,
    status: Literal["requested", "approved", "declined"] | None = None,
) -> list[LeaveRequestPublic]:
    """The course's leave requests, with who decided them and when."""
    who.check_school(r.course_school(queries, course_id), "course")
    rows = r.leave_requests(queries, course_id, status)
    return [LeaveRequestPublic(**x.__dict__) for x in rows]
