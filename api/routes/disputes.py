"""Families confirm the sessions their children consumed, or dispute them;
schools answer disputes and regulators decide the escalated ones.

A guardian acts for their own children (a school admin may record what a
family says in person); a bursar or school admin answers for the school; a
regulator decides what is escalated, in their district.
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from api.auth import Family, Guardian, Reader, Regulator, Staff
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep, Today
from api.pages import After, Limit, cursor, next_after
from api.requests import (
    ConfirmationCreate,
    DisputeAnswer,
    DisputeCreate,
    DisputeDecision,
    StudentId,
)
from api.routes.compliance import District, in_district
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    DisputePublic,
    DisputesPublic,
    SharePublic,
)
from application import commands as c
from domain.course import Course
from domain.dispute import Dispute, Status
from projections import confirmations as q

router = APIRouter(prefix="/v1", tags=["confirmation"])
READ = {"responses": READ_PROBLEMS}
Student = Annotated[StudentId, Path()]
State = Annotated[
    str | None,
    Query(pattern="^(awaiting|confirmed|disputed|credited|released|reversed)$"),
]
DisputeStatus = Annotated[Status | None, Query()]

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


@router.get("/guardian/shares", **READ)
def guardian_shares(
    queries: QueriesDep, who: Guardian, state: State = "awaiting"
) -> list[SharePublic]:
    """The children's shares of sessions that await (or awaited) the
    family's confirmation, with the last day to confirm or dispute each."""
    [school_id] = who.schools
    found = q.shares_of(queries, who.schools, who.children or (), _states(state))
    return [SharePublic(**x.__dict__) for x in found if x.school_id == school_id]


@router.get("/schools/{school_id}/students/{student_id}/shares", **READ)
def student_shares(
    school_id: UUID,
    student_id: Student,
    queries: QueriesDep,
    who: Reader,
    state: State = None,
) -> list[SharePublic]:
    """A child's shares that awaited the family's confirmation, and how each
    was settled."""
    who.check_school(school_id)
    found = q.shares_of(queries, [school_id], [student_id], _states(state))
    return [SharePublic(**x.__dict__) for x in found]


@router.get("/schools/{school_id}/disputes", **READ)
def school_disputes(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    today: Today,
    status: DisputeStatus = None,
    after: After = None,
    limit: Limit = 100,
) -> DisputesPublic:
    """The school's disputes oldest first, of one status or all, with their
    age and deadlines."""
    who.check_school(school_id)
    return _disputes(queries, {school_id}, today, status, after, limit)


@router.get("/districts/{district}/disputes", **READ)
def district_disputes(
    district: District,
    queries: QueriesDep,
    who: Regulator,
    today: Today,
    status: DisputeStatus = None,
    after: After = None,
    limit: Limit = 100,
) -> DisputesPublic:
    """Every dispute of the district's schools by status and age: the
    escalated ones are the regulator's to decide."""
    schools = in_district(queries, who, district)
    return _disputes(queries, schools, today, status, after, limit)


def _states(state: str | None) -> list[str] | None:
    return None if state is None else [state]


def _disputes(queries, schools, today, status, after, limit) -> DisputesPublic:
    found = q.disputes_of(
        queries,
        schools,
        today=today,
        status=status.value if status else None,
        limit=limit,
        after=cursor(after, "disputes", datetime.fromisoformat, UUID),
    )
    return DisputesPublic(
        counts=q.dispute_counts(queries, schools),
        disputes=[DisputePublic(**x.__dict__) for x in found],
        next_after=next_after(
            found[-1].after if len(found) == limit else None, "disputes"
        ),
    )
