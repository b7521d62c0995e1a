from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import QueriesDep
from api.schemas import (
    READ_PROBLEMS,
    AccountPublic,
    EntryPublic,
    HistoryPublic,
    TrialBalancePublic,
)

router = APIRouter(prefix="/v1", tags=["ledger"], responses=READ_PROBLEMS)
AsOf = Annotated[date | None, Query(description="effective date, inclusive")]
AtPosition = Annotated[
    int | None, Query(ge=0, le=2**62, description="log position, inclusive")
]


@router.get("/ledger/trial-balance")
def trial_balance(
    queries: QueriesDep,
    who: Reader,
    school_id: UUID | None = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
) -> TrialBalancePublic:
    """Every account of the schools in scope (or one school); debits equal credits."""
    if school_id:
        who.check_school(school_id)
    schools = [school_id] if school_id else sorted(who.schools)
    tb = queries.trial_balance(schools, as_of=as_of, at_position=at_position)
    return TrialBalancePublic(
        school_id=school_id,
        as_of=as_of,
        at_position=at_position,
        accounts=[AccountPublic(**a.__dict__, balance=a.balance) for a in tb.accounts],
        total_debit=tb.total_debit,
        total_credit=tb.total_credit,
        balanced=tb.total_debit == tb.total_credit,
    )


@router.get("/schools/{school_id}/ledger/entries")
def ledger_entries(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    account: Annotated[
        str | None, Query(max_length=200, pattern=r"^[\x21-\x7e]+$")
    ] = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="a position")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    """Journal entries in log order, each with its balanced lines."""
    who.check_school(school_id)
    entries = queries.entries(
        school_id,
        account=account,
        as_of=as_of,
        at_position=at_position,
        after=after,
        limit=limit,
    )
    return [EntryPublic.model_validate(e, from_attributes=True) for e in entries]


@router.get("/history/{entity_id}")
def history(entity_id: UUID, queries: QueriesDep, who: Reader) -> list[HistoryPublic]:
    """Every event of one school, term, teacher, course, payment, refund or grant:
    who recorded it, in which role, when, for which day, and what it said."""
    who.check_school(queries.owner(entity_id), "entity")
    return [HistoryPublic(**h.__dict__) for h in queries.history(entity_id)]
