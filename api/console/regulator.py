"""The regulator's district: every school's bank against what it holds for
families, uncovered schools first; what needs attention, counted by rule
and status; the weeks of the term; a school's figures and disputes."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.console.chart import columns, fund_bars
from api.console.web import Visit, page_for
from api.console.words import CATEGORIES
from domain.errors import NotFound
from infra.tokens import Role
from projections import confirmations as c
from projections import funds as f
from projections.anomalies import anomalies
from projections.findings import Compliance
from projections.satisfaction import satisfaction
from projections.trends import fund_weeks, session_weeks

router = APIRouter(prefix="/regulator")
Regulator = Annotated[Visit, Depends(page_for(Role.REGULATOR))]
DISPUTES_SHOWN = 50
REFUND_LATE = "refund-late"
_BESIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="regulator")


@router.get("")
def district(visit: Regulator) -> Response:
    who, queries = visit.principal, visit.system.queries
    schools, today = who.schools, visit.today
    # The anomaly rules cost the most: they run beside the other reads.
    flagged = _BESIDE.submit(anomalies, queries, schools, today=today)
    rated = _BESIDE.submit(satisfaction, queries, schools, "district")
    found = f.funds(queries, district=who.grant.district)
    funds = sorted(
        (x for x in found if x.school_id in schools),
        key=lambda x: (x.figures.covered, x.code),
    )
    compliance = Compliance(queries)
    breaches = Counter(x.rule for x in compliance.findings(schools, today=today))
    weeks = session_weeks(queries, schools, today)
    mix = compliance.category_mix(schools)
    district_rating = rated.result()
    return visit.render(
        "regulator.html",
        district=who.grant.district,
        funds=funds,
        chart=fund_bars(funds, visit.speaker),
        breaches={r: n for r, n in sorted(breaches.items()) if r != REFUND_LATE},
        refunds_late=breaches[REFUND_LATE],
        anomalies=Counter(x.rule for x in flagged.result()),
        counts=c.dispute_counts(queries, schools),
        satisfaction=district_rating[0] if district_rating else None,
        session_weeks=weeks,
        sessions=_weekly(visit, weeks, sessions=[str(w.sessions) for w in weeks]),
        category_mix=mix,
        mix=_mix(visit, mix),
    )


def _weekly(visit: Visit, weeks, **series: list[str]):
    """Columns of figures per week; each series given as its figures read out,
    drawn from the same attribute of each week."""
    values = {kind: [getattr(w, kind) for w in weeks] for kind in series}
    said = {
        kind: [_said(visit, w.week, x) for w, x in zip(weeks, shown, strict=True)]
        for kind, shown in series.items()
    }
    return columns([f"{w.week:%m-%d}" for w in weeks], values, said)


def _mix(visit: Visit, mix: dict[str, int]):
    named = [visit.speaker.gettext(CATEGORIES.get(k, k)) for k in mix]
    said = [f"{name}: {n}" for name, n in zip(named, mix.values(), strict=True)]
    return columns(named, {"sessions": list(mix.values())}, {"sessions": said})


@router.get("/trends")
def trends(visit: Regulator) -> Response:
    weeks = fund_weeks(visit.system.queries, visit.principal.schools, visit.today)
    yuan = visit.speaker.yuan
    return visit.render(
        "trends.html",
        district=visit.principal.grant.district,
        weeks=weeks,
        chart=_weekly(
            visit,
            weeks,
            bank=[yuan(w.bank) for w in weeks],
            held=[yuan(w.held) for w in weeks],
        ),
    )


def _said(visit: Visit, week: date, figure: str) -> str:
    return visit.speaker.gettext("Week of %(day)s: %(figure)s") % {
        "day": visit.speaker.day(week),
        "figure": figure,
    }


@router.get("/schools/{school_id}")
def school(school_id: UUID, visit: Regulator) -> Response:
    who, queries = visit.principal, visit.system.queries
    try:
        who.check_school(school_id)
        fund = f.fund(queries, school_id)
    except NotFound:
        message = visit.speaker.gettext("No such school in your district.")
        return visit.render("refused.html", 404, message=message)
    rated = satisfaction(queries, [school_id], "school")
    return visit.render(
        "school.html",
        fund=fund,
        counts=c.dispute_counts(queries, [school_id]),
        disputes=c.disputes_of(
            queries, [school_id], today=visit.today, limit=DISPUTES_SHOWN
        ),
        satisfaction=rated[0] if rated else None,
    )
