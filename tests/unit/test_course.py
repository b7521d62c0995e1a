from datetime import date, time

import pytest

from domain.course import Course
from domain.errors import (
    AlreadyEnrolled,
    AlreadyWithdrawn,
    Blank,
    CourseFull,
    InvalidSession,
    InvalidTermDates,
    NotEnrolled,
    OutsideTerm,
    SessionAlreadyDelivered,
    SessionNotDelivered,
    UnknownCategory,
)
from domain.facts import Stamp
from domain.ledger import journal
from domain.school import Term
from tests.builders import (
    ADMIN,
    PRC,
    a_course,
    a_school,
    a_term,
    day,
    deliver,
    enrolled,
    history,
    stamp,
    then,
)


def test_enrolment_charges_the_whole_term_fee():
    course = history(a_course(fee=36000))
    course.enrol("s1", waived=False, stamp=stamp())
    [event] = then(course)
    assert isinstance(event, Course.StudentEnrolled)
    assert (event.student_id, event.fee, event.waived) == ("s1", 36000, False)


def test_an_exempt_family_is_never_charged():
    course = history(a_course())
    course.enrol("s1", waived=True, stamp=stamp())
    [event] = then(course)
    assert event.fee == 0 and event.waived


def test_a_late_enrolment_is_charged_only_for_the_sessions_left():
    course = enrolled(a_course(fee=36000, planned_sessions=80), "s1")
    deliver(course, day(1), present=["s1"])
    history(course)
    course.enrol("s2", waived=False, stamp=stamp(day(2)))
    [event] = then(course)
    assert event.fee == 36000 - 450


def test_enrolling_over_capacity_is_refused():
    course = history(enrolled(a_course(capacity=2), "s1", "s2"))
    with pytest.raises(CourseFull, match="2 of 2 places"):
        course.enrol("s3", waived=False, stamp=stamp())
    assert then(course) == []


def test_a_withdrawn_place_can_be_taken_again():
    course = enrolled(a_course(capacity=1), "s1")
    course.withdraw("s1", stamp=stamp())
    history(course)
    course.enrol("s2", waived=False, stamp=stamp())
    assert [e.student_id for e in then(course)] == ["s2"]


def test_enrolling_twice_is_refused():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(AlreadyEnrolled):
        course.enrol("s1", waived=False, stamp=stamp())


def test_enrolment_outside_the_term_is_refused():
    course = history(a_course())
    with pytest.raises(OutsideTerm):
        course.enrol("s1", waived=False, stamp=stamp(date(2027, 2, 1)))


def test_a_delivered_session_releases_each_present_students_share():
    course = history(enrolled(a_course(fee=36000, planned_sessions=80), "s1", "s2"))
    deliver(course, day(1), present=["s1", "s2"], pay=5000)
    [event] = then(course)
    assert isinstance(event, Course.SessionDelivered)
    assert (event.number, event.share, event.teacher_pay) == (1, 450, 5000)
    assert list(event.released) == ["s1", "s2"]
    assert list(event.cancelled) == []


def test_the_last_planned_session_carries_the_remainder():
    course = enrolled(a_course(fee=1000, planned_sessions=3), "s1")
    for n in (1, 2):
        deliver(course, day(n), present=["s1"])
    history(course)
    deliver(course, day(3), present=["s1"])
    [event] = then(course)
    assert (event.number, event.share) == (3, 334)


def test_sessions_beyond_the_plan_release_nothing_but_still_pay_the_teacher():
    course = enrolled(a_course(fee=1000, planned_sessions=1), "s1")
    deliver(course, day(1), present=["s1"])
    history(course)
    deliver(course, day(2), present=["s1"], pay=5000)
    [event] = then(course)
    assert (event.share, event.teacher_pay) == (0, 5000)
    assert list(event.released) == []


def test_a_student_on_approved_leave_gets_the_share_credited_back():
    course = enrolled(a_course(), "s1", "s2")
    course.approve_leave("s2", [day(1)], stamp=stamp())
    history(course)
    deliver(course, day(1), present=["s1"])
    [event] = then(course)
    assert list(event.on_leave) == ["s2"]
    assert list(event.cancelled) == ["s2"]
    assert list(event.released) == ["s1"]


def test_an_unexcused_absence_consumes_the_session_when_the_policy_says_so():
    term = a_term(absence_consumes=True)
    course = history(enrolled(a_course(term), "s1", "s2"))
    deliver(course, day(1), present=["s1"])
    [event] = then(course)
    assert list(event.absent) == ["s2"]
    assert list(event.released) == ["s1", "s2"]


def test_an_unexcused_absence_is_credited_back_by_default():
    course = history(enrolled(a_course(), "s1", "s2"))
    deliver(course, day(1), present=["s1"])
    [event] = then(course)
    assert list(event.cancelled) == ["s2"]


def test_a_session_for_a_course_of_another_term_is_refused():
    school = a_school()
    course = history(enrolled(a_course(a_term(school)), "s1"))
    other = a_term(school, code="2027-spring")
    with pytest.raises(OutsideTerm, match="another term"):
        course.deliver(
            term_id=other.id,
            starts=time(15, 30),
            ends=time(17, 30),
            teacher_id=course.teacher_id,
            teacher_pay=5000,
            present=["s1"],
            calendar=PRC,
            stamp=stamp(day(1)),
        )
    assert then(course) == []


