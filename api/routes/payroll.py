"""Monthly teacher pay: drafted, approved by a second person, paid; every line
explained session by session."""

import csv
import io
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.auth import Bursar, Reader
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep
from api.files import documented, table_file
from api.names import names_of
from api.requests import Month, PayrollCreate, PayrollPayment, first_day
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    PayrollPublic,
    TeacherPayPublic,
    payroll_public,
    teacher_pays,
)
from application import commands as c
from domain.errors import NotFound
from domain.money import format_fen
from domain.payroll import PayrollRun
from domain.person import Kind
from projections.queries import Payroll

router = APIRouter(prefix="/v1", tags=["payroll"])
CREATED = {"status_code": 201, "response_model": Recorded, "responses": WRITE_PROBLEMS}
DONE = {"status_code": 200, "response_model": Recorded, "responses": WRITE_PROBLEMS}


@router.post("/schools/{school_id}/payroll", **CREATED)
def draft_payroll(
    school_id: UUID,
    body: PayrollCreate,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Draft (or redraft) a month's pay from the sessions delivered up to its end
    that no payroll has settled, at the rate in force on each session's day."""
    month = first_day(body.month)
    command = c.DraftPayroll(school_id, month)
    entity = PayrollRun.id_for(school_id, month)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/payroll/{run_id}/approval", **DONE)
def approve_payroll(
    run_id: UUID,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Approve a drafted payroll: not by its drafter, nor by whoever set a rate
    it pays at."""
    command = c.ApprovePayroll(run_id)
    return run(
        system, who, request, command, entity=run_id, key=key, body=None, status=200
    )


@router.post("/payroll/{run_id}/payment", **DONE)
def pay_payroll(
    run_id: UUID,
    body: PayrollPayment,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Pay an approved payroll, one bank reference per teacher, from money the
    fund does not hold for families."""
    references = tuple(sorted(body.bank_references.items()))
    command = c.PayPayroll(run_id, references, body.paid_on)
    return run(
        system, who, request, command, entity=run_id, key=key, body=body, status=200
    )


def scoped_run(queries, who, *, run_id=None, school_id=None, month=None) -> Payroll:
    if school_id:
        who.check_school(school_id)
    payroll = queries.payroll(run_id=run_id, school_id=school_id, month=month)
    who.check_school(payroll.school_id, "payroll")
    return payroll


def teachers(system, who, request, payroll: Payroll) -> tuple[dict, set]:
    """The teachers' names for those who may see them; who was erased."""
    ids = {str(line.teacher_id) for line in payroll.lines}
    known = names_of(system, who, request, payroll.school_id, Kind.TEACHER, ids)
    return known.names, known.erased


@router.get("/payroll/{run_id}", responses=READ_PROBLEMS)
def payroll(
    run_id: UUID, queries: QueriesDep, system: SystemDep, who: Reader, request: Request
) -> PayrollPublic:
    """A payroll run: each teacher's pay and the sessions behind it."""
    found = scoped_run(queries, who, run_id=run_id)
    return payroll_public(found, *teachers(system, who, request, found))


@router.get("/schools/{school_id}/payroll/{month}", responses=READ_PROBLEMS)
def school_payroll(
    school_id: UUID,
    month: Annotated[Month, Path()],
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
) -> PayrollPublic:
    """A school's payroll of a month."""
    found = scoped_run(queries, who, school_id=school_id, month=first_day(month))
    return payroll_public(found, *teachers(system, who, request, found))


@router.get("/teachers/{teacher_id}/pay/{month}", responses=READ_PROBLEMS)
def teacher_pay(
    teacher_id: UUID,
    month: Annotated[Month, Path()],
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
) -> TeacherPayPublic:
    """What a teacher is paid for a month, and why: every session with its date,
    times, roster size and rate."""
    school = queries.teacher_school(teacher_id)
    who.check_school(school, "teacher")
    found = queries.payroll(school_id=school, month=first_day(month))
    mine = Payroll(**found.__dict__ | {"lines": [
        line for line in found.lines if line.teacher_id == teacher_id
    ]})  # fmt: skip
    if not mine.lines:
        raise NotFound(f"no pay for that teacher in {month}")
    [pay] = teacher_pays(mine, *teachers(system, who, request, mine))
    return pay


@router.get(
    "/payroll/{run_id}/payslips",
    responses=READ_PROBLEMS | documented("csv", "xlsx", "pdf"),
)
def payslips(
    run_id: UUID,
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
    format: Annotated[Literal["json", "csv", "xlsx", "pdf"], Query()] = "json",
) -> list[TeacherPayPublic]:
    """Payslips of a run, one per teacher, as JSON, or one row a session as
    CSV, XLSX or PDF (Chinese text in an embedded CJK font)."""
    found = scoped_run(queries, who, run_id=run_id)
    pays = teacher_pays(found, *teachers(system, who, request, found))
    if format == "json":
        return pays
    if format == "csv":
        return Response(payslip_csv(pays), media_type="text/csv")
    title = f"工资条 payslips {found.month:%Y-%m}"
    name = f"payslips-{found.month:%Y-%m}"
    return table_file(format, name, title, PAYSLIP_HEADER, payslip_rows(pays))


PAYSLIP_HEADER = [
    "month",
    "teacher",
    "kind",
    "day",
    "course",
    "starts",
    "ends",
    "roster",
    "rate",
    "teacher_total",
    "bank_reference",
]


def payslip_rows(pays: list[TeacherPayPublic]) -> list[list]:
    return [
        [
            f"{pay.month:%Y-%m}",
            pay.teacher_code,
            pay.kind,
            str(line.day),
            line.course_code,
            str(line.starts),
            str(line.ends),
            line.roster,
            format_fen(line.rate),
            format_fen(pay.gross),
            pay.bank_reference or "",
        ]
        for pay in pays
        for line in pay.lines
    ]


def payslip_csv(pays: list[TeacherPayPublic]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYSLIP_HEADER)
    writer.writerows(payslip_rows(pays))
    return out.getvalue()
