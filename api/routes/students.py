from datetime import date
from uuid import UUID

from fastapi import APIRouter

from api.deps import QueriesDep
from api.schemas import StudentBalancePublic

router = APIRouter(tags=["students"])


@router.get("/schools/{school_id}/students/{student_id}/balance")
def student_balance(
    school_id: UUID,
    student_id: str,
    queries: QueriesDep,
    as_of: date | None = None,
    at_position: int | None = None,
) -> StudentBalancePublic:
    """What a family was charged, paid, consumed and refunded; what it owes."""
    balance = queries.student_balance(
        school_id, student_id, as_of=as_of, at_position=at_position
    )
    return StudentBalancePublic.of(balance, as_of=as_of, at_position=at_position)
