"""Payments, refunds, subsidies and the term's surplus: a bursar's commands.
Those that decide on a family's credit or the fund's free cash read the
school's books and are saved only if the books did not move meanwhile. A
payment reads them too, to divide itself among the family's charges, but
spends nothing: two at once may both pay the same oldest charge, and the
money is held for the family all the same."""

from application import commands as c
from application.unit_of_work import Collision, UnitOfWork
from domain.course import Course
from domain.errors import AlreadyExists
from domain.family import Family
from domain.payment import Notice, Payment
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant


def record_payment(cmd: c.RecordPayment, uow: UnitOfWork) -> int:
    return record_payments(c.RecordPayments((cmd,)), uow)


def record_payments(cmd: c.RecordPayments, uow: UnitOfWork) -> int:
    """Books each payment once, against what it pays; one booked already with
    the same content is recognised, one with other content refuses all."""
    families: dict[tuple, Family] = {}
    recognised = []
    for school in sorted({p.school_id for p in cmd.payments}):
        uow.books(school, decides=False)  # opened in one order: no deadlock
    for p in cmd.payments:
        uow.get(School, p.school_id, "school")
        notice = Notice(
            p.school_id,
            p.student_id,
            p.amount,
            p.channel,
            p.reference,
            p.received_on,
            p.lines,
        )
        payment_id = Payment.id_for(p.school_id, p.channel, p.reference)
        if booked := uow.find(Payment, payment_id):
            booked.check_same(notice)
            recognised.append(payment_id)
            continue
        key = (p.school_id, p.student_id)
        if (family := families.get(key)) is None:
            family = uow.books(p.school_id, decides=False).family(p.student_id)
        stamp = uow.stamp(p.received_on, "received_on")
        payment = Payment.receive(notice, family=family, stamp=stamp)
        families[key] = family.paying(payment.allocations)
        uow.add(payment, f"payment {p.reference}")
    if len(recognised) == len(cmd.payments):
        return max(uow.funds.position_of(p) for p in recognised)
    try:
        return uow.commit()
    except AlreadyExists:
        raise Collision() from None  # sent twice at once: recognise it next time


def reallocate_payment(cmd: c.ReallocatePayment, uow: UnitOfWork) -> int:
    payment = uow.get(Payment, cmd.payment_id, "payment")
    books = uow.books(payment.school_id)
    payment.reallocate(
        cmd.lines,
        reason=cmd.reason,
        family=books.family(payment.student_id),
        stamp=uow.stamp(),
    )
    books.check_covered_after(payment.pending_events)
    return uow.commit()


def request_refund(cmd: c.RequestRefund, uow: UnitOfWork) -> int:
    uow.get(School, cmd.school_id, "school")
    books = uow.books(cmd.school_id)
    refund = Refund.request(
        school_id=cmd.school_id,
        student_id=cmd.student_id,
        amount=cmd.amount,
        reason=cmd.reason,
        reference=cmd.reference,
        course_id=cmd.course_id,
        family=books.family(cmd.student_id),
        stamp=uow.stamp(),
    )
    uow.add(refund, f"refund {cmd.reference}")
    uow.note(refund.id, cmd.school_id, cmd.student_id, cmd.reason)
    return uow.commit()


def approve_refund(cmd: c.ApproveRefund, uow: UnitOfWork) -> int:
    refund = uow.get(Refund, cmd.refund_id, "refund")
    books = uow.books(refund.school_id)
    refund.approve(family=books.family(refund.student_id), stamp=uow.stamp())
    return uow.commit()


def cancel_refund(cmd: c.CancelRefund, uow: UnitOfWork) -> int:
    refund = uow.get(Refund, cmd.refund_id, "refund")
    refund.cancel(stamp=uow.stamp())
    return uow.commit()


def pay_refund(cmd: c.PayRefund, uow: UnitOfWork) -> int:
    refund = uow.get(Refund, cmd.refund_id, "refund")
    refund.pay(
        bank_reference=cmd.bank_reference, stamp=uow.stamp(cmd.paid_on, "paid_on")
    )
    return uow.commit()


def receive_subsidy(cmd: c.ReceiveSubsidy, uow: UnitOfWork) -> int:
    uow.get(School, cmd.school_id, "school")
    grant = SubsidyGrant.receive(
        school_id=cmd.school_id,
        reference=cmd.reference,
        source=cmd.source,
        amount=cmd.amount,
        stamp=uow.stamp(cmd.received_on, "received_on"),
    )
    uow.add(grant, f"subsidy {cmd.reference}")
    return uow.commit()


def allocate_subsidy(cmd: c.AllocateSubsidy, uow: UnitOfWork) -> int:
    grant = uow.get(SubsidyGrant, cmd.grant_id, "subsidy grant")
    course = uow.get(Course, cmd.course_id, "course")
    grant.allocate(
        course_id=course.id,
        course_school_id=course.school_id,
        amount=cmd.amount,
        stamp=uow.stamp(cmd.on),
    )
    return uow.commit()


def report_surplus(cmd: c.ReportSurplus, uow: UnitOfWork) -> int:
    term = uow.get(Term, cmd.term_id, "term")
    surplus = uow.books(term.school_id, decides=False).term_surplus(term.id)
    term.report_surplus(surplus, stamp=uow.stamp())
    return uow.commit()
