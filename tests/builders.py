"""Builders for given-when-then tests: a history is what happened before."""

from datetime import date, datetime, time, timedelta

from domain.course import BEIJING, Course
from domain.facts import Actor, Stamp
from domain.school import School, Term
from domain.teacher import Teacher
from infra.calendar import prc_working_days

ADMIN = Actor("admin-1", "school_admin")
BURSAR = Actor("bursar-1", "bursar")
SECOND_BURSAR = Actor("bursar-2", "bursar")
TERM_STARTS = date(2026, 9, 1)
PRC = prc_working_days()


def day(n: int) -> date:
    """The n-th day of the term (1-based)."""
    return TERM_STARTS + timedelta(days=n - 1)


def stamp(on: date = TERM_STARTS, actor: Actor = ADMIN) -> Stamp:
    return Stamp(actor=actor, at=datetime.combine(on, time(19), BEIJING), on=on)


def a_school(code: str = "S1") -> School:
    return School.register(district="D1", code=code, name="School One", stamp=stamp())


def a_term(school: School | None = None, **policy) -> Term:
    defaults = dict(
        code="2026-autumn",
        starts=TERM_STARTS,
        ends=date(2027, 1, 15),
        fee_per_term=36000,
        fee_cap=36000,
        planned_sessions=80,
    )
    return Term.open(school=school or a_school(), stamp=stamp(), **defaults | policy)


def a_teacher(school: School | None = None, rate: int = 5000) -> Teacher:
    school = school or a_school()
    return Teacher.register(
        school_id=school.id, code="T1", kind="staff", rate=rate, stamp=stamp()
    )


def a_course(term: Term | None = None, **options) -> Course:
    term = term or a_term()
    defaults = dict(
        code="C1",
        name="Chess",
        category="science",
        capacity=30,
        teacher_id=Teacher.id_for(term.school_id, "T1"),
    )
    return Course.open(term=term, stamp=stamp(), **defaults | options)


def enrolled(course: Course, *students: str, waived: bool = False) -> Course:
    for student in students:
        course.enrol(student, waived=waived, stamp=stamp())
    return course


def deliver(
    course: Course, on: date, present=(), absent=(), pay: int = 5000, calendar=PRC
) -> None:
    course.deliver(
        term_id=course.term_id,
        starts=time(15, 30),
        ends=time(17, 30),
        teacher_id=course.teacher_id,
        teacher_pay=pay,
        present=present,
        absent=absent,
        calendar=calendar,
        stamp=stamp(on),
    )


def history(aggregate):
    """Marks everything so far as the given history; returns the aggregate."""
    aggregate.collect_events()
    return aggregate


def then(aggregate) -> list:
    """The events the command under test recorded."""
    return list(aggregate.collect_events())
