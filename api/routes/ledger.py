from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import Reader
from api.deps import QueriesDep
from api.files import documented, table_file
from api.schemas import (
    READ_PROBLEMS,
    AccountPublic,
    EntryPublic,
    HistoryPublic,
    TrialBalancePublic,
)
from domain.money import format_fen

router = APIRouter(prefix="/v1", tags=["ledger"], responses=READ_PROBLEMS)
AsOf = Annotated[date | None, Query(description="effective date, inclusive")]
AtPosition = Annotated[
    int | None, Query(ge=0, le=2**62, description="log position, inclusive")
]


@router.get(
    "/ledger/trial-balance",
    responses=documented("csv", "xlsx"),
)
def trial_balance(
    queries: QueriesDep,
    who: Reader,
    school_id: UUID | None = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> TrialBalancePublic:
    """Every account of the schools in scope (or one school); debits equal
    credits. As JSON, or as CSV (UTF-8 with a BOM) or XLSX, one row an account."""
    if school_id:
        who.check_school(school_id)
    schools = [school_id] if school_id else sorted(who.schools)
    tb = queries.trial_balance(schools, as_of=as_of, at_position=at_position)
    if format != "json":
        return trial_balance_file(format, tb)
    return TrialBalancePublic(
        school_id=school_id,
        as_of=as_of,
        at_position=at_position,
        accounts=[AccountPublic(**a.__dict__, balance=a.balance) for a in tb.accounts],
        total_debit=tb.total_debit,
        total_credit=tb.total_credit,
        balanced=tb.total_debit == tb.total_credit,
    )


@router.get("/schools/{school_id}/ledger/entries", responses=documented("csv", "xlsx"))
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
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> list[EntryPublic]:
    """Journal entries in log order, each with its balanced lines. As JSON,
    or as CSV (UTF-8 with a BOM) or XLSX, one row a line."""
    who.check_school(school_id)
    entries = queries.entries(
        school_id,
        account=account,
        as_of=as_of,
        at_position=at_position,
        after=after,
        limit=limit,
    )
    if format != "json":
        return journal_file(format, entries)
    return [EntryPublic.model_validate(e, from_attributes=True) for e in entries]


@router.get("/history/{entity_id}")
def history(entity_id: UUID, queries: QueriesDep, who: Reader) -> list[HistoryPublic]:
    """Every event of one school, term, teacher, course, payment, refund or grant:
    who recorded it, in which role, when, for which day, and what it said."""
    who.check_school(queries.owner(entity_id), "entity")
    return [HistoryPublic(**h.__dict__) for h in queries.history(entity_id)]


def journal_file(form: str, entries) -> Response:
    header = ["position", "entry_id", "effective", "kind", "account", "flow"]
    header += ["debit", "credit"]
    rows = [
        [
            e.position,
            str(e.entry_id),
            e.effective.isoformat(),
            e.kind,
            line.account,
            line.flow,
            *map(format_fen, (line.debit, line.credit)),
        ]
        for e in entries
        for line in e.lines
    ]
    return table_file(form, "journal", "日记账 journal", header, rows)


def trial_balance_file(form: str, tb) -> Response:
    header = ["school_id", "account", "kind", "debit", "credit", "balance"]
    rows = [
        [
            str(a.school_id),
            a.account,
            a.kind,
            *map(format_fen, (a.debit, a.credit, a.balance)),
        ]
        for a in tb.accounts
    ]
    totals = [format_fen(tb.total_debit), format_fen(tb.total_credit)]
    rows.append([None, "合计 total", None, *totals, None])
    return table_file(form, "trial-balance", "试算平衡表 trial balance", header, rows)
