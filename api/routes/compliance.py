"""Whether the service the money bought was given as the rules require, and
how satisfied the families who received it were."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query

from api.auth import Principal, Reader
from api.deps import QueriesDep, Today
from api.schemas import (
    READ_PROBLEMS,
    DistrictCompliancePublic,
    DistrictSatisfactionPublic,
    FindingPublic,
    SatisfactionPublic,
    SchoolCompliancePublic,
    SchoolSatisfactionPublic,
    ServiceDayPublic,
)
from domain.errors import NotFound
from projections.findings import RULES, Compliance
from projections.queries import Queries
from projections.satisfaction import satisfaction

router = APIRouter(prefix="/v1", tags=["compliance"], responses=READ_PROBLEMS)
Rule = Literal[tuple(RULES)]  # type: ignore[valid-type]
Severity = Literal["high", "medium", "low"]


@router.get("/schools/{school_id}/compliance")
def school_compliance(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    today: Today,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> SchoolCompliancePublic:
    """Per school day: sessions, service minutes, end time, homework, categories;
    the term's category mix; and every finding with its evidence."""
    who.check_school(school_id)
    compliance = Compliance(queries)
    days = [
        ServiceDayPublic(
            **{
                k: v
                for k, v in d.__dict__.items()
                if k not in ("first_start", "last_end")
            },
            first_start=f"{d.first_start:%H:%M}",
            last_end=f"{d.last_end:%H:%M}",
        )
        for d in compliance.days([school_id], start, end)
    ]
    found = compliance.findings([school_id], today=today)
    return SchoolCompliancePublic(
        school_id=school_id,
        days=days,
        category_mix=compliance.category_mix([school_id]),
        findings=[FindingPublic(**f.__dict__) for f in found],
    )


District = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
]


def in_district(queries: Queries, who: Principal, district: str) -> set[UUID]:
    schools = queries.schools_in(district) & who.schools
    if not schools:
        raise NotFound(f"no district {district}")
    return schools


@router.get("/districts/{district}/compliance")
def district_compliance(
    district: District,
    queries: QueriesDep,
    who: Reader,
    today: Today,
    rule: Rule | None = None,
    severity: Severity | None = None,
) -> DistrictCompliancePublic:
    """Every finding in a district's schools, by rule and severity."""
    schools = in_district(queries, who, district)
    found = Compliance(queries).findings(
        schools, today=today, rules=[rule] if rule else ()
    )
    return DistrictCompliancePublic(
        district=district,
        schools=len(schools),
        findings=[
            FindingPublic(**f.__dict__)
            for f in found
            if severity is None or f.severity == severity
        ],
    )


def _figures(queries: QueriesDep, schools: set[UUID], by: str):
    return [
        SatisfactionPublic(**x.__dict__) for x in satisfaction(queries, schools, by)
    ]


@router.get("/schools/{school_id}/satisfaction")
def school_satisfaction(
    school_id: UUID, queries: QueriesDep, who: Reader
) -> SchoolSatisfactionPublic:
    """The families' weekly ratings per course and teacher, and the school's."""
    who.check_school(school_id)
    schools = {school_id}
    return SchoolSatisfactionPublic(
        school_id=school_id,
        totals=next(iter(_figures(queries, schools, "school")), None),
        courses=_figures(queries, schools, "course"),
        teachers=_figures(queries, schools, "teacher"),
    )


@router.get("/districts/{district}/satisfaction")
def district_satisfaction(
    district: District, queries: QueriesDep, who: Reader
) -> DistrictSatisfactionPublic:
    """The families' weekly ratings per school of the district, and in all."""
    schools = in_district(queries, who, district)
    return DistrictSatisfactionPublic(
        district=district,
        totals=next(iter(_figures(queries, schools, "district")), None),
        schools=_figures(queries, schools, "school"),
    )
