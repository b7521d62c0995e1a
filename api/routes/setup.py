"""Schools, terms, teachers and courses: a school administrator's set-up."""

from uuid import UUID

from fastapi import APIRouter, Request

from api.auth import SchoolAdmin
from api.commands import IdempotencyKey, Recorded, run
from api.deps import SystemDep
from api.requests import (
    CourseCreate,
    RateChange,
    SchoolCreate,
    TeacherCreate,
    TermCreate,
)
from api.schemas import WRITE_PROBLEMS
from application import commands as c
from domain.course import Course
from domain.school import School, Term
from domain.teacher import Teacher

router = APIRouter(prefix="/v1", tags=["set-up"], responses=WRITE_PROBLEMS)
CREATED = {"status_code": 201, "response_model": Recorded}


@router.post("/schools", **CREATED)
def register_school(
    body: SchoolCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Register a school; its code is the one on the administrator's token."""
    command = c.RegisterSchool(body.district, body.code, body.name)
    entity = School.id_for(body.code)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/schools/{school_id}/terms", **CREATED)
def open_term(
    school_id: UUID,
    body: TermCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Open a term with its fee policy."""
    command = body.command(school_id)
    entity = Term.id_for(school_id, body.code)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/schools/{school_id}/teachers", **CREATED)
def register_teacher(
    school_id: UUID,
    body: TeacherCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Register a staff teacher or an external instructor with a rate per session."""
    command = c.RegisterTeacher(school_id, body.code, body.kind, body.rate, body.since)
    entity = Teacher.id_for(school_id, body.code)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/teachers/{teacher_id}/rates", **CREATED)
def change_rate(
    teacher_id: UUID,
    body: RateChange,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Change a rate from a date on; pay before that date is untouched."""
    command = c.ChangeRate(teacher_id, body.rate, body.effective)
    return run(system, who, request, command, entity=teacher_id, key=key, body=body)


@router.post("/terms/{term_id}/courses", **CREATED)
def open_course(
    term_id: UUID,
    body: CourseCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Open a course in a term; fee and planned sessions default to the term's."""
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
    entity = Course.id_for(term_id, body.code)
    return run(system, who, request, command, entity=entity, key=key, body=body)
