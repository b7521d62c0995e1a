"""Families confirm the sessions their children consumed, or dispute them;
schools answer disputes and regulators decide the escalated ones.

A guardian acts for their own children (a school admin may record what a
family says in person); a bursar or school admin answers for the school; a
regulator decides what is escalated, in their district.
"""

from uuid import UUID

from fastapi import APIRouter, Request

from api.auth import Family, Guardian, Regulator, Staff
from api.commands import IdempotencyKey, Recorded, run
from api.deps import SystemDep
from api.requests import (
    ConfirmationCreate,
    DisputeAnswer,
    DisputeCreate,
    DisputeDecision,
)
from api.schemas import WRITE_PROBLEMS
from application import commands as c
from domain.course import Course
from domain.dispute import Dispute

router = APIRouter(prefix="/v1", tags=["confirmation"])
CREATED = {"status_code": 201, "response_model": Recorded, "responses": WRITE_PROBLEMS}
DONE = {"status_code": 200, "response_model": Recorded, "responses": WRITE_PROBLEMS}


@router.post("/courses/{course_id}/confirmations", **CREATED)
def confirm(
    course_id: UUID,
    body: ConfirmationCreate,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Confirm the child consumed one session, or every session up to a day,
    whose share awaits the family: the shares are released to the course."""
    command = c.ConfirmShares(course_id, body.student_id, body.day, body.earlier_too)
    return run(system, who, request, command, entity=course_id, key=key, body=body)


@router.post("/courses/{course_id}/disputes", **CREATED)
def open_dispute(
    course_id: UUID,
    body: DisputeCreate,
    system: SystemDep,
    who: Family,
    request: Request,
    key: IdempotencyKey = None,
):
    """Dispute the child's share of a session within the silence period: the
    share is held until the school (or the regulator) settles it."""
    command = c.OpenDispute(
        course_id, body.student_id, body.day, body.grounds.value, body.reason
    )
    session_id = Course.session_id_for(course_id, body.day)
    entity = Dispute.id_for(session_id, body.student_id)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/disputes/{dispute_id}/answer", **DONE)
def answer_dispute(
    dispute_id: UUID,
    body: DisputeAnswer,
    system: SystemDep,
    who: Staff,
    request: Request,
    key: IdempotencyKey = None,
):
    """The school accepts (the share is credited back to the family) or
    rejects with evidence (the family may escalate)."""
    command = c.AnswerDispute(dispute_id, body.accept, body.evidence)
    return run(
        system, who, request, command, entity=dispute_id, key=key, body=body, status=200
    )


@router.post("/disputes/{dispute_id}/escalation", **DONE)
def escalate_dispute(
    dispute_id: UUID,
    system: SystemDep,
    who: Guardian,
    request: Request,
    key: IdempotencyKey = None,
):
    """The family takes a rejected dispute to the regulator."""
    command = c.EscalateDispute(dispute_id)
    return run(
        system, who, request, command, entity=dispute_id, key=key, body=None, status=200
    )


@router.post("/disputes/{dispute_id}/decision", **DONE)
def decide_dispute(
    dispute_id: UUID,
    body: DisputeDecision,
    system: SystemDep,
    who: Regulator,
    request: Request,
    key: IdempotencyKey = None,
):
    """The regulator upholds the family (credited back) or dismisses the
    dispute (released)."""
    command = c.DecideDispute(dispute_id, body.upheld, body.note)
    return run(
        system, who, request, command, entity=dispute_id, key=key, body=body, status=200
    )
