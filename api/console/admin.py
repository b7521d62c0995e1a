"""The school administrator's day: today's sessions first, each recorded on a
phone from its roster, then the leave requests to decide. Every form sends
the API's own command, read with the API's own request model."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response

from api.console.forms import Said, read, send
from api.console.web import Visit, form_for, page_for
from api.console.words import N_
from api.deps import wait_for
from api.requests import Reversal, SessionCreate
from application import commands as c
from domain.errors import NotFound
from infra.tokens import Role
from projections import lists as q
from projections import schoolday as d

router = APIRouter(prefix="/admin")
Admin = Annotated[Visit, Depends(page_for(Role.SCHOOL_ADMIN))]
Sent = Annotated[Visit, Depends(form_for(Role.SCHOOL_ADMIN))]
At = Annotated[int | None, Query(ge=0)]
ROSTER_LIMIT = 1000


LEAVE_REASONS = {
    "illness": N_("illness"),
    "appointment": N_("appointment"),
    "family": N_("family matters"),
    "travel": N_("travel"),
    "other": N_("other"),
}
DECIDED = {"approved": N_("Leave approved."), "refused": N_("Leave refused.")}


@router.get("")
def home(
    visit: Admin, at: At = None, said: Literal["approved", "refused"] | None = None
) -> Response:
    if at:
        wait_for(visit.system, at)
    notice = visit.speaker.gettext(DECIDED[said]) if said else None
    return _home(visit, notice=notice)


def _home(visit: Visit, status: int = 200, **said) -> Response:
    school_id, on = visit.school, visit.today
    queries, calendar = visit.system.queries, visit.system.funds.calendar
    meeting = sorted(  # those still to record first
        (
            course
            for course in d.meeting_on(queries, school_id, on)
            if calendar.closing(course.closed_days).works(on)
        ),
        key=lambda course: course.recorded,
    )
    asked = d.leave_awaiting(queries, school_id)
    known = visit.names(school_id, {a.student_id for a in asked})
    return visit.render(
        "admin.html",
        status,
        today=on,
        meeting=meeting,
        asked=asked,
        names=known.names,
        reasons=LEAVE_REASONS,
        **said,
    )


@router.post("/leave-requests/{request_id}/approval")
def approve_leave(request_id: UUID, visit: Sent) -> Response:
    return _decide(visit, c.ApproveLeaveRequest(request_id), "approved")


@router.post("/leave-requests/{request_id}/refusal")
def refuse_leave(request_id: UUID, visit: Sent) -> Response:
    return _decide(visit, c.DeclineLeaveRequest(request_id), "refused")


def _decide(visit: Visit, command, decided: str) -> Response:
    try:
        position = send(visit, command)
    except Said as said:
        return _home(visit, said.status, error=said.message)
    return visit.redirect(f"/admin?at={position}&said={decided}#leave")


@dataclass(frozen=True)
class Pupil:
    student_id: str
    name: str | None


@router.get("/courses/{course_id}/sessions/{day}")
def session(course_id: UUID, day: date, visit: Admin, at: At = None) -> Response:
    if at:
        wait_for(visit.system, at)
    return _session(visit, course_id, day)


@router.post("/courses/{course_id}/sessions/{day}")
def record_session(
    course_id: UUID,
    day: date,
    visit: Sent,
    teacher_id: Annotated[str, Form(max_length=64)] = "",
    starts: Annotated[str, Form(max_length=16)] = "",
    ends: Annotated[str, Form(max_length=16)] = "",
    present: Annotated[list[str], Form(max_length=ROSTER_LIMIT)] = [],  # noqa: B006
) -> Response:
    try:
        body = read(
            visit,
            SessionCreate,
            day=day,
            starts=starts,
            ends=ends,
            teacher_id=teacher_id,
            present=present,
        )
        command = body.command(course_id)
        position = send(visit, command)
    except Said as said:
        return _session(visit, course_id, day, said.status, error=said.message)
    return visit.redirect(f"/admin/courses/{course_id}/sessions/{day}?at={position}")


@router.post("/courses/{course_id}/sessions/{day}/reversal")
def reverse_session(
    course_id: UUID,
    day: date,
    visit: Sent,
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        body = read(visit, Reversal, reason=reason)
        position = send(visit, c.ReverseSession(course_id, day, body.reason))
    except Said as said:
        return _session(visit, course_id, day, said.status, error=said.message)
    return visit.redirect(f"/admin/courses/{course_id}/sessions/{day}?at={position}")


def _session(
    visit: Visit, course_id: UUID, day: date, status: int = 200, **said
) -> Response:
    queries = visit.system.queries
    try:
        course = d.course_on(queries, course_id, day)
        visit.principal.check_school(course.school_id, "course")
    except NotFound:
        message = visit.speaker.gettext("No such course at your school.")
        return visit.render("refused.html", 404, message=message)
    seats = q.ENROLMENTS.page(
        queries, {"course": course_id, "status": "active"}, None, ROSTER_LIMIT
    ).rows
    ids = [s.student_id for s in seats]
    known = visit.names(course.school_id, ids)
    teachers = q.TEACHERS.page(
        queries, {"school": course.school_id, "kind": None}, None, ROSTER_LIMIT
    ).rows
    return visit.render(
        "admin_session.html",
        status,
        course=course,
        day_=day,
        pupils=[Pupil(s, known.names.get(s)) for s in ids],
        teachers=teachers,
        usual=usual_times(course),
        **said,
    )


def usual_times(course: d.CourseDay) -> tuple[str, str]:
    """Check-in and check-out the form starts with: the term's earliest end,
    and its daily minutes before it."""
    ends = datetime.combine(date.min, course.earliest_end)
    starts = ends - timedelta(minutes=course.min_minutes)
    return _clock(starts.time()), _clock(course.earliest_end)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")
