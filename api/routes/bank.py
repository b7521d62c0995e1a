"""The supervised account: its statements, and how they match the ledger."""

from hashlib import sha256
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.auth import Bursar, Reader
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep
from api.requests import (
    BankAccountSet,
    BankFormatName,
    BankFormatSave,
    StatementUpload,
)
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    BankFormatPublic,
    MatchPublic,
    MovementPublic,
    ReconciliationPublic,
    StatementLinePublic,
)
from application import commands as c
from domain.bank import BankStatement
from domain.bankformats import BankFormat
from projections.bankformats import saved_formats
from projections.matching import reconcile

router = APIRouter(prefix="/v1", tags=["bank"])


@router.post(
    "/schools/{school_id}/bank-account",
    status_code=200,
    response_model=Recorded,
    responses=WRITE_PROBLEMS,
)
def set_bank_account(
    school_id: UUID,
    body: BankAccountSet,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Record the supervised account the school's fund is held in."""
    command = c.SetBankAccount(school_id, body.account)
    return run(
        system, who, request, command, entity=school_id, key=key, body=body, status=200
    )


@router.post(
    "/schools/{school_id}/bank-statements",
    status_code=201,
    response_model=Recorded,
    responses=WRITE_PROBLEMS,
)
def import_statement(
    school_id: UUID,
    body: StatementUpload,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Import a statement of the supervised account in CNY: camt.053 XML, the
    fund's CSV, or a bank's own export (XLSX, or CSV in UTF-8, GBK or GB18030)
    read through a saved bank format; the same file twice is one import."""
    content = body.file()
    command = c.ImportStatement(school_id, body.format, content, body.bank_format or "")
    entity = BankStatement.id_for(school_id, sha256(content).hexdigest())
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.put(
    "/schools/{school_id}/bank-formats/{format_name}",
    status_code=200,
    response_model=Recorded,
    responses=WRITE_PROBLEMS,
)
def save_bank_format(
    school_id: UUID,
    format_name: Annotated[BankFormatName, Path()],
    body: BankFormatSave,
    system: SystemDep,
    who: Bursar,
    request: Request,
):
    """Save (or replace) how one bank's statement export is read: which column
    holds what, the date format and the encoding. Saving the same mapping again
    records nothing."""
    command = c.SaveBankFormat(school_id, format_name, body.mapping())
    entity = BankFormat.id_for(school_id, format_name)
    return run(
        system, who, request, command, entity=entity, key=None, body=body, status=200
    )


@router.get("/schools/{school_id}/bank-formats", responses=READ_PROBLEMS)
def bank_formats(
    school_id: UUID, queries: QueriesDep, who: Reader
) -> list[BankFormatPublic]:
    """The school's saved bank formats by name, each as last saved: which
    column of the bank's export holds what."""
    who.check_school(school_id)
    return [
        BankFormatPublic(
            **saved.mapping,
            name=saved.name,
            saved_by=saved.saved_by,
            saved_at=saved.saved_at,
        )
        for saved in saved_formats(queries, school_id)
    ]


@router.get(
    "/schools/{school_id}/bank-statements/{statement}/reconciliation",
    responses=READ_PROBLEMS,
)
def reconciliation(
    school_id: UUID, statement: UUID, queries: QueriesDep, who: Reader
) -> ReconciliationPublic:
    """Statement lines matched to the ledger's bank movements, the unmatched on
    both sides, and the bank's closing balance against the ledger's."""
    who.check_school(school_id)
    found = reconcile(queries, school_id, statement)
    fields = {
        k: v
        for k, v in found.__dict__.items()
        if k not in ("matched", "unmatched_lines", "unmatched_movements")
    }
    return ReconciliationPublic(
        **fields,
        difference=found.difference,
        matched=[
            MatchPublic(
                how=m.how,
                line=StatementLinePublic(**m.line),
                movements=[MovementPublic(**x) for x in m.movements],
            )
            for m in found.matched
        ],
        unmatched_lines=[StatementLinePublic(**x) for x in found.unmatched_lines],
        unmatched_movements=[MovementPublic(**x) for x in found.unmatched_movements],
    )