def test_a_roster_naming_a_student_not_enrolled_is_refused():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(NotEnrolled, match="ghost"):
        deliver(course, day(1), present=["s1", "ghost"])
    assert then(course) == []


def test_check_out_before_check_in_is_refused():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(InvalidSession, match="precedes"):
        course.deliver(
            term_id=course.term_id,
            starts=time(17, 30),
            ends=time(15, 30),
            teacher_id=course.teacher_id,
            teacher_pay=5000,
            present=["s1"],
            calendar=PRC,
            stamp=stamp(day(1)),
        )


def test_a_session_cannot_be_recorded_before_it_happens():
    course = history(enrolled(a_course(), "s1"))
    recorded_on_day_one = Stamp(ADMIN, at=stamp(day(1)).at, on=day(2))
    with pytest.raises(InvalidSession, match="not happened"):
        course.deliver(
            term_id=course.term_id,
            starts=time(15, 30),
            ends=time(17, 30),
            teacher_id=course.teacher_id,
            teacher_pay=5000,
            present=["s1"],
            calendar=PRC,
            stamp=recorded_on_day_one,
        )


def test_the_same_session_cannot_be_delivered_twice():
    course = enrolled(a_course(), "s1")
    deliver(course, day(1), present=["s1"])
    history(course)
    with pytest.raises(SessionAlreadyDelivered):
        deliver(course, day(1), present=["s1"])


def test_a_correction_reverses_the_delivery_and_names_it():
    course = history(enrolled(a_course(), "s1", "s2"))
    deliver(course, day(1), present=["s1"])
    [original] = then(course)
    course.reverse_delivery(day(1), reason="s2 was there", stamp=stamp(day(2)))
    deliver(course, day(1), present=["s1", "s2"])
    reversal, redelivery = then(course)
    assert isinstance(reversal, Course.DeliveryReversed)
    assert reversal.reverses == journal(original).entry_id
    assert reversal.session_id == original.session_id
    assert list(reversal.released) == ["s1"] and list(reversal.cancelled) == ["s2"]
    assert redelivery.number == original.number
    assert list(redelivery.released) == ["s1", "s2"]


def test_reversing_a_session_that_was_not_delivered_is_refused():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(SessionNotDelivered):
        course.reverse_delivery(day(1), reason="typo", stamp=stamp())


def test_a_correction_needs_a_reason():
    course = enrolled(a_course(), "s1")
    deliver(course, day(1), present=["s1"])
    with pytest.raises(Blank, match="reason"):
        course.reverse_delivery(day(1), reason=" ", stamp=stamp())


def test_withdrawal_cancels_the_unconsumed_fee():
    course = enrolled(a_course(fee=36000, planned_sessions=80), "s1")
    deliver(course, day(1), present=["s1"])
    deliver(course, day(2), present=["s1"])
    history(course)
    course.withdraw("s1", stamp=stamp(day(3)))
    [event] = then(course)
    assert event.cancelled == 36000 - 2 * 450


def test_withdrawing_twice_is_refused():
    course = enrolled(a_course(), "s1")
    course.withdraw("s1", stamp=stamp())
    history(course)
    with pytest.raises(AlreadyWithdrawn):
        course.withdraw("s1", stamp=stamp())
    assert then(course) == []


def test_a_withdrawn_student_is_no_longer_on_the_roster():
    course = enrolled(a_course(), "s1", "s2")
    course.withdraw("s2", stamp=stamp())
    history(course)
    with pytest.raises(NotEnrolled, match="withdrawn"):
        deliver(course, day(1), present=["s1", "s2"])


def test_a_waiver_cancels_what_is_left_and_stops_further_charges():
    course = enrolled(a_course(fee=36000, planned_sessions=80), "s1")
    deliver(course, day(1), present=["s1"])
    course.waive_fee("s1", stamp=stamp(day(2)))
    [*_, waived] = then(course)
    assert waived.cancelled == 36000 - 450
    deliver(course, day(2), present=["s1"])
    [delivered] = then(course)
    assert list(delivered.present) == ["s1"] and list(delivered.released) == []


def test_a_correction_after_the_student_left_is_refused():
    course = enrolled(a_course(), "s1")
    deliver(course, day(1), present=["s1"])
    course.withdraw("s1", stamp=stamp(day(2)))
    history(course)
    with pytest.raises(InvalidSession, match="refund"):
        course.reverse_delivery(day(1), reason="wrong", stamp=stamp(day(2)))


def test_a_course_needs_one_of_the_eight_categories():
    with pytest.raises(UnknownCategory, match="unknown category"):
        a_course(category="tutoring")


def test_a_term_longer_than_a_school_year_is_refused():
    with pytest.raises(InvalidTermDates, match="within one school year"):
        a_term(starts=date(1, 1, 1), ends=date(9999, 12, 31))
    a_term(starts=date(2026, 9, 1), ends=date(2027, 8, 31))


def test_a_term_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidTermDates, match="before it starts"):
        Term.open(
            school=a_school(),
            code="x",
            starts=date(2026, 9, 1),
            ends=date(2026, 8, 1),
            fee_per_term=1,
            fee_cap=1,
            planned_sessions=1,
            stamp=stamp(),
        )
