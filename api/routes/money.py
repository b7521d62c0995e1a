"""Payments, refunds and subsidies: a bursar's commands."""

from uuid import UUID

from fastapi import APIRouter, Request

from api.auth import Bursar, Staff
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep
from api.names import reader
from api.requests import (
    AllocationCreate,
    PaymentCreate,
    Reallocation,
    RefundCreate,
    RefundPayment,
    SubsidyCreate,
    allocation,
)
from api.schemas import READ_PROBLEMS, WRITE_PROBLEMS, RefundReasonPublic
from application import commands as c
from domain.payment import Payment
from domain.refund import Refund
from domain.subsidy import SubsidyGrant

router = APIRouter(prefix="/v1", tags=["money"], responses=WRITE_PROBLEMS)
CREATED = {"status_code": 201, "response_model": Recorded}
DONE = {"status_code": 200, "response_model": Recorded}


@router.post("/schools/{school_id}/payments", **CREATED)
def record_payment(
    school_id: UUID,
    body: PaymentCreate,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Book a fee payment once per channel reference, against the enrolments
    its lines name (or the student's oldest unpaid charges first); a re-sent
    notification gets the first answer, the same reference with other content
    a 409."""
    command = body.command(school_id)
    entity = Payment.id_for(school_id, body.channel, body.reference)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/payments/{payment_id}/reallocation", **DONE)
def reallocate_payment(
    payment_id: UUID,
    body: Reallocation,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Have a payment pay other enrolments of the same family, with a reason:
    a correcting entry names the allocation it replaces."""
    command = c.ReallocatePayment(payment_id, allocation(body.lines), body.reason)
    return run(
        system, who, request, command, entity=payment_id, key=key, body=body, status=200
    )


@router.post("/schools/{school_id}/refunds", **CREATED)
def request_refund(
    school_id: UUID,
    body: RefundCreate,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Ask to refund part or all of a family's credit, or of one enrolment's;
    refused when it is more than the credit other refunds do not claim."""
    command = body.command(school_id)
    entity = Refund.id_for(school_id, body.reference)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/refunds/{refund_id}/approval", **DONE)
def approve_refund(
    refund_id: UUID,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Approve a refund; only someone other than who asked for it may."""
    command = c.ApproveRefund(refund_id)
    return run(
        system, who, request, command, entity=refund_id, key=key, body=None, status=200
    )


@router.post("/refunds/{refund_id}/cancellation", **DONE)
def cancel_refund(
    refund_id: UUID,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Cancel a refund not yet approved: its amount is the family's credit
    again."""
    command = c.CancelRefund(refund_id)
    return run(
        system, who, request, command, entity=refund_id, key=key, body=None, status=200
    )


@router.post("/refunds/{refund_id}/payment", **DONE)
def pay_refund(
    refund_id: UUID,
    body: RefundPayment,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Record that an approved refund left the supervised account."""
    command = c.PayRefund(refund_id, body.bank_reference, body.paid_on)
    return run(
        system, who, request, command, entity=refund_id, key=key, body=body, status=200
    )


@router.post("/schools/{school_id}/subsidies", **CREATED)
def receive_subsidy(
    school_id: UUID,
    body: SubsidyCreate,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Book a government subsidy received into the fund."""
    command = c.ReceiveSubsidy(
        school_id, body.reference, body.source, body.amount, body.received_on
    )
    entity = SubsidyGrant.id_for(school_id, body.reference)
    return run(system, who, request, command, entity=entity, key=key, body=body)


@router.post("/subsidies/{grant_id}/allocations", **CREATED)
def allocate_subsidy(
    grant_id: UUID,
    body: AllocationCreate,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Allocate part of a subsidy to a course of the same school."""
    command = c.AllocateSubsidy(grant_id, body.course_id, body.amount, body.on)
    return run(system, who, request, command, entity=grant_id, key=key, body=body)


@router.post("/terms/{term_id}/surplus-report", **DONE)
def report_surplus(
    term_id: UUID,
    system: SystemDep,
    who: Bursar,
    request: Request,
    key: IdempotencyKey = None,
):
    """Report, once the term has ended, what its courses hold unspent."""
    command = c.ReportSurplus(term_id)
    return run(
        system, who, request, command, entity=term_id, key=key, body=None, status=200
    )


@router.get("/refunds/{refund_id}/reason", responses=READ_PROBLEMS)
def refund_reason(
    refund_id: UUID,
    queries: QueriesDep,
    system: SystemDep,
    who: Staff,
    request: Request,
) -> RefundReasonPublic:
    """Why a refund was asked for: kept with the family's personal data, shown
    to the school's staff (a logged read); null once the family is erased."""
    who.check_school(queries.refund_school(refund_id), "refund")
    return RefundReasonPublic(
        reason=system.registry.note(refund_id, reader(who, request))
    )
