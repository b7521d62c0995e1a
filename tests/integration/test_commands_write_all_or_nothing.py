"""Re-sent payments are recognised; refused commands write nothing."""

from datetime import date, time

import pytest

from application import commands as c
from domain.course import Course
from domain.errors import (
    NotEnrolled,
    NotFound,
    PaymentConflict,
    SessionAlreadyDelivered,
)
from domain.school import School
from tests.builders import BURSAR
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
    assert system.queries.student_balance(story.school, "a").paid == 30000


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
        system.funds.deliver_sessions(day, BURSAR)
    assert system.funds.head() == head
    system.funds.deliver_sessions(day[:1], BURSAR)
    with pytest.raises(SessionAlreadyDelivered):
        system.funds.deliver_sessions(day[:1], BURSAR)


def test_a_payment_for_an_unknown_school_is_refused(story, system):
    with pytest.raises(NotFound, match="no school"):
        story.do(
            c.RecordPayment(School.id_for("nope"), "a", 1, "x", "y", date(2026, 9, 1)),
            BURSAR,
        )
