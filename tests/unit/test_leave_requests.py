from datetime import date

import pytest

from domain.course import Course
from domain.errors import (
    LeaveAlreadyDecided,
    NotEnrolled,
    SessionAlreadyDelivered,
    UnknownLeaveReason,
)
from domain.leave import LeaveRequest
from tests.builders import (
    a_course,
    day,
    deliver,
    enrolled,
    history,
    stamp,
    then,
)

DATES = (day(10), day(9))


def asked(course: Course, student: str = "s1", reason: str | None = "illness"):
    request = LeaveRequest.ask(
        course=course, student_id=student, dates=DATES, reason=reason, stamp=stamp()
    )
    return history(request)


def test_a_guardian_asks_for_leave_on_dates_with_a_reason_code():
    course = history(enrolled(a_course(), "s1"))
    request = LeaveRequest.ask(
        course=course, student_id="s1", dates=DATES, reason="illness", stamp=stamp()
    )
    [event] = then(request)
    assert isinstance(event, LeaveRequest.Requested)
    assert (event.student_id, event.dates, event.reason) == (
        "s1",
        (day(9), day(10)),
        "illness",
    )
    assert (event.actor, event.timestamp) == (stamp().actor.id, stamp().at)
    assert then(course) == [], "asking changes nothing on the register"


def test_leave_for_a_student_not_in_the_course_cannot_be_asked():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(NotEnrolled):
        asked(course, "s2")


def test_a_reason_that_is_not_a_code_is_refused():
    course = history(enrolled(a_course(), "s1"))
    with pytest.raises(UnknownLeaveReason):
        asked(course, reason="grandmother Wang is ill")


def test_the_school_approves_a_request_and_the_register_grants_the_leave():
    course = history(enrolled(a_course(), "s1"))
    request = asked(course)
    request.approve(course, stamp=stamp(day(2)))
    [approved] = then(request)
    [granted] = then(course)
    assert isinstance(approved, LeaveRequest.Approved)
    assert isinstance(granted, Course.LeaveApproved)
    assert (granted.request_id, granted.dates) == (request.id, (day(9), day(10)))
    assert course.seats["s1"].leave == {day(9), day(10)}


def test_the_school_declines_a_request_and_the_register_is_unchanged():
    course = history(enrolled(a_course(), "s1"))
    request = asked(course)
    request.decline(stamp=stamp(day(2)))
    [declined] = then(request)
    assert isinstance(declined, LeaveRequest.Declined)
    assert then(course) == [] and course.seats["s1"].leave == frozenset()


def test_approving_twice_is_refused():
    course = history(enrolled(a_course(), "s1"))
    request = asked(course)
    request.approve(course, stamp=stamp(day(2)))
    history(request), history(course)
    with pytest.raises(LeaveAlreadyDecided, match="approved already"):
        request.approve(course, stamp=stamp(day(3)))
    assert then(request) == [] and then(course) == []


def test_a_declined_request_cannot_then_be_approved():
    course = history(enrolled(a_course(), "s1"))
    request = asked(course)
    request.decline(stamp=stamp(day(2)))
    history(request)
    with pytest.raises(LeaveAlreadyDecided, match="declined already"):
        request.approve(course, stamp=stamp(day(3)))


def test_a_request_for_a_session_delivered_meanwhile_cannot_be_approved():
    course = enrolled(a_course(), "s1")
    request = asked(history(course))
    deliver(course, day(9), present=["s1"])
    history(course)
    with pytest.raises(SessionAlreadyDelivered):
        request.approve(course, stamp=stamp(day(10)))
    assert then(course) == []


def test_the_same_dates_asked_again_name_the_same_request():
    course = history(enrolled(a_course(), "s1"))
    assert asked(course).id == LeaveRequest.id_for(
        course.id, "s1", [day(10), day(9), day(9)]
    )


def test_a_leave_approved_before_requests_existed_still_loads():
    state = {"school_id": None, "student_id": "s1", "dates": [date(2026, 9, 9)]}
    Course.LeaveApproved.upcast_v1_v2(state)
    assert state["request_id"] is None
