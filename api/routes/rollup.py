"""The city and province regulators' views over every district the roll-up
follows: each answer names, per district, the log position it reflects and
whether that district was reached at the last round."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from api.auth import Principal, allow
from api.schemas import READ_PROBLEMS, Public, Yuan
from infra.tokens import Grant, Role
from projections.rollup import (
    CityView,
    DistrictState,
    DistrictTotals,
    FindingRow,
    FundRow,
    SatisfactionRow,
    city_view,
    create_tables,
)

router = APIRouter(prefix="/v1/rollup", tags=["roll-up"], responses=READ_PROBLEMS)
Overseer = Annotated[Principal, Depends(allow(Role.REGULATOR, Role.AUDITOR))]


def reaches(grant: Grant) -> Callable[[DistrictState], bool]:
    """The districts a token sees in the roll-up: its province's, its city's,
    or its own district's; a school's token none."""
    if grant.province:
        return lambda d: d.province == grant.province
    if grant.city:
        return lambda d: d.city == grant.city
    return lambda d: grant.district is not None and d.district == grant.district


class RolledUpDistrictPublic(Public):
    district: str
    city: str | None
    province: str | None
    position: int = Field(description="the district's log position its figures reflect")
    head: int = Field(description="the district's log head at the last contact")
    stale: bool = Field(description="not reached at the last round: last figures")
    contacted_at: datetime | None
    error: str | None = Field(description="why the last round did not reach it")

    @classmethod
    def of(cls, state: DistrictState) -> "RolledUpDistrictPublic":
        return cls(
            district=state.district,
            city=state.city,
            province=state.province,
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


class DistrictTotalsPublic(RolledUpDistrictPublic):
    schools: int
    bank: Yuan
    held_for_families: Yuan
    free_cash: Yuan
    uncovered_schools: list[str]
    compliance_findings: int
    anomalies: int
    ratings: int

    @classmethod
    def of_totals(cls, totals: DistrictTotals) -> "DistrictTotalsPublic":
        return cls(
            **RolledUpDistrictPublic.of(totals.state).model_dump(),
            schools=totals.schools,
            bank=totals.bank,
            held_for_families=totals.held,
            free_cash=totals.free_cash,
            uncovered_schools=list(totals.uncovered),
            compliance_findings=totals.compliance,
            anomalies=totals.anomalies,
            ratings=totals.ratings,
        )


class RolledUpFindingPublic(Public):
    district: str
    school_id: UUID
    code: str
    kind: Literal["compliance", "anomaly"]
    rule: str
    severity: str
    subject: str
    detail: str

    @classmethod
    def of(cls, row: FindingRow) -> "RolledUpFindingPublic":
        return cls(**row.__dict__)


class RolledUpFindingsPublic(Public):
    districts: list[RolledUpDistrictPublic]
    findings: list[RolledUpFindingPublic]


class RolledUpSatisfactionPublic(Public):
    district: str
    school_id: UUID
    code: str
    ratings: int
    course_mean: str | None
    teacher_mean: str | None
    attendances: int
    response_rate: str | None = Field(description="ratings per attended week, in %")

    @classmethod
    def of(cls, row: SatisfactionRow) -> "RolledUpSatisfactionPublic":
        return cls(**row.__dict__)


class RolledUpSatisfactionsPublic(Public):
    districts: list[RolledUpDistrictPublic]
    schools: list[RolledUpSatisfactionPublic]


async def rollup_datastore(request: Request) -> PostgresDatastore:
    """The roll-up's database: the serving process's own, unless set apart."""
    state = request.app.state
    if not getattr(state, "rollup", None):
        datastore = state.system.queries.datastore
        await run_in_threadpool(create_tables, datastore)
        state.rollup = datastore
    return state.rollup


RollupDep = Annotated[PostgresDatastore, Depends(rollup_datastore)]


def seen(datastore: PostgresDatastore, who: Principal) -> CityView:
    return city_view(datastore).within(reaches(who.grant))


def states(view: CityView) -> list[RolledUpDistrictPublic]:
    return [RolledUpDistrictPublic.of(d) for d in view.districts]


@router.get("/districts")
def rollup_districts(datastore: RollupDep, who: Overseer) -> list[DistrictTotalsPublic]:
    """Each district in scope added up: schools, bank, held, uncovered schools,
    findings and ratings, as of its position."""
    return [DistrictTotalsPublic.of_totals(t) for t in seen(datastore, who).totals()]


@router.get("/funds")
def rollup_funds(datastore: RollupDep, who: Overseer) -> RollupPublic:
    """Every school of every district in scope, each district as of its
    position."""
    view = seen(datastore, who)
    return RollupPublic(
        districts=states(view),
        schools=[RolledUpFundPublic.of(s) for s in view.schools],
    )


@router.get("/findings")
def rollup_findings(
    datastore: RollupDep,
    who: Overseer,
    kind: Literal["compliance", "anomaly"] | None = None,
    severity: Literal["high", "medium", "low"] | None = None,
) -> RolledUpFindingsPublic:
    """Compliance findings and anomalies of the schools in scope, as each
    district's rules found them at its position."""
    view = seen(datastore, who)
    return RolledUpFindingsPublic(
        districts=states(view),
        findings=[
            RolledUpFindingPublic.of(x)
            for x in view.findings
            if (kind is None or x.kind == kind)
            and (severity is None or x.severity == severity)
        ],
    )


@router.get("/satisfaction")
def rollup_satisfaction(
    datastore: RollupDep, who: Overseer
) -> RolledUpSatisfactionsPublic:
    """Families' ratings of each school in scope."""
    view = seen(datastore, who)
    return RolledUpSatisfactionsPublic(
        districts=states(view),
        schools=[RolledUpSatisfactionPublic.of(x) for x in view.satisfaction],
    )
