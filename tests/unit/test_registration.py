from datetime import date, datetime, time

import pytest

from domain.course import BEIJING, Course
from domain.errors import (
    AlreadyRegistered,
    CourseOfAnotherTerm,
    InvalidRegistrationWindow,
    NotWaiting,
    OutsideRegistrationWindow,
    RegistrationNotOpen,
)
from domain.facts import Stamp
from domain.ledger import journal
from domain.school import Term
from tests.builders import ADMIN, PRC, a_course, a_school, a_term, history, then

OPENS = datetime(2026, 8, 24, 8, tzinfo=BEIJING)
CLOSES = datetime(2026, 8, 28, 17, tzinfo=BEIJING)


def at(moment: datetime) -> Stamp:
    return Stamp(actor=ADMIN, at=moment, on=moment.astimezone(BEIJING).date())


def during(hour: int = 9) -> Stamp:
    return at(datetime(2026, 8, 25, hour, tzinfo=BEIJING))


def open_term(**policy) -> Term:
    term = a_term(**policy)
    term.open_registration(
        OPENS, CLOSES, stamp=at(datetime(2026, 8, 20, 9, tzinfo=BEIJING))
    )
    return history(term)


def registered(course: Course, term: Term, *students: str) -> Course:
    for student in students:
        course.register(student, term=term, stamp=during())
    return history(course)


# --- the window -------------------------------------------------------------


def test_the_school_opens_a_registration_window():
    term = history(a_term())
    term.open_registration(
        OPENS, CLOSES, stamp=at(datetime(2026, 8, 20, tzinfo=BEIJING))
    )
    [event] = then(term)
    assert isinstance(event, Term.RegistrationOpened)
    assert (event.opens, event.closes, event.actor) == (OPENS, CLOSES, ADMIN.id)


def test_a_window_that_closes_before_it_opens_is_refused():
    term = history(a_term())
    with pytest.raises(InvalidRegistrationWindow, match="before it opens"):
        term.open_registration(
            CLOSES, OPENS, stamp=at(datetime(2026, 8, 20, tzinfo=BEIJING))
        )
    assert then(term) == []


def test_a_window_closing_after_the_term_is_refused():
    term = history(a_term(ends=date(2026, 12, 31)))
    late = datetime(2027, 1, 1, 9, tzinfo=BEIJING)
    with pytest.raises(InvalidRegistrationWindow, match="after the term ends"):
        term.open_registration(
            OPENS, late, stamp=at(datetime(2026, 8, 20, tzinfo=BEIJING))
        )


def test_closing_a_window_never_opened_is_refused():
    term = history(a_term())
    with pytest.raises(RegistrationNotOpen):
        term.close_registration(stamp=during())


# --- registering --------------------------------------------------------------


def test_registration_within_the_window_enrols_and_charges_the_fee():
    term = open_term()
    course = history(a_course(term, fee=36000))
    course.register("s1", term=term, stamp=during())
    [event] = then(course)
    assert isinstance(event, Course.StudentEnrolled)
    assert (event.student_id, event.fee, event.waived) == ("s1", 36000, False)
    assert event.effective == term.starts, "registered before the term: from day one"
    entry = journal(event)
    assert sum(line.debit for line in entry.lines) == 36000, "the ledger's own charge"


def test_registration_before_the_window_opens_is_refused():
    term = open_term()
    course = history(a_course(term))
    early = at(datetime(2026, 8, 24, 7, 59, tzinfo=BEIJING))
    with pytest.raises(OutsideRegistrationWindow, match="opens at"):
        course.register("s1", term=term, stamp=early)
    assert then(course) == []


def test_registration_after_the_window_closes_is_refused():
    term = open_term()
    course = history(a_course(term))
    with pytest.raises(OutsideRegistrationWindow, match="closed at"):
        course.register("s1", term=term, stamp=at(CLOSES))


def test_registration_in_a_term_never_opened_is_refused():
    term = history(a_term())
    course = history(a_course(term))
    with pytest.raises(OutsideRegistrationWindow, match="not been opened"):
        course.register("s1", term=term, stamp=during())


def test_registration_after_the_school_closed_early_is_refused():
    term = open_term()
    term.close_registration(stamp=during(9))
    [event] = then(term)
    assert isinstance(event, Term.RegistrationClosed)
    course = history(a_course(term))
    with pytest.raises(OutsideRegistrationWindow, match="closed early"):
        course.register("s1", term=term, stamp=during(10))
    assert then(course) == []


def test_registering_twice_for_the_same_course_is_refused():
    term = open_term()
    course = registered(a_course(term), term, "s1")
    with pytest.raises(AlreadyRegistered, match="already in"):
        course.register("s1", term=term, stamp=during())
    assert then(course) == []


