"""For auditors and regulators: is the history intact?"""

from fastapi import APIRouter

from api.auth import Auditor
from api.deps import SystemDep
from api.schemas import READ_PROBLEMS, VerdictPublic

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
