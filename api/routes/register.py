"""Enrolments and delivered sessions: the register the money follows."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.auth import SchoolAdmin
from api.commands import IdempotencyKey, Recorded, run
from api.deps import SystemDep
from api.requests import (
    DatedChange,
    EnrolmentCreate,
    LeaveCreate,
    Reversal,
    SessionCreate,
    StudentId,
)
from api.schemas import WRITE_PROBLEMS
from application import commands as c
from domain.course import Course

router = APIRouter(prefix="/v1", tags=["register"], responses=WRITE_PROBLEMS)
CREATED = {"status_code": 201, "response_model": Recorded}
DONE = {"status_code": 200, "response_model": Recorded}
Student = Annotated[StudentId, Path()]


@router.post("/courses/{course_id}/enrolments", **CREATED)
def enrol(
    course_id: UUID,
    body: EnrolmentCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Enrol a student; the fee for the sessions left is charged (none if exempt)."""
    command = c.Enrol(course_id, body.student_id, body.on, body.waived)
    return run(system, who, request, command, entity=course_id, key=key, body=body)


@router.post("/courses/{course_id}/enrolments/{student_id}/leave", **DONE)
def approve_leave(
    course_id: UUID,
    student_id: Student,
    body: LeaveCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Approve leave for given dates; those sessions' shares are credited back."""
    command = c.ApproveLeave(course_id, student_id, tuple(body.dates))
    return run(
        system, who, request, command, entity=course_id, key=key, body=body, status=200
    )


@router.post("/courses/{course_id}/enrolments/{student_id}/withdrawal", **DONE)
def withdraw(
    course_id: UUID,
    student_id: Student,
    body: DatedChange,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Withdraw a student; the unconsumed fee becomes the family's credit."""
    command = c.Withdraw(course_id, student_id, body.on)
    return run(
        system, who, request, command, entity=course_id, key=key, body=body, status=200
    )


@router.post("/courses/{course_id}/enrolments/{student_id}/waiver", **DONE)
def waive_fee(
    course_id: UUID,
    student_id: Student,
    body: DatedChange,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Exempt a family from what is left of the fee."""
    command = c.WaiveFee(course_id, student_id, body.on)
    return run(
        system, who, request, command, entity=course_id, key=key, body=body, status=200
    )


@router.post("/courses/{course_id}/sessions", **CREATED)
def deliver_session(
    course_id: UUID,
    body: SessionCreate,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Record a delivered session with its times, teacher and roster."""
    command = body.command(course_id)
    entity = Course.session_id_for(course_id, body.day)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/courses/{course_id}/sessions/{day}/reversal", **DONE)
def reverse_session(
    course_id: UUID,
    day: date,
    body: Reversal,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Reverse a session recorded in error; its entry is reversed line for line."""
    command = c.ReverseSession(course_id, day, body.reason)
    entity = Course.session_id_for(course_id, day)
    return run(
        system, who, request, command, entity=entity, key=key, body=body, status=200
    )