def test_registering_again_while_waiting_is_refused():
    term = open_term()
    course = registered(a_course(term, capacity=1), term, "s1", "s2")
    with pytest.raises(AlreadyRegistered, match="waiting"):
        course.register("s2", term=term, stamp=during())


def test_registering_into_a_course_of_another_term_is_refused():
    school = a_school()
    term = open_term(school=school)
    spring = history(
        a_term(
            school, code="2027-spring", starts=date(2027, 2, 20), ends=date(2027, 7, 10)
        )
    )
    course = history(a_course(spring))
    with pytest.raises(CourseOfAnotherTerm):
        course.register("s1", term=term, stamp=during())
    assert then(course) == []


# --- the waiting list -----------------------------------------------------------


def test_a_full_course_puts_the_student_on_its_waiting_list_with_a_place():
    term = open_term()
    course = registered(a_course(term, capacity=2), term, "s1", "s2")
    course.register("s3", term=term, stamp=during())
    course.register("s4", term=term, stamp=during())
    events = then(course)
    assert [type(e) for e in events] == [Course.StudentWaitlisted] * 2
    assert [(e.student_id, e.place) for e in events] == [("s3", 1), ("s4", 2)]
    assert course.headcount == 2


def test_a_withdrawal_promotes_the_first_waiting_in_the_same_change():
    term = open_term()
    course = registered(
        a_course(term, capacity=1, fee=36000, planned_sessions=80),
        term,
        "s1",
        "s2",
        "s3",
    )
    course.withdraw("s1", stamp=at(datetime(2026, 9, 3, 9, tzinfo=BEIJING)))
    withdrawn, promoted, enrolled = then(course)
    assert isinstance(withdrawn, Course.StudentWithdrawn)
    assert isinstance(promoted, Course.StudentPromoted)
    assert (promoted.student_id, promoted.freed_by) == ("s2", "s1")
    assert isinstance(enrolled, Course.StudentEnrolled)
    assert (enrolled.student_id, enrolled.fee) == ("s2", 36000)
    assert enrolled.effective == date(2026, 9, 3)
    assert course.waiting == ["s3"]


def test_promotions_follow_the_order_of_registration():
    term = open_term()
    course = registered(a_course(term, capacity=2), term, "s1", "s2", "s3", "s4", "s5")
    later = at(datetime(2026, 9, 3, 9, tzinfo=BEIJING))
    course.withdraw("s2", stamp=later)
    course.withdraw("s1", stamp=later)
    promoted = [
        e.student_id for e in then(course) if isinstance(e, Course.StudentPromoted)
    ]
    assert promoted == ["s3", "s4"]
    assert course.waiting == ["s5"]


def test_a_student_may_leave_the_waiting_list_and_is_not_promoted():
    term = open_term()
    course = registered(a_course(term, capacity=1), term, "s1", "s2", "s3")
    course.leave_waiting_list("s2", stamp=during())
    [left] = then(course)
    assert isinstance(left, Course.WaitingListLeft) and left.student_id == "s2"
    course.withdraw("s1", stamp=at(datetime(2026, 9, 3, 9, tzinfo=BEIJING)))
    promoted = [e for e in then(course) if isinstance(e, Course.StudentPromoted)]
    assert [e.student_id for e in promoted] == ["s3"]


def test_leaving_a_waiting_list_one_is_not_on_is_refused():
    term = open_term()
    course = registered(a_course(term), term, "s1")
    with pytest.raises(NotWaiting):
        course.leave_waiting_list("s1", stamp=during())


def test_a_withdrawal_with_nobody_waiting_promotes_nobody():
    term = open_term()
    course = registered(a_course(term, capacity=2), term, "s1")
    course.withdraw("s1", stamp=at(datetime(2026, 9, 3, 9, tzinfo=BEIJING)))
    assert [type(e) for e in then(course)] == [Course.StudentWithdrawn]


def test_a_registration_after_the_term_started_is_charged_for_the_sessions_left():
    term = a_term(fee_per_term=36000, planned_sessions=80)
    term.open_registration(
        OPENS,
        datetime(2026, 9, 10, tzinfo=BEIJING),
        stamp=at(datetime(2026, 8, 20, tzinfo=BEIJING)),
    )
    history(term)
    course = a_course(term)
    course.enrol("s0", waived=False, stamp=at(datetime(2026, 9, 1, 19, tzinfo=BEIJING)))
    course.deliver(
        term_id=term.id,
        starts=time(15, 30),
        ends=time(17, 30),
        teacher_id=course.teacher_id,
        teacher_pay=5000,
        present=["s0"],
        calendar=PRC,
        stamp=at(datetime(2026, 9, 1, 19, tzinfo=BEIJING)),
    )
    history(course)
    course.register("s1", term=term, stamp=at(datetime(2026, 9, 2, 9, tzinfo=BEIJING)))
    [event] = then(course)
    assert event.fee == 36000 - 450 and event.effective == date(2026, 9, 2)
