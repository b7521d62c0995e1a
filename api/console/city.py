"""The city or province regulator's view: each district added up as of the
log position it reflects, stale districts marked, every school's bank
against what it holds for families (uncovered first), and findings counted
by rule, all from the roll-up."""

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.console.web import Visit, page_for
from api.routes.rollup import reaches, rollup_datastore
from infra.tokens import Role
from projections.rollup import city_view

router = APIRouter()
Overseer = Annotated[Visit, Depends(page_for(Role.REGULATOR, Role.AUDITOR))]


@router.get("/city")
async def city(visit: Overseer) -> Response:
    datastore = await rollup_datastore(visit.request)
    grant = visit.principal.grant
    view = await run_in_threadpool(city_view, datastore)
    seen = view.within(reaches(grant))
    return visit.render(
        "city.html",
        place=grant.province or grant.city or grant.district,
        wide="province" if grant.province else "city" if grant.city else "district",
        totals=seen.totals(),
        schools=sorted(seen.schools, key=lambda s: (s.covered, s.district, s.code)),
        findings=Counter((x.kind, x.rule) for x in seen.findings),
        satisfaction=seen.satisfaction,
    )
