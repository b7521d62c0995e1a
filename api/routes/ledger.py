from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import QueriesDep
from api.schemas import AccountPublic, CourseBalancePublic, TrialBalancePublic

router = APIRouter(tags=["ledger"])


@router.get("/ledger/trial-balance")
def trial_balance(
    queries: QueriesDep,
    school_id: UUID | None = None,
    as_of: Annotated[
        date | None, Query(description="effective date, inclusive")
    ] = None,
    at_position: Annotated[
        int | None, Query(ge=0, description="log position, inclusive")
    ] = None,
) -> TrialBalancePublic:
    """Every account's debits and credits; the totals are equal."""
    tb = queries.trial_balance(
        school_id=school_id, as_of=as_of, at_position=at_position
    )
    return TrialBalancePublic(
        school_id=school_id,
        as_of=as_of,
        at_position=at_position,
        accounts=[AccountPublic(**a.__dict__, balance=a.balance) for a in tb.accounts],
        total_debit=tb.total_debit,
        total_credit=tb.total_credit,
        balanced=tb.total_debit == tb.total_credit,
    )


@router.get("/courses/{course_id}/balance")
def course_balance(course_id: UUID, queries: QueriesDep) -> CourseBalancePublic:
    """A course's fees charged, released and credited back, and its teacher pay."""
    return CourseBalancePublic(**queries.course(course_id).__dict__)
