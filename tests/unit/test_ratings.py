from datetime import date, time

import pytest

from domain.course import Course
from domain.errors import NotAttended, ScoreOutOfRange, WeekNotBegun
from domain.facts import Actor
from domain.rating import Rating
from tests.builders import PRC, a_course, day, deliver, enrolled, history, stamp

GUARDIAN = Actor("g-1", "guardian", students=frozenset({"s1"}))
TUESDAY, THURSDAY = day(1), day(3)  # 2026-09-01 is a Tuesday
MONDAY, FRIDAY = date(2026, 8, 31), day(4)


def a_delivered_week() -> Course:
    course = enrolled(a_course(), "s1", "s2")
    deliver(course, TUESDAY, present=["s1", "s2"])
    deliver(course, THURSDAY, present=["s2"], absent=["s1"])
    return history(course)


def rate(course: Course, student="s1", week=THURSDAY, scores=(5, 4), on=FRIDAY):
    return Rating.give(
        course=course,
        student_id=student,
        week=week,
        course_score=scores[0],
        teacher_score=scores[1],
        commented=True,
        stamp=stamp(on, GUARDIAN),
    )


def test_a_guardian_rates_a_week_the_child_was_present_in():
    course = a_delivered_week()
    rating = rate(course)
    [given] = rating.collect_events()
    assert isinstance(given, Rating.Given)
    assert (given.course_id, given.school_id, given.student_id) == (
        course.id,
        course.school_id,
        "s1",
    )
    assert (given.week, given.course_score, given.teacher_score) == (MONDAY, 5, 4)
    assert given.teacher_id == course.teacher_id and given.commented
    assert (given.actor, given.role) == ("g-1", "guardian")
    assert "comment" not in given.payload(), "free text stays out of events"
    assert rating.id == Rating.id_for(course.id, "s1", TUESDAY), "one per week"
    assert course.collect_events() == [], "rating changes nothing on the register"


@pytest.mark.parametrize("scores", [(0, 3), (3, 6), (-1, 5), (5, True)])
def test_a_score_outside_one_to_five_is_refused(scores):
    with pytest.raises(ScoreOutOfRange):
        rate(a_delivered_week(), scores=scores)


def test_a_week_the_child_was_absent_from_is_refused():
    course = enrolled(a_course(), "s1", "s2")
    deliver(course, THURSDAY, present=["s2"], absent=["s1"])
    with pytest.raises(NotAttended):
        rate(history(course))


def test_a_week_with_no_session_is_refused():
    with pytest.raises(NotAttended):
        rate(a_delivered_week(), week=day(8), on=day(9))


def test_a_reversed_session_is_not_attended():
    course = a_delivered_week()
    course.reverse_delivery(TUESDAY, reason="wrong class", stamp=stamp(day(2)))
    with pytest.raises(NotAttended):
        rate(history(course))


def test_a_week_not_yet_begun_is_refused():
    with pytest.raises(WeekNotBegun):
        rate(a_delivered_week(), week=day(10), on=day(4))


def test_the_teacher_rated_is_who_delivered_the_childs_sessions():
    course = enrolled(a_course(), "s1")
    stand_in = Course.id_for(course.term_id, "stand-in")  # any other id
    course.deliver(
        term_id=course.term_id,
        starts=time(15, 30),
        ends=time(17, 30),
        teacher_id=stand_in,
        teacher_pay=5000,
        present=["s1"],
        calendar=PRC,
        stamp=stamp(TUESDAY),
    )
    [given] = rate(history(course)).collect_events()
    assert given.teacher_id == stand_in
