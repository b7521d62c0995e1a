"""What a bursar does from a worklist: approve or cancel a refund, approve or
pay a payroll run, accept or reject a dispute; each the API's command."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.console.bursar import LISTS, page
from api.console.bursar_work import back_to
from api.console.forms import Said, read, send
from api.console.web import Visit, form_for, page_for
from api.requests import DisputeAnswer, PayrollPayment
from api.routes.payroll import scoped_run
from api.schemas import teacher_pays
from application import commands as c
from domain.errors import NotFound
from infra.tokens import Role

router = APIRouter(prefix="/bursar")
Bursar = Annotated[Visit, Depends(page_for(Role.BURSAR))]
Sent = Annotated[Visit, Depends(form_for(Role.BURSAR))]
Back = Annotated[str, Form(max_length=20)]


async def posted_form(request: Request) -> FormData:
    return await request.form()  # read once already by the form's check


Fields = Annotated[FormData, Depends(posted_form)]


@router.post("/refunds/{refund_id}/approval")
def approve_refund(refund_id: UUID, visit: Sent, back: Back = "") -> Response:
    return _after(visit, lambda: c.ApproveRefund(refund_id), "refund-approved", back)


@router.post("/refunds/{refund_id}/cancellation")
def cancel_refund(refund_id: UUID, visit: Sent, back: Back = "") -> Response:
    return _after(visit, lambda: c.CancelRefund(refund_id), "refund-cancelled", back)


@router.post("/payroll/{run_id}/approval")
def approve_payroll(run_id: UUID, visit: Sent, back: Back = "") -> Response:
    return _after(visit, lambda: c.ApprovePayroll(run_id), "payroll-approved", back)


@router.post("/disputes/{dispute_id}/answer")
def answer_dispute(
    dispute_id: UUID,
    visit: Sent,
    accept: Annotated[str, Form(pattern="^(yes|no)$")],
    evidence: Annotated[str, Form(max_length=1000)] = "",
    back: Back = "",
) -> Response:
    def answer() -> c.AnswerDispute:
        said = read(
            visit, DisputeAnswer, accept=accept == "yes", evidence=evidence.strip()
        )
        return c.AnswerDispute(dispute_id, said.accept, said.evidence)

    what = "dispute-accepted" if accept == "yes" else "dispute-rejected"
    return _after(visit, answer, what, back)


@router.get("/payroll/{run_id}")
def payroll(run_id: UUID, visit: Bursar) -> Response:
    return _payroll(visit, run_id)


@router.post("/payroll/{run_id}/payment")
def pay_payroll(run_id: UUID, visit: Sent, form: Fields) -> Response:
    """One bank reference a teacher, as the API's payment takes them."""
    references = {
        key.removeprefix("reference-"): value.strip()
        for key, value in form.items()
        if key.startswith("reference-") and isinstance(value, str)
    }
    try:
        payment = read(
            visit,
            PayrollPayment,
            bank_references=references,
            paid_on=form.get("paid_on"),
        )
        paid = tuple(sorted(payment.bank_references.items()))
        position = send(visit, c.PayPayroll(run_id, paid, payment.paid_on))
    except Said as said:
        return _payroll(visit, run_id, said)
    return back_to(visit, position, "payroll-paid", "/bursar")


def _payroll(visit: Visit, run_id: UUID, said: Said | None = None) -> Response:
    """A run's teachers and pay, with the form that pays an approved run."""
    who, queries = visit.principal, visit.system.queries
    try:
        found = scoped_run(queries, who, run_id=run_id)
    except NotFound:
        message = visit.speaker.gettext("Not found.")
        return visit.render("refused.html", 404, message=message)
    return visit.render(
        "bursar_payroll.html",
        said.status if said else 200,
        run=found,
        pays=teacher_pays(found),
        school=visit.school,
        said=said,
    )


def _after(visit: Visit, command: Callable[[], object], what: str, back: str):
    """The command sent from a worklist; back to that list, or to it again
    with the refusal."""
    only = back if back in LISTS else None
    try:
        position = send(visit, command())
    except Said as said:
        return page(visit, only=only, said=said)
    to = f"/bursar/lists/{only}" if only else "/bursar"
    return back_to(visit, position, what, to)
