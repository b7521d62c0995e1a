"""The supervised account's statements: a bank's file uploaded (camt.053,
the fund's CSV, or the bank's own XLSX or CSV read through a saved format),
and each statement reconciled with the ledger; the bursar's downloads."""

import base64
from hashlib import sha256
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from api.console.bursar_work import back_to
from api.console.forms import Said, read, send
from api.console.web import Visit, form_for, page_for
from api.console.words import DONE
from api.deps import wait_for
from api.family_statement import statement_file
from api.files import table_file
from api.requests import StatementUpload
from api.routes.ledger import journal_file, trial_balance_file
from api.routes.payroll import PAYSLIP_HEADER, payslip_rows, scoped_run, teachers
from api.schemas import teacher_pays
from application import commands as c
from domain.bank import BankStatement
from domain.errors import NotFound
from infra.tokens import Role
from projections import lists as q
from projections.bankformats import saved_formats
from projections.matching import reconcile
from projections.statement import family_statement

router = APIRouter(prefix="/bursar")
Bursar = Annotated[Visit, Depends(page_for(Role.BURSAR))]
Sent = Annotated[Visit, Depends(form_for(Role.BURSAR))]
FORMATS = ("camt053", "csv", "csv-mapped", "xlsx")
LARGEST = 5_000_000  # bytes, as the API's statement content
JOURNAL_ROWS = 1000
Table = Literal["csv", "xlsx"]
Document = Literal["xlsx", "pdf"]


@router.get("/bank")
def bank(visit: Bursar, done: Annotated[str | None, Query(max_length=40)] = None):
    return _bank(
        visit, notice=visit.speaker.gettext(DONE[done]) if done in DONE else None
    )


@router.post("/bank/statements")
def upload_statement(
    visit: Sent,
    statement: Annotated[UploadFile, File()],
    format: Annotated[str, Form(max_length=20)] = "",
    bank_format: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    school = visit.school
    try:
        upload = _upload(visit, format, statement.file.read(LARGEST + 1), bank_format)
        command = c.ImportStatement(
            school, upload.format, upload.file(), upload.bank_format or ""
        )
        position = send(visit, command)
    except Said as said:
        return _bank(visit, said=said)
    imported = BankStatement.id_for(school, sha256(upload.file()).hexdigest())
    return back_to(visit, position, "statement-imported", f"/bursar/bank/{imported}")


@router.get("/bank/{statement}")
def reconciliation(
    statement: UUID,
    visit: Bursar,
    at: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if at:
        wait_for(visit.system, at)
    try:
        found = reconcile(visit.system.queries, visit.school, statement)
    except NotFound:
        message = visit.speaker.gettext("Not found.")
        return visit.render("refused.html", 404, message=message)
    notice = visit.speaker.gettext(DONE[done]) if done in DONE else None
    return visit.render("bursar_reconciliation.html", found=found, notice=notice)


def _upload(
    visit: Visit, form: str, content: bytes, bank_format: str
) -> StatementUpload:
    """The file as the API's statement upload reads it: a bank's own export
    in base64, the others as text."""
    if len(content) > LARGEST:
        raise Said(visit.speaker.gettext("The file is larger than 5 MB."), 413)
    if form in ("csv-mapped", "xlsx"):
        text = base64.b64encode(content).decode()
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = visit.speaker.gettext(
                "This file is not UTF-8 text: choose the bank's saved format to "
                "read it."
            )
            raise Said(message, 422) from None
    return read(
        visit, StatementUpload, format=form, bank_format=bank_format, content=text
    )


def _bank(visit: Visit, said: Said | None = None, notice: str | None = None):
    queries, school = visit.system.queries, visit.school
    statements = q.STATEMENTS_OF.page(queries, {"school": school}, None, 200).rows
    return visit.render(
        "bursar_bank.html",
        said.status if said else 200,
        statements=statements,
        formats=saved_formats(queries, school),
        kinds=FORMATS,
        said=said,
        notice=notice,
    )


# --- downloads: the API's own files, for the signed-in bursar ---------------


@router.get("/downloads/trial-balance.{form}")
def trial_balance(form: Table, visit: Bursar) -> Response:
    school = visit.school
    return visit.answer(
        trial_balance_file(form, visit.system.queries.trial_balance([school]))
    )


@router.get("/downloads/journal.{form}")
def journal(
    form: Table,
    visit: Bursar,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    entries = visit.system.queries.entries(
        visit.school, after=after, limit=JOURNAL_ROWS
    )
    return visit.answer(journal_file(form, entries))


@router.get("/downloads/payslips/{run_id}.{form}")
def payslips(run_id: UUID, form: Document, visit: Bursar) -> Response:
    who, system = visit.principal, visit.system
    try:
        found = scoped_run(system.queries, who, run_id=run_id)
    except NotFound:
        message = visit.speaker.gettext("Not found.")
        return visit.render("refused.html", 404, message=message)
    pays = teacher_pays(found, *teachers(system, who, visit.request, found))
    title = f"工资条 payslips {found.month:%Y-%m}"
    name = f"payslips-{found.month:%Y-%m}"
    return visit.answer(
        table_file(form, name, title, PAYSLIP_HEADER, payslip_rows(pays))
    )


@router.get("/statement")
def statement(
    visit: Bursar,
    student_id: Annotated[str, Query(max_length=64)],
    format: Annotated[Document, Query()] = "xlsx",
) -> Response:
    """A family's statement to hand over, as XLSX or PDF; only a student the
    school charged is found, so only a stored id names the file."""
    try:
        found = family_statement(visit.system.queries, visit.school, student_id)
    except NotFound:
        message = visit.speaker.gettext("No such student at this school.")
        return visit.render("refused.html", 404, message=message)
    return visit.answer(statement_file(format, found))
