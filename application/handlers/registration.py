"""Registration for courses in a term's window, its waiting lists, leave
asked for by guardians and decided by the school, and the families' weekly
ratings of courses. A guardian acts for their own children only."""

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.course import Course
from domain.leave import LeaveRequest
from domain.rating import Rating
from domain.school import Term


def open_registration(cmd: c.OpenRegistration, uow: UnitOfWork) -> int:
    term = uow.get(Term, cmd.term_id, "term")
    term.open_registration(cmd.opens, cmd.closes, stamp=uow.stamp())
    return uow.commit()


def close_registration(cmd: c.CloseRegistration, uow: UnitOfWork) -> int:
    term = uow.get(Term, cmd.term_id, "term")
    term.close_registration(stamp=uow.stamp())
    return uow.commit()


def register(cmd: c.Register, uow: UnitOfWork) -> int:
    return register_many(c.RegisterMany((cmd,)), uow)


def register_many(cmd: c.RegisterMany, uow: UnitOfWork) -> int:
    """Every registration in one transaction: one refused, none written."""
    stamp = uow.stamp()
    for r in cmd.registrations:
        term = uow.get(Term, r.term_id, "term")
        course = uow.get(Course, r.course_id, "course")
        uow.check_student(course.school_id, r.student_id)
        course.register(r.student_id, term=term, stamp=stamp)
        uow.relies_on(term)  # a window closed meanwhile refuses it
    return uow.commit()


def leave_waiting_list(cmd: c.LeaveWaitingList, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    uow.check_student(course.school_id, cmd.student_id)
    course.leave_waiting_list(cmd.student_id, stamp=uow.stamp())
    return uow.commit()


def request_leave(cmd: c.RequestLeave, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    uow.check_student(course.school_id, cmd.student_id)
    request = LeaveRequest.ask(
        course=course,
        student_id=cmd.student_id,
        dates=cmd.dates,
        reason=cmd.reason,
        stamp=uow.stamp(),
    )
    uow.add(request, "this leave request")
    return uow.commit()


def approve_leave_request(cmd: c.ApproveLeaveRequest, uow: UnitOfWork) -> int:
    request = uow.get(LeaveRequest, cmd.request_id, "leave request")
    course = uow.get(Course, request.course_id, "course")
    request.approve(course, stamp=uow.stamp())
    return uow.commit()


def decline_leave_request(cmd: c.DeclineLeaveRequest, uow: UnitOfWork) -> int:
    request = uow.get(LeaveRequest, cmd.request_id, "leave request")
    request.decline(stamp=uow.stamp())
    return uow.commit()


def rate_course(cmd: c.RateCourse, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    uow.check_student(course.school_id, cmd.student_id)
    rating = Rating.give(
        course=course,
        student_id=cmd.student_id,
        week=cmd.week,
        course_score=cmd.course_score,
        teacher_score=cmd.teacher_score,
        commented=cmd.comment is not None,
        stamp=uow.stamp(),
    )
    uow.add(rating, f"the rating of {rating.week} for {cmd.student_id}")
    uow.relies_on(course)  # a session reversed meanwhile refuses it
    if cmd.comment is not None:
        uow.note(rating.id, course.school_id, cmd.student_id, cmd.comment)
    return uow.commit()
