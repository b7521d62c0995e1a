"""Re-sent payments are recognised; refused commands write nothing."""

from datetime import date, time

import pytest

from application import commands as c
from domain.course import Course
from domain.errors import (
    AlreadyExists,
    ImplausibleDate,
    NotEnrolled,
    NotFound,
    PaymentConflict,
    SessionAlreadyDelivered,
)
from domain.school import School, Term
from domain.teacher import Teacher
from projections import funds as f
from tests.builders import ADMIN, BURSAR
from tests.conftest import make_system
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    return story


def test_a_redelivered_payment_notification_returns_the_first_result(story, system):
    payment = c.RecordPayment(story.school, "a", 30000, "wechat", "W1", SEP[1])
    first = story.do(payment, BURSAR)
    again = story.do(payment, BURSAR)
    assert again == first == system.funds.head()
    system.projector.catch_up()
    assert f.student_balance(system.queries, story.school, "a").figures.paid == 30000


def test_the_same_reference_with_other_content_is_a_conflict(story, system):
    story.do(c.RecordPayment(story.school, "a", 30000, "wechat", "W1", SEP[1]), BURSAR)
    head = system.funds.head()
    with pytest.raises(PaymentConflict, match="W1"):
        story.do(
            c.RecordPayment(story.school, "a", 29000, "wechat", "W1", SEP[1]), BURSAR
        )
    assert system.funds.head() == head


def test_a_day_of_sessions_with_one_bad_roster_writes_nothing(story, system):
    other = c.OpenCourse(story.term, "C2", "Choir", "arts", 30, story.teacher)
    story.do(other)

    c2 = Course.id_for(story.term, "C2")
    head = system.funds.head()
    day = [
        c.DeliverSession(
            story.course,
            story.term,
            SEP[1],
            time(15, 30),
            time(17, 30),
            story.teacher,
            ("a", "b"),
        ),
        c.DeliverSession(
            c2, story.term, SEP[1], time(15, 30), time(17, 30), story.teacher, ("a",)
        ),
    ]
    story.clock.set(SEP[1], 19)
    with pytest.raises(NotEnrolled, match="C2"):
        system.bus.handle(c.DeliverSessions(tuple(day)), BURSAR)
    assert system.funds.head() == head
    system.bus.handle(c.DeliverSessions(tuple(day[:1])), BURSAR)
    with pytest.raises(SessionAlreadyDelivered):
        system.bus.handle(c.DeliverSessions(tuple(day[:1])), BURSAR)


def test_a_payment_for_an_unknown_school_is_refused(story, system):
    with pytest.raises(NotFound, match="no school"):
        story.do(
            c.RecordPayment(School.id_for("nope"), "a", 1, "x", "y", date(2026, 9, 1)),
            BURSAR,
        )


def fees(story, *rows) -> list[c.RecordPayment]:
    return [
        c.RecordPayment(story.school, student, amount, "bank", ref, SEP[1])
        for student, amount, ref in rows
    ]


def test_a_batch_of_payments_is_one_transaction_and_recognised_when_resent(
    story, system
):
    batch = fees(story, ("a", 30000, "B1"), ("b", 30000, "B2"), ("c", 15000, "B3"))
    head = system.funds.head()
    position = system.bus.handle(c.RecordPayments(tuple(batch)), BURSAR)
    assert position == head + 3 == system.funds.head()
    assert system.bus.handle(c.RecordPayments(tuple(batch[1:])), BURSAR) == position
    more = fees(story, ("c", 15000, "B3"), ("c", 15000, "B4"))
    system.bus.handle(c.RecordPayments(tuple(more)), BURSAR)
    system.projector.catch_up()
    paid = [
        f.student_balance(system.queries, story.school, s).figures.paid for s in "abc"
    ]
    assert paid == [30000, 30000, 30000]


