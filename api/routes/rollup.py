"""The city regulator's view over every district followed by the roll-up."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from api.auth import Principal, allow
from api.schemas import READ_PROBLEMS, Public, Yuan
from infra.tokens import Role
from projections.rollup import DistrictState, FundRow, city_funds, create_tables

router = APIRouter(prefix="/v1", tags=["roll-up"], responses=READ_PROBLEMS)
Regulator = Annotated[Principal, Depends(allow(Role.REGULATOR))]


class RolledUpDistrictPublic(Public):
    district: str
    position: int = Field(description="the district's log position its figures reflect")
    head: int = Field(description="the district's log head at the last contact")
    stale: bool = Field(description="not reached at the last round: last figures")
    contacted_at: datetime | None
    error: str | None = Field(description="why the last round did not reach it")

    @classmethod
    def of(cls, state: DistrictState) -> "RolledUpDistrictPublic":
        return cls(
            district=state.district,
            position=state.position,
            head=state.head,
            stale=state.stale,
            contacted_at=state.contacted_at,
            error=state.error,
        )


class RolledUpFundPublic(Public):
    district: str
    school_id: UUID
    code: str
    name: str
    bank: Yuan
    held_for_families: Yuan
    free_cash: Yuan
    covered: bool

    @classmethod
    def of(cls, row: FundRow) -> "RolledUpFundPublic":
        return cls(
            district=row.district,
            school_id=row.school_id,
            code=row.code,
            name=row.name,
            bank=row.bank,
            held_for_families=row.held,
            free_cash=row.free_cash,
            covered=row.covered,
        )


class RollupPublic(Public):
    districts: list[RolledUpDistrictPublic]
    schools: list[RolledUpFundPublic]


async def rollup_datastore(request: Request) -> PostgresDatastore:
    """The roll-up's database: the serving process's own, unless set apart."""
    state = request.app.state
    if not getattr(state, "rollup", None):
        datastore = state.system.queries.datastore
        await run_in_threadpool(create_tables, datastore)
        state.rollup = datastore
    return state.rollup


RollupDep = Annotated[PostgresDatastore, Depends(rollup_datastore)]


@router.get("/rollup/funds")
def rollup_funds(
    datastore: RollupDep, who: Regulator, request: Request
) -> RollupPublic:
    """Every school of every district, each district as of its position. A
    regulator whose token its own district holds sees that district alone."""
    answer = city_funds(datastore)
    routed = getattr(request.state, "system", None)
    seen = None if routed is None else {who.grant.district}
    return RollupPublic(
        districts=[
            RolledUpDistrictPublic.of(d)
            for d in answer.districts
            if seen is None or d.district in seen
        ],
        schools=[
            RolledUpFundPublic.of(s)
            for s in answer.schools
            if seen is None or s.district in seen
        ],
    )
