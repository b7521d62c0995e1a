"""A school's monthly payroll: drafted from the deliveries its books hold
unsettled, approved by a second person, paid from free cash."""

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.books import PayDelivery
from domain.course import Course
from domain.payroll import PayItem, PayrollRun, month_end, month_of
from domain.school import School
from domain.teacher import Teacher


def draft_payroll(cmd: c.DraftPayroll, uow: UnitOfWork) -> int:
    uow.get(School, cmd.school_id, "school")
    through = month_end(month_of(cmd.month))
    deliveries = uow.books(cmd.school_id, decides=False).unsettled(through)
    items = pay_items(deliveries, uow)
    stamp = uow.stamp()
    run_id = PayrollRun.id_for(cmd.school_id, cmd.month)
    if uow.find(PayrollRun, run_id) is None:
        run = PayrollRun.draft(
            school_id=cmd.school_id, month=cmd.month, items=items, stamp=stamp
        )
        uow.add(run, f"payroll of {cmd.month:%Y-%m}")
    else:
        uow.get(PayrollRun, run_id, "payroll").redraft(items, stamp=stamp)
    return uow.commit()


def pay_items(deliveries: list[PayDelivery], uow: UnitOfWork) -> list[PayItem]:
    """Unsettled deliveries at the rate in force on their day; reversed ones
    already paid come back negative."""
    items = []
    for d in deliveries:
        teacher = uow.get(Teacher, d.teacher_id, "teacher")
        if d.reversed:
            amount, accrued = -(d.paid_amount or 0), -d.accrued
        else:
            amount, accrued = teacher.rate_on(d.day), d.accrued
        items.append(
            PayItem(
                d.teacher_id,
                d.delivery_id,
                d.session_id,
                d.course_id,
                d.day,
                d.starts,
                d.ends,
                d.roster,
                amount,
                accrued,
                d.reversed,
            )
        )
    return items


def approve_payroll(cmd: c.ApprovePayroll, uow: UnitOfWork) -> int:
    run = uow.get(PayrollRun, cmd.run_id, "payroll")
    teachers = {t: uow.get(Teacher, t, "teacher") for t in run.teachers}
    books = uow.books(run.school_id)
    stamp = uow.stamp()
    run.approve(
        rate_setters={
            teachers[i.teacher_id].rate_in_force(i.day).set_by for i in run.items
        },
        unsettled={d.delivery_id for d in books.unsettled(month_end(run.month))},
        stamp=stamp,
    )
    for teacher in teachers.values():
        teacher.lock_pay(month_end(run.month), stamp=stamp)
    return uow.commit()


def pay_payroll(cmd: c.PayPayroll, uow: UnitOfWork) -> int:
    """Pay is paid from free cash as the books stand once the families'
    silence has confirmed what it confirms today (the nightly run may not
    have written it yet): both saved together."""
    run = uow.get(PayrollRun, cmd.run_id, "payroll")
    books, today = uow.books(run.school_id), uow.stamp()
    confirmed = []
    for course_id in books.courses:
        course = uow.get(Course, course_id, "course")
        course.confirm_by_silence(stamp=today)
        confirmed += course.pending_events
    run.pay(
        bank_references=dict(cmd.bank_references),
        free_cash=books.free_cash_after(confirmed),
        stamp=uow.stamp(cmd.paid_on, "paid_on"),
    )
    return uow.commit()
