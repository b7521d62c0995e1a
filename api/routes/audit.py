"""For auditors and regulators: is the history intact?"""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query

from api.auth import Auditor, Reader
from api.deps import QueriesDep, SystemDep, Today
from api.requests import Code, Reference
from api.schemas import (
    READ_PROBLEMS,
    FindingPublic,
    ProofPublic,
    TracePublic,
    VerdictPublic,
)
from domain.errors import NotFound
from domain.payment import Payment
from infra.digests import DigestError, prove_inclusion
from projections.anomalies import RULES, anomalies
from projections.trace import trace_payment

AnomalyRule = Literal[tuple(RULES)]  # type: ignore[valid-type]

router = APIRouter(prefix="/v1", tags=["audit"], responses=READ_PROBLEMS)


@router.get("/audit/verify")
def verify(system: SystemDep, who: Auditor) -> VerdictPublic:
    """Recompute the hash chain over every stored event: intact up to the last
    position, or the first position where stored data no longer matches."""
    verdict = system.chain.verify()
    return VerdictPublic(
        intact=verdict.intact,
        position=verdict.position,
        events=verdict.events,
        head=verdict.head.hex(),
        message=verdict.message,
        problem=verdict.problem or None,
    )


@router.get("/schools/{school_id}/payments/trace")
def trace(
    school_id: UUID,
    channel: Annotated[Code, Query()],
    reference: Annotated[Reference, Query()],
    queries: QueriesDep,
    who: Reader,
) -> TracePublic:
    """Follow a payment: its deposit, the enrolments it paid, each session
    share of theirs it paid for (with the roster and the teacher it paid), and
    the refunds drawn on what was left."""
    who.check_school(school_id)
    found = trace_payment(queries, Payment.id_for(school_id, channel, reference))
    return TracePublic.of(found)


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
    the first ``size`` events; check it against a digest of that size with
    ``infra.digests.check_inclusion``, no database needed. Only events of the
    schools in the token's scope are proved."""
    who.check_school(queries.school_at(position), "event")
    try:
        found = prove_inclusion(system.chain, position, size)
    except DigestError as error:
        raise NotFound(str(error)) from None
    return ProofPublic(**found.__dict__)


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
