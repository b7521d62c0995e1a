from uuid import UUID

from fastapi import APIRouter

from api.deps import QueriesDep
from api.schemas import DistrictPublic, FundPublic

router = APIRouter(tags=["funds"])


@router.get("/schools/{school_id}/fund")
def school_fund(school_id: UUID, queries: QueriesDep) -> FundPublic:
    """A school's supervised fund: bank, what it owes families and teachers."""
    return FundPublic.of(queries.fund(school_id))


@router.get("/districts/{district}/funds")
def district_funds(district: str, queries: QueriesDep) -> DistrictPublic:
    """Every school's fund in a district, and which hold less than they owe."""
    funds = queries.funds(district=district)
    return DistrictPublic(
        district=district,
        schools=[FundPublic.of(f) for f in funds],
        bank=sum(f.bank for f in funds),
        held_for_families=sum(f.held_for_families for f in funds),
        uncovered_schools=[f.code for f in funds if not f.covered],
    )
