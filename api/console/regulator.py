"""The regulator's district: every school's bank against what it holds for
families, uncovered schools first; a school's figures and disputes."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.console.chart import fund_bars
from api.console.web import Visit, page_for
from domain.course import BEIJING
from domain.errors import NotFound
from infra.tokens import Role
from projections import confirmations as c
from projections import funds as f
from projections.satisfaction import satisfaction

router = APIRouter(prefix="/regulator")
Regulator = Annotated[Visit, Depends(page_for(Role.REGULATOR))]
DISPUTES_SHOWN = 50


@router.get("")
def district(visit: Regulator) -> Response:
    who = visit.principal
    queries = visit.system.queries
    found = f.funds(queries, district=who.grant.district)
    funds = sorted(
        (x for x in found if x.school_id in who.schools),
        key=lambda x: (x.figures.covered, x.code),
    )
    return visit.render(
        "regulator.html",
        district=who.grant.district,
        funds=funds,
        chart=fund_bars(funds, visit.speaker),
        counts=c.dispute_counts(queries, who.schools),
    )


@router.get("/schools/{school_id}")
def school(school_id: UUID, visit: Regulator) -> Response:
    who, queries = visit.principal, visit.system.queries
    try:
        who.check_school(school_id)
        fund = f.fund(queries, school_id)
    except NotFound:
        message = visit.speaker.gettext("No such school in your district.")
        return visit.render("refused.html", 404, message=message)
    today = visit.system.funds.clock().astimezone(BEIJING).date()
    rated = satisfaction(queries, [school_id], "school")
    return visit.render(
        "school.html",
        fund=fund,
        counts=c.dispute_counts(queries, [school_id]),
        disputes=c.disputes_of(queries, [school_id], today=today, limit=DISPUTES_SHOWN),
        satisfaction=rated[0] if rated else None,
    )
