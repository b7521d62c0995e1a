"""A bursar records a payment a family made, or asks for a refund of a
family's credit: the forms read by the API's own request models."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response

from api.console.bursar_work import back_to
from api.console.forms import Said, read, send
from api.console.web import Visit, form_for, page_for
from api.console.words import DONE
from api.requests import PaymentCreate, RefundCreate, StudentId
from infra.tokens import Role
from projections import lists as q

router = APIRouter(prefix="/bursar")
Bursar = Annotated[Visit, Depends(page_for(Role.BURSAR))]
Sent = Annotated[Visit, Depends(form_for(Role.BURSAR))]
Field = Annotated[str, Form(max_length=200)]
CHANNELS = ("wechat", "alipay", "bank", "unionpay", "cash")
TERMS_SHOWN = 4


@router.get("/money")
def money(
    visit: Bursar,
    student: Annotated[StudentId | None, Query()] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _page(visit, {"student_id": student or ""}, done=done)


@router.post("/payments")
def record_payment(
    visit: Sent,
    student_id: Field = "",
    course_id: Field = "",
    amount: Field = "",
    channel: Field = "",
    reference: Field = "",
    received_on: Field = "",
) -> Response:
    sent = {"student_id": student_id.strip(), "amount": amount.strip()}
    sent |= {"channel": channel, "reference": reference.strip()}
    sent |= {"received_on": received_on}
    lines = [{"course_id": course_id, "amount": sent["amount"]}] if course_id else None
    try:
        body = read(visit, PaymentCreate, **sent, lines=lines)
        position = send(visit, body.command(visit.school))
    except Said as said:
        return _page(visit, sent | {"course_id": course_id}, said)
    return back_to(visit, position, "payment-recorded", "/bursar/money")


@router.post("/refunds")
def request_refund(
    visit: Sent,
    student_id: Field = "",
    course_id: Field = "",
    amount: Field = "",
    reason: Field = "",
    reference: Field = "",
) -> Response:
    sent = {"student_id": student_id.strip(), "amount": amount.strip()}
    sent |= {"reason": reason.strip(), "reference": reference.strip()}
    try:
        body = read(visit, RefundCreate, **sent, course_id=course_id)
        position = send(visit, body.command(visit.school))
    except Said as said:
        return _page(visit, {}, said, refund=sent | {"course_id": course_id})
    return back_to(visit, position, "refund-requested", "/bursar")


def _page(
    visit: Visit,
    payment: dict,
    said: Said | None = None,
    *,
    refund: dict | None = None,
    done: str | None = None,
) -> Response:
    refund = refund or {"student_id": payment.get("student_id", "")}
    refund.setdefault("reference", f"RF-{visit.today:%Y%m%d}-{secrets.token_hex(3)}")
    return visit.render(
        "bursar_money.html",
        said.status if said else 200,
        payment=payment,
        refund=refund,
        said=said,
        refused=("refund" if refund.get("amount") is not None else "payment")
        if said
        else None,
        notice=visit.speaker.gettext(DONE[done]) if done in DONE else None,
        terms=_courses(visit),
        channels=CHANNELS,
        today=visit.today,
    )


def _courses(visit: Visit) -> list[tuple[q.Term, list[q.Course]]]:
    """The school's latest terms and their courses, for the forms' choice."""
    queries = visit.system.queries
    terms = q.TERMS.page(queries, {"school": visit.school}, None, 100).rows
    return [
        (
            term,
            q.COURSES.page(
                queries,
                {"term": term.term_id, "category": None, "teacher": None},
                None,
                500,
            ).rows,
        )
        for term in reversed(terms[-TERMS_SHOWN:])
    ]
