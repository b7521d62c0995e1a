"""For auditors and regulators: is the history intact?"""

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Auditor, Reader
from api.deps import QueriesDep, SystemDep
from api.requests import Code, Reference
from api.schemas import READ_PROBLEMS, TracePublic, UsePublic, VerdictPublic
from domain.payment import Payment
from projections.trace import trace_payment

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=READ_PROBLEMS)


@router.get("/verify")
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


@router.get("/trace/payment")
def trace(
    channel: Annotated[Code, Query()],
    reference: Annotated[Reference, Query()],
    queries: QueriesDep,
    who: Reader,
) -> TracePublic:
    """Follow a payment: its deposit, each session share that consumed it (with
    the roster and the teacher it paid), and the refund of what was left."""
    found = trace_payment(queries, Payment.id_for(channel, reference))
    who.check_school(found.school_id, "payment")
    fields = {k: v for k, v in found.__dict__.items() if k != "uses"}
    uses = [UsePublic(**use.__dict__) for use in found.uses]
    return TracePublic(**fields, uses=uses, remaining=found.remaining)
