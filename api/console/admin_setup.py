"""The school administrator's term set-up: terms with their release policy,
teachers and their rates, courses, the registration window, and each
course's enrolments. Forms send the commands of the API's set-up,
register and registration routes, read with the API's request models."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from api.console.admin import ROSTER_LIMIT, Admin, Sent
from api.console.forms import Said, read, send
from api.console.web import Visit
from api.console.words import N_
from api.deps import wait_for
from api.requests import (
    CourseCreate,
    EnrolmentCreate,
    RateChange,
    RegistrationWindowOpen,
    TeacherCreate,
    TermCreate,
)
from application import commands as c
from domain.course import Category
from domain.errors import NotFound
from domain.school import Release
from projections import lists as q
from projections import registrations as r
from projections.schoolday import course_on

router = APIRouter(prefix="/admin")
At = Annotated[int | None, Query(ge=0)]
Field = Annotated[str, Form(max_length=200)]
LISTED = 200
CATEGORIES = {
    Category.HOMEWORK: N_("homework"),
    Category.SPORTS: N_("sports"),
    Category.SCIENCE: N_("science"),
    Category.ARTS: N_("arts"),
    Category.LABOUR: N_("labour"),
    Category.READING: N_("reading"),
    Category.WELLBEING: N_("wellbeing"),
    Category.PRACTICE: N_("practice"),
}
RELEASES = {
    Release.ON_CONFIRMATION: N_("once the family confirms or stays silent"),
    Release.ON_DELIVERY: N_("on delivery"),
}
KINDS = {"staff": N_("staff"), "external": N_("external instructor")}


@router.get("/setup")
def setup(visit: Admin, term: UUID | None = None, at: At = None) -> Response:
    if at:
        wait_for(visit.system, at)
    return _setup(visit, term)


def _setup(visit: Visit, chosen: UUID | None, status: int = 200, **said) -> Response:
    school_id, queries = visit.school, visit.system.queries
    terms = q.TERMS.page(queries, {"school": school_id}, None, LISTED).rows
    term = _chosen(terms, chosen, visit.today)
    courses = (
        q.COURSES.page(
            queries,
            {"term": term.term_id, "category": None, "teacher": None},
            None,
            LISTED,
        ).rows
        if term
        else []
    )
    teachers = q.TEACHERS.page(
        queries, {"school": school_id, "kind": None}, None, LISTED
    ).rows
    return visit.render(
        "admin_setup.html",
        status,
        terms=terms,
        term=term,
        window=r.window(queries, term.term_id) if term else None,
        courses=courses,
        teachers=teachers,
        categories=CATEGORIES,
        releases=RELEASES,
        kinds=KINDS,
        today=visit.today,
        **said,
    )


def _chosen(terms: list[q.Term], chosen: UUID | None, on: date) -> q.Term | None:
    """The term asked for, else the one running today, else the latest."""
    for term in terms:
        if term.term_id == chosen:
            return term
    running = [t for t in terms if t.starts <= on <= t.ends]
    return (running or terms[-1:] or [None])[0]


def _done(visit: Visit, term: UUID | None, position: int, anchor: str) -> Response:
    chosen = f"term={term}&" if term else ""
    return visit.redirect(f"/admin/setup?{chosen}at={position}#{anchor}")


@router.post("/setup/terms")
def open_term(
    visit: Sent,
    code: Field = "",
    starts: Field = "",
    ends: Field = "",
    fee_per_term: Field = "",
    fee_cap: Field = "",
    planned_sessions: Field = "",
    refund_deadline_days: Field = "",
    absence_consumes: Field = "",
    closed_days: Annotated[str, Form(max_length=8000)] = "",
    release: Field = "",
    silence_days: Field = "",
    answer_days: Field = "",
) -> Response:
    school_id = visit.school
    try:
        body = read(
            visit,
            TermCreate,
            code=code.strip(),
            starts=starts,
            ends=ends,
            fee_per_term=fee_per_term.strip(),
            fee_cap=fee_cap.strip(),
            planned_sessions=planned_sessions,
            refund_deadline_days=refund_deadline_days,
            absence_consumes=bool(absence_consumes),
            closed_days=closed_days.replace(",", " ").split(),
            release=release,
            silence_days=silence_days,
            answer_days=answer_days,
        )
        position = send(
            visit,
            body.command(school_id),
        )
    except Said as said:
        return _setup(visit, None, said.status, error=said.message, form="term")
    return _done(visit, None, position, "terms")


@router.post("/setup/teachers")
def register_teacher(
    visit: Sent,
    code: Field = "",
    kind: Field = "",
    rate: Field = "",
    since: Field = "",
    term: Annotated[UUID | None, Form()] = None,
) -> Response:
    school_id = visit.school
    try:
        body = read(
            visit,
            TeacherCreate,
            code=code.strip(),
            kind=kind,
            rate=rate.strip(),
            since=since,
        )
        command = c.RegisterTeacher(
            school_id, body.code, body.kind, body.rate, body.since
        )
        position = send(visit, command)
    except Said as said:
        return _setup(visit, term, said.status, error=said.message, form="teacher")
    return _done(visit, term, position, "teachers")


@router.post("/setup/rates")
def change_rate(
    visit: Sent,
    teacher_id: Annotated[UUID, Form()],
    rate: Field = "",
    effective: Field = "",
    term: Annotated[UUID | None, Form()] = None,
) -> Response:
    try:
        body = read(visit, RateChange, rate=rate.strip(), effective=effective)
        position = send(visit, c.ChangeRate(teacher_id, body.rate, body.effective))
    except Said as said:
        return _setup(visit, term, said.status, error=said.message, form="rate")
    return _done(visit, term, position, "teachers")


@router.post("/setup/terms/{term_id}/courses")
def open_course(
    term_id: UUID,
    visit: Sent,
    code: Field = "",
    name: Field = "",
    category: Field = "",
    capacity: Field = "",
    teacher_id: Field = "",
    fee: Field = "",
    planned_sessions: Field = "",
) -> Response:
    try:
        body = read(
            visit,
            CourseCreate,
            code=code.strip(),
            name=name.strip(),
            category=category,
            capacity=capacity,
            teacher_id=teacher_id,
            fee=fee.strip(),
            planned_sessions=planned_sessions,
        )
        command = c.OpenCourse(
            term_id,
            body.code,
            body.name,
            body.category,
            body.capacity,
            body.teacher_id,
            body.fee,
            body.planned_sessions,
        )
        position = send(visit, command)
    except Said as said:
        return _setup(visit, term_id, said.status, error=said.message, form="course")
    return _done(visit, term_id, position, "courses")


@router.post("/setup/terms/{term_id}/registration-window")
def open_registration(
    term_id: UUID, visit: Sent, opens: Field = "", closes: Field = ""
) -> Response:
    try:
        body = read(visit, RegistrationWindowOpen, opens=opens, closes=closes)
        position = send(visit, c.OpenRegistration(term_id, body.opens, body.closes))
    except Said as said:
        return _setup(visit, term_id, said.status, error=said.message, form="window")
    return _done(visit, term_id, position, "registration")


@router.post("/setup/terms/{term_id}/registration-window/closure")
def close_registration(term_id: UUID, visit: Sent) -> Response:
    try:
        position = send(visit, c.CloseRegistration(term_id))
    except Said as said:
        return _setup(visit, term_id, said.status, error=said.message, form="window")
    return _done(visit, term_id, position, "registration")


@router.get("/courses/{course_id}")
def course(course_id: UUID, visit: Admin, at: At = None) -> Response:
    if at:
        wait_for(visit.system, at)
    return _course(visit, course_id)


@router.post("/courses/{course_id}/enrolments")
def enrol(
    course_id: UUID,
    visit: Sent,
    student_id: Field = "",
    on: Field = "",
    waived: Field = "",
) -> Response:
    try:
        body = read(
            visit,
            EnrolmentCreate,
            student_id=student_id.strip(),
            on=on,
            waived=bool(waived),
        )
        command = c.Enrol(course_id, body.student_id, body.on, body.waived)
        position = send(visit, command)
    except Said as said:
        return _course(visit, course_id, said.status, error=said.message)
    return visit.redirect(f"/admin/courses/{course_id}?at={position}#enrolments")


def _course(visit: Visit, course_id: UUID, status: int = 200, **said) -> Response:
    queries = visit.system.queries
    try:
        school_id = q.course_school(queries, course_id)
        visit.principal.check_school(school_id, "course")
    except NotFound:
        message = visit.speaker.gettext("No such course at your school.")
        return visit.render("refused.html", 404, message=message)
    seats = q.ENROLMENTS.page(
        queries, {"course": course_id, "status": None}, None, ROSTER_LIMIT
    ).rows
    known = visit.names(school_id, [s.student_id for s in seats])
    return visit.render(
        "admin_course.html",
        status,
        course=course_on(queries, course_id, visit.today),
        seats=seats,
        names=known.names,
        today=visit.today,
        **said,
    )
