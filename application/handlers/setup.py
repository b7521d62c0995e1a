"""Schools, terms, teachers and courses."""

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.course import Course
from domain.errors import NotFound, OtherSchool, OutsideDistrict
from domain.school import School, Term
from domain.teacher import Teacher


def set_up(cmd: c.SetUp, uow: UnitOfWork) -> int:
    """Every step in one transaction: one refused, or one that exists
    already, and nothing of it is written."""
    for step in cmd.steps:
        STEPS[type(step)](step, uow)
    return uow.commit()


def one_step(
    cmd: c.RegisterSchool | c.OpenTerm | c.RegisterTeacher | c.OpenCourse,
    uow: UnitOfWork,
) -> int:
    return set_up(c.SetUp((cmd,)), uow)


def register_school(cmd: c.RegisterSchool, uow: UnitOfWork) -> None:
    actor = uow.actor
    if not actor.may_act_for(School.id_for(cmd.code)):
        raise NotFound(f"school {cmd.code} is outside your scope")
    if actor.schools is not None and actor.district != cmd.district:
        raise OutsideDistrict(
            f"this token registers schools of district {actor.district} only"
            if actor.district
            else "this token is bound to no district; create it with --district"
        )
    school = School.register(
        district=cmd.district, code=cmd.code, name=cmd.name, stamp=uow.stamp()
    )
    uow.add(school, f"school {cmd.code}")


def open_term(cmd: c.OpenTerm, uow: UnitOfWork) -> None:
    school = uow.get(School, cmd.school_id, "school")
    term = Term.open(
        school=school,
        code=cmd.code,
        starts=cmd.starts,
        ends=cmd.ends,
        fee_per_term=cmd.fee_per_term,
        fee_cap=cmd.fee_cap,
        planned_sessions=cmd.planned_sessions,
        refund_deadline_days=cmd.refund_deadline_days,
        absence_consumes=cmd.absence_consumes,
        closed_days=cmd.closed_days,
        release=cmd.release,
        silence_days=cmd.silence_days,
        answer_days=cmd.answer_days,
        stamp=uow.stamp(),
    )
    uow.add(term, f"term {cmd.code}")


def register_teacher(cmd: c.RegisterTeacher, uow: UnitOfWork) -> None:
    uow.get(School, cmd.school_id, "school")
    teacher = Teacher.register(
        school_id=cmd.school_id,
        code=cmd.code,
        kind=cmd.kind,
        rate=cmd.rate,
        stamp=uow.stamp(cmd.since, "since"),
    )
    uow.add(teacher, f"teacher {cmd.code}")


def open_course(cmd: c.OpenCourse, uow: UnitOfWork) -> None:
    term = uow.get(Term, cmd.term_id, "term")
    teacher = uow.get(Teacher, cmd.teacher_id, "teacher")
    check_same_school(teacher.school_id, term.school_id, "teacher")
    course = Course.open(
        term=term,
        code=cmd.code,
        name=cmd.name,
        category=cmd.category,
        capacity=cmd.capacity,
        teacher_id=teacher.id,
        fee=cmd.fee,
        planned_sessions=cmd.planned_sessions,
        stamp=uow.stamp(),
    )
    uow.add(course, f"course {cmd.code}")


STEPS = {
    c.RegisterSchool: register_school,
    c.OpenTerm: open_term,
    c.RegisterTeacher: register_teacher,
    c.OpenCourse: open_course,
}


def change_rate(cmd: c.ChangeRate, uow: UnitOfWork) -> int:
    teacher = uow.get(Teacher, cmd.teacher_id, "teacher")
    teacher.change_rate(cmd.rate, stamp=uow.stamp(cmd.effective, "effective"))
    return uow.commit()


def check_same_school(theirs, ours, label: str) -> None:
    if theirs != ours:
        raise OtherSchool(f"that {label} belongs to another school")
