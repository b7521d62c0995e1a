"""What lies behind a regulator's figure: the findings of a rule and the
disputes of a status; each row links to its evidence, the events with who
recorded them and when (the audit pages, open to regulators)."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.console.auditor import evidence_link
from api.console.regulator import Regulator
from api.console.words import RULES
from domain.dispute import Status
from projections import confirmations as c
from projections.anomalies import RULES as ANOMALY_RULES
from projections.anomalies import anomalies
from projections.findings import RULES as COMPLIANCE_RULES
from projections.findings import Compliance

router = APIRouter(prefix="/regulator")
SHOWN = 200
Rule = Annotated[str | None, Query(max_length=60)]


@router.get("/breaches")
def breaches(visit: Regulator, rule: Rule = None) -> Response:
    chosen = [rule] if rule in COMPLIANCE_RULES else ()
    found = Compliance(visit.system.queries).findings(
        visit.principal.schools, today=visit.today, rules=chosen
    )
    title = visit.speaker.gettext("Compliance breaches")
    return _findings(visit, title, rule if chosen else None, found)


@router.get("/anomalies")
def open_anomalies(visit: Regulator, rule: Rule = None) -> Response:
    chosen = [rule] if rule in ANOMALY_RULES else ()
    found = anomalies(
        visit.system.queries,
        visit.principal.schools,
        today=visit.today,
        rules=chosen,
    )
    title = visit.speaker.gettext("Open anomalies")
    return _findings(visit, title, rule if chosen else None, found)


def _findings(visit, title: str, rule: str | None, found) -> Response:
    if rule in RULES:
        named = visit.speaker.gettext(RULES[rule])
        title = visit.speaker.gettext("%(list)s: %(rule)s") % {
            "list": title,
            "rule": named,
        }
    return visit.render(
        "findings.html",
        title=title,
        findings=found[:SHOWN],
        total=len(found),
        evidence_link=evidence_link,
    )


@router.get("/disputes")
def disputes(visit: Regulator, status: Status | None = None) -> Response:
    shown = c.disputes_of(
        visit.system.queries,
        visit.principal.schools,
        today=visit.today,
        status=status.value if status else None,
        limit=SHOWN,
    )
    return visit.render("disputes.html", chosen=status, disputes=shown)