def test_a_batch_with_one_conflicting_payment_writes_nothing(story, system):
    system.bus.handle(c.RecordPayments(tuple(fees(story, ("a", 30000, "B1")))), BURSAR)
    head = system.funds.head()
    batch = fees(story, ("b", 30000, "B2"), ("a", 29000, "B1"))
    with pytest.raises(PaymentConflict, match="B1"):
        system.bus.handle(c.RecordPayments(tuple(batch)), BURSAR)
    twice = fees(story, ("b", 30000, "B2"), ("b", 20000, "B2"))
    with pytest.raises(PaymentConflict, match="B2"):
        system.bus.handle(c.RecordPayments(tuple(twice)), BURSAR)
    assert system.funds.head() == head


def test_a_refused_day_leaves_no_trace_in_a_sole_writers_cache(database, clock):
    system = make_system(database, clock, aggregate_cache=100, sole_writer=True)
    try:
        story = Story(system, clock)
        story.set_up()
        story.clock.set(SEP[2], 19)
        deliver = c.DeliverSession(
            story.course,
            story.term,
            SEP[1],
            time(15, 30),
            time(17, 30),
            story.teacher,
            ("a",),
        )
        unknown = c.DeliverSession(
            story.course,
            story.term,
            SEP[2],
            time(15, 30),
            time(17, 30),
            story.teacher,
            ("nobody",),
        )
        with pytest.raises(NotEnrolled):
            system.bus.handle(c.DeliverSessions(tuple([deliver, unknown])), BURSAR)
        system.bus.handle(c.DeliverSessions(tuple([deliver])), BURSAR)
        course = system.funds.repository.get(story.course)
        assert (list(course.deliveries), course.used) == ([SEP[1]], {1})
    finally:
        system.close()


def test_a_term_set_up_at_once_is_saved_together_or_not_at_all(system, clock):
    school = School.id_for("S9")
    term = Term.id_for(school, "T")
    teacher = Teacher.id_for(school, "wang")
    set_up = [
        c.RegisterSchool("D1", "S9", "School Nine"),
        c.OpenTerm(school, "T", SEP[1], date(2027, 1, 15), 30000, 36000, 10),
        c.RegisterTeacher(school, "wang", "staff", 5000, SEP[1]),
        c.OpenCourse(term, "C1", "Chess", "science", 30, teacher),
        c.OpenCourse(term, "C2", "Choir", "arts", 30, Teacher.id_for(school, "nope")),
    ]
    head = system.funds.head()
    with pytest.raises(NotFound, match="no teacher"):
        system.bus.handle(c.SetUp(tuple(set_up)), ADMIN)
    assert system.funds.head() == head

    position = system.bus.handle(c.SetUp(tuple(set_up[:4])), ADMIN)
    assert position == head + 4 == system.funds.head()
    system.projector.catch_up()
    assert f.course(system.queries, Course.id_for(term, "C1")).school_id == school


def test_a_teacher_twice_in_one_set_up_is_refused_not_overwritten(system):
    school = School.id_for("S9")
    set_up = [
        c.RegisterSchool("D1", "S9", "School Nine"),
        c.RegisterTeacher(school, "wang", "staff", 5000, SEP[1]),
        c.RegisterTeacher(school, "wang", "external", 12000, SEP[1]),
    ]
    head = system.funds.head()
    with pytest.raises(AlreadyExists, match="teacher wang is in this request already"):
        system.bus.handle(c.SetUp(tuple(set_up)), ADMIN)
    assert system.funds.head() == head


def test_a_set_up_takes_set_up_commands_only(system):
    with pytest.raises(KeyError, match="RecordPayment"):
        system.bus.handle(
            c.SetUp((c.RecordPayment(School.id_for("S1"), "a", 1, "x", "y", SEP[1]),)),
            ADMIN,
        )


def test_a_business_date_more_than_a_year_ahead_is_refused(story, system):
    head = system.funds.head()
    later = date(2027, 9, 3)  # the clock stands at 2026-09-01
    with pytest.raises(ImplausibleDate, match="received_on"):
        story.do(c.RecordPayment(story.school, "a", 100, "bank", "F1", later), BURSAR)
    assert system.funds.head() == head
