"""For auditors and regulators: is the history intact?"""

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from api.auth import Auditor, Reader
from api.deps import QueriesDep, SystemDep, Today
from api.limits import TooMany
from api.names import names_of
from api.requests import Code, Reference
from api.schemas import (
    READ_PROBLEMS,
    AlertPublic,
    ConsistencyPublic,
    FindingPublic,
    ProofPublic,
    RunPublic,
    TracePublic,
    VerdictPublic,
)
from domain.errors import NotFound
from domain.payment import Payment
from domain.person import Kind
from infra.verified import Busy, TreeError
from projections.anomalies import RULES, anomalies
from projections.trace import trace_payment

AnomalyRule = Literal[tuple(RULES)]  # type: ignore[valid-type]

router = APIRouter(prefix="/v1", tags=["audit"], responses=READ_PROBLEMS)


@router.get("/audit/verify")
def verify(system: SystemDep, who: Auditor) -> VerdictPublic:
    """Recompute the events recorded since the last checkpoint from its chain
    hash: intact up to the last position (a new checkpoint), or the first
    position where stored data no longer matches. Costs what is new."""
    return VerdictPublic.of(system.verified.advance())


@router.post(
    "/audit/verify/whole",
    responses={429: {"description": "one ran recently, or one is running"}},
)
def verify_whole(system: SystemDep, who: Auditor) -> VerdictPublic:
    """Recompute the hash chain from the first event up to a new checkpoint.
    It reads the whole log, so it runs one at a time, at most once per
    ``whole_verification_interval`` seconds."""
    last = system.verified.whole_verified_at()
    interval = timedelta(seconds=system.settings.whole_verification_interval)
    if last and (wait := last + interval - datetime.now(UTC)) > timedelta(0):
        seconds = math.ceil(wait.total_seconds())
        raise TooMany(
            f"the whole log was verified at {last:%Y-%m-%d %H:%M:%S%z}; "
            f"try again in {seconds} s",
            retry_after=seconds,
        )
    try:
        return VerdictPublic.of(system.verified.verify_whole())
    except Busy as error:
        raise TooMany(str(error), retry_after=60) from None


@router.get("/schools/{school_id}/payments/trace")
def trace(
    school_id: UUID,
    channel: Annotated[Code, Query()],
    reference: Annotated[Reference, Query()],
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
) -> TracePublic:
    """Follow a payment: its deposit, the enrolments it paid, each session
    share of theirs it paid for (with the roster and the teacher it paid), and
    the refunds drawn on what was left."""
    who.check_school(school_id)
    found = trace_payment(queries, Payment.id_for(school_id, channel, reference))
    student = found.student_id
    known = names_of(system, who, request, school_id, Kind.STUDENT, [student])
    return TracePublic.of(
        found,
        student_name=known.names.get(student),
        student_erased=student in known.erased,
    )


@router.get("/audit/proof/{position}")
def proof(
    position: Annotated[int, Path(ge=1, le=2**62)],
    system: SystemDep,
    queries: QueriesDep,
    who: Auditor,
    size: Annotated[
        int | None, Query(ge=1, le=2**62, description="tree size of your digest")
    ] = None,
) -> ProofPublic:
    """An RFC 6962 audit path showing the event at a position is in the log of
    the first ``size`` events (by default, all verified so far); check it
    against a digest of that size with ``infra.digests.check_inclusion``, no
    database needed. Only events of the schools in the token's scope are
    proved."""
    who.check_school(queries.school_at(position), "event")
    verified = system.verified
    last = verified.checkpoint()
    try:
        if position > last.position or (size or 0) > last.size:
            verified.advance()
        return ProofPublic.of(verified.prove_inclusion(position, size))
    except TreeError as error:
        raise NotFound(str(error)) from None


@router.get("/audit/consistency")
def consistency(
    system: SystemDep,
    who: Auditor,
    old_size: Annotated[int, Query(ge=1, le=2**62, description="your digest's size")],
    size: Annotated[
        int | None, Query(ge=1, le=2**62, description="a later digest's size")
    ] = None,
) -> ConsistencyPublic:
    """An RFC 6962 consistency proof that the log of ``size`` events (by
    default, all verified so far) extends the log of your digest's
    ``old_size``; check it with ``domain.merkle.verify_consistency``, no
    database needed."""
    verified = system.verified
    try:
        if (size or old_size) > verified.checkpoint().size:
            verified.advance()
        return ConsistencyPublic.of(verified.prove_consistency(old_size, size))
    except TreeError as error:
        raise NotFound(str(error)) from None


@router.get("/audit/runs")
def runs(system: SystemDep, who: Auditor) -> list[RunPublic]:
    """The scheduler's latest runs, newest first: each watch round and
    nightly run, whether it finished, and what it found."""
    return [RunPublic(**row) for row in system.runs.listed()]


@router.get("/audit/alerts")
def alerts(
    system: SystemDep, who: Auditor, open_only: bool = True
) -> list[AlertPublic]:
    """Alerts about the schools in scope and about the whole log, newest
    first: open ones by default, with when each was sent."""
    rows = system.alerts.listed(who.schools, open_only=open_only)
    return [AlertPublic.of(row) for row in rows]


@router.get("/audit/anomalies")
def audit_anomalies(
    queries: QueriesDep,
    who: Auditor,
    today: Today,
    school_id: UUID | None = None,
    rule: AnomalyRule | None = None,
    severity: Literal["high", "medium", "low"] | None = None,
) -> list[FindingPublic]:
    """Findings of the fraud and error rules in the schools in scope (or one),
    each with its rule, severity and evidence."""
    if school_id:
        who.check_school(school_id)
    schools = [school_id] if school_id else sorted(who.schools)
    found = anomalies(
        queries,
        schools,
        today=today,
        rules=[rule] if rule else (),
        severity=severity,
    )
    return [FindingPublic(**f.__dict__) for f in found]
