"""Families confirm what their children consumed, or dispute it; schools
answer disputes, regulators decide the escalated ones, and time settles what
nobody acted on: silence confirms, an unanswered dispute is accepted, a
rejection not escalated is released."""

from uuid import UUID

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.course import Course
from domain.dispute import Dispute, decision_id, evidence_id
from domain.errors import AlreadyDisputed


def confirm_shares(cmd: c.ConfirmShares, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    uow.check_student(course.school_id, cmd.student_id)
    days = {"through": cmd.day} if cmd.earlier_too else {"day": cmd.day}
    course.confirm(cmd.student_id, **days, stamp=uow.stamp())
    return uow.commit()


def open_dispute(cmd: c.OpenDispute, uow: UnitOfWork) -> int:
    course = uow.get(Course, cmd.course_id, "course")
    uow.check_student(course.school_id, cmd.student_id)
    session_id = Course.session_id_for(course.id, cmd.day)
    dispute_id = Dispute.id_for(session_id, cmd.student_id)
    if uow.find(Dispute, dispute_id):
        raise AlreadyDisputed(
            f"the session of {cmd.day} was disputed already", rule="one-dispute"
        )
    stamp, calendar = uow.stamp(), uow.calendar(course.term_id)
    course.hold(cmd.student_id, cmd.day, dispute_id=dispute_id, stamp=stamp)
    dispute = Dispute.open(
        school_id=course.school_id,
        course_id=course.id,
        session_id=session_id,
        day=cmd.day,
        student_id=cmd.student_id,
        grounds=cmd.grounds,
        amount=course.deliveries[cmd.day].share,
        answer_by=calendar.after(stamp.on, course.answer_days),
        stamp=stamp,
    )
    uow.add(dispute, "this dispute")
    if cmd.reason:
        _note(uow, dispute.id, dispute, cmd.reason)
    return uow.commit()


def answer_dispute(cmd: c.AnswerDispute, uow: UnitOfWork) -> int:
    dispute = uow.get(Dispute, cmd.dispute_id, "dispute")
    course = uow.get(Course, dispute.course_id, "course")
    stamp = uow.stamp()
    if cmd.accept:
        dispute.accept(stamp=stamp)
        _settle(course, dispute, stamp)
    else:
        evidence = cmd.evidence or ""
        calendar = uow.calendar(course.term_id)
        dispute.reject(evidence, calendar, course.answer_days, stamp=stamp)
        _note(uow, evidence_id(dispute.id), dispute, evidence)
    return uow.commit()


def escalate_dispute(cmd: c.EscalateDispute, uow: UnitOfWork) -> int:
    dispute = uow.get(Dispute, cmd.dispute_id, "dispute")
    uow.check_student(dispute.school_id, dispute.student_id)
    dispute.escalate(stamp=uow.stamp())
    return uow.commit()


def decide_dispute(cmd: c.DecideDispute, uow: UnitOfWork) -> int:
    dispute = uow.get(Dispute, cmd.dispute_id, "dispute")
    course = uow.get(Course, dispute.course_id, "course")
    stamp = uow.stamp()
    dispute.decide(upheld=cmd.upheld, stamp=stamp)
    _settle(course, dispute, stamp)
    _note(uow, decision_id(dispute.id), dispute, cmd.note)
    return uow.commit()


def settle_by_time(cmd: c.SettleByTime, uow: UnitOfWork) -> int:
    """One transaction for many courses and disputes: the nightly wave."""
    stamp = uow.stamp()
    for course_id in cmd.course_ids:
        course = uow.get(Course, course_id, "course")
        course.confirm_by_silence(stamp=stamp)
    for dispute_id in cmd.dispute_ids:
        dispute = uow.get(Dispute, dispute_id, "dispute")
        if dispute.lapse(stamp=stamp):
            _settle(uow.get(Course, dispute.course_id, "course"), dispute, stamp)
    return uow.commit()


def _settle(course: Course, dispute: Dispute, stamp) -> None:
    course.settle_held(
        dispute.student_id,
        dispute.day,
        dispute_id=dispute.id,
        credited=dispute.credited,
        stamp=stamp,
    )


def _note(uow: UnitOfWork, note_id: UUID, dispute: Dispute, text: str) -> None:
    """Free text about a dispute, kept in the registry under the child's key."""
    uow.note(note_id, dispute.school_id, dispute.student_id, text)
