"""The bursar's home: what waits for them first (refunds and payroll runs to
approve, families who owe, bank lines no ledger movement explains, disputes
to answer), each a short list with its count and a link to all of it."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.console import words
from api.console.bursar_work import LISTED, SHOWN
from api.console.forms import Said
from api.console.web import Visit, page_for, templates
from api.console.words import DONE
from api.deps import wait_for
from infra.tokens import Role
from projections import confirmations as c
from projections import funds as f
from projections import lists as q
from projections.matching import reconcile

router = APIRouter(prefix="/bursar")
Bursar = Annotated[Visit, Depends(page_for(Role.BURSAR))]
At = Annotated[int | None, Query(ge=0, le=2**62)]
Done = Annotated[str | None, Query(max_length=40)]
STATEMENTS_READ = 50
PAYSLIPS_SHOWN = 6
LISTS = ("refunds", "payroll", "families", "bank", "disputes")
templates.globals.update(
    RUN_STATUSES=words.RUN_STATUSES,
    DIRECTIONS=words.DIRECTIONS,
    CHANNELS=words.CHANNELS,
    STATEMENT_KINDS=words.STATEMENT_KINDS,
    MATCHED_BY=words.MATCHED_BY,
)


@dataclass(frozen=True)
class Worklist:
    count: int
    items: list[Any]
    capped: bool = False  # more than the count: only so many were read


@dataclass(frozen=True)
class Owing:
    student_id: str
    name: str | None
    figures: f.Figures


@dataclass(frozen=True)
class Unmatched:
    statement: UUID
    statement_id: str
    first_day: date | None
    last_day: date | None
    line: dict[str, Any]


@router.get("")
def home(visit: Bursar, at: At = None, done: Done = None) -> Response:
    return page(visit, at=at, done=done)


@router.get("/lists/{name}")
def full_list(name: str, visit: Bursar, at: At = None, done: Done = None) -> Response:
    if name not in LISTS:
        message = visit.speaker.gettext("Not found.")
        return visit.render("refused.html", 404, message=message)
    return page(visit, only=name, at=at, done=done)


def page(
    visit: Visit,
    *,
    only: str | None = None,
    at: int | None = None,
    done: str | None = None,
    said: Said | None = None,
) -> Response:
    """The home page (or one list of it in full), with what was just done or
    refused."""
    if at:
        wait_for(visit.system, at)
    shown = LISTED if only else SHOWN
    lists = worklists(visit, shown, only)
    return visit.render(
        "bursar.html",
        said.status if said else 200,
        lists=lists,
        only=only,
        me=visit.principal.grant.subject,
        notice=visit.speaker.gettext(DONE[done]) if done in DONE else None,
        said=said,
        payslips=[] if only else latest_runs(visit),
    )


def latest_runs(visit: Visit) -> list[q.PayrollRun]:
    """Every run of the school, the latest first, for its payslips."""
    params = {"school": visit.school, "status": None}
    runs = q.PAYROLL_RUNS.page(visit.system.queries, params, None, LISTED).rows
    return list(reversed(runs))[:PAYSLIPS_SHOWN]


def worklists(visit: Visit, shown: int, only: str | None) -> dict[str, Worklist]:
    makers = {
        "refunds": refunds_to_approve,
        "payroll": runs_to_act_on,
        "families": families_who_owe,
        "bank": unmatched_lines,
        "disputes": disputes_to_answer,
    }
    return {
        name: make(visit, shown)
        for name, make in makers.items()
        if only in (None, name)
    }


def refunds_to_approve(visit: Visit, shown: int) -> Worklist:
    queries, school = visit.system.queries, visit.school
    params = {"school": school, "status": "requested", "student": None}
    found = q.REFUNDS.page(queries, params, None, shown)
    counts = q.counts(queries, "refunds", school, q.REFUND_STATUSES)
    return Worklist(counts["requested"], found.rows)


def runs_to_act_on(visit: Visit, shown: int) -> Worklist:
    """Drafted runs to approve and approved runs to pay."""
    queries, school = visit.system.queries, visit.school
    runs = [
        run
        for status in ("drafted", "approved")
        for run in q.PAYROLL_RUNS.page(
            queries, {"school": school, "status": status}, None, shown
        ).rows
    ]
    counts = q.counts(queries, "payroll_runs", school, q.RUN_STATUSES)
    return Worklist(counts["drafted"] + counts["approved"], runs[:shown])


def families_who_owe(visit: Visit, shown: int) -> Worklist:
    queries, school = visit.system.queries, visit.school
    owing = f.students(queries, school, "owes", LISTED)
    listed = owing[:shown]
    known = visit.names(school, [s for s, _ in listed])
    items = [Owing(s, known.names.get(s), figures) for s, figures in listed]
    return Worklist(len(owing), items, capped=len(owing) == LISTED)


def unmatched_lines(visit: Visit, shown: int) -> Worklist:
    """Statement lines no movement of the ledger explains, statement by
    statement (of the first statements only, by the bank's id)."""
    queries, school = visit.system.queries, visit.school
    statements = q.STATEMENTS_OF.page(
        queries, {"school": school}, None, STATEMENTS_READ
    )
    found = [
        Unmatched(s.statement, s.statement_id, s.first_day, s.last_day, line)
        for s in statements.rows
        for line in reconcile(queries, school, s.statement).unmatched_lines
    ]
    more = statements.after is not None
    return Worklist(len(found), found[:shown], capped=more)


def disputes_to_answer(visit: Visit, shown: int) -> Worklist:
    queries, school = visit.system.queries, visit.school
    found = c.disputes_of(
        queries, [school], today=visit.today, status="open", limit=shown
    )
    return Worklist(c.dispute_counts(queries, [school])["open"], found)
