"""The register: enrolments, leave, withdrawals, waivers and sessions."""

from application import commands as c
from application.handlers.setup import check_same_school
from application.unit_of_work import UnitOfWork
from domain.course import Course
from domain.teacher import Teacher


def enrol(cmd: c.Enrol, uow: UnitOfWork) -> int:
    return enrol_many(c.EnrolMany((cmd,)), uow)


def enrol_many(cmd: c.EnrolMany, uow: UnitOfWork) -> int:
    for e in cmd.enrolments:
        course = uow.get(Course, e.course_id, "course")
        course.enrol(e.student_id, waived=e.waived, stamp=uow.stamp(e.on))
    return uow.commit()


def approve_leave(cmd: c.ApproveLeave, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    course.approve_leave(cmd.student_id, cmd.dates, stamp=uow.stamp())
    return uow.commit()


def withdraw(cmd: c.Withdraw, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    course.withdraw(cmd.student_id, stamp=uow.stamp(cmd.on))
    return uow.commit()


def waive_fee(cmd: c.WaiveFee, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    course.waive_fee(cmd.student_id, stamp=uow.stamp(cmd.on))
    return uow.commit()


def deliver_session(cmd: c.DeliverSession, uow: UnitOfWork) -> int:
    return deliver_sessions(c.DeliverSessions((cmd,)), uow)


def deliver_sessions(cmd: c.DeliverSessions, uow: UnitOfWork) -> int:
    for s in cmd.sessions:
        course = uow.get(Course, s.course_id, "course")
        teacher = uow.get(Teacher, s.teacher_id, "teacher")
        check_same_school(teacher.school_id, course.school_id, "teacher")
        course.deliver(
            term_id=s.term_id or course.term_id,
            starts=s.starts,
            ends=s.ends,
            teacher_id=teacher.id,
            teacher_pay=teacher.rate_on(s.day),
            present=s.present,
            absent=s.absent,
            calendar=uow.calendar(course.term_id),
            stamp=uow.stamp(s.day, "day"),
        )
    return uow.commit()


def reverse_session(cmd: c.ReverseSession, uow: UnitOfWork) -> int:
    """A reversal gives families back shares the fund may have paid out
    since: refused when the fund could not then cover them."""
    course = uow.get(Course, cmd.course_id, "course")
    books = uow.books(course.school_id)
    course.reverse_delivery(cmd.day, reason=cmd.reason, stamp=uow.stamp())
    books.check_covered_after(course.pending_events)
    return uow.commit()
