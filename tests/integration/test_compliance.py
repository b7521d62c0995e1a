"""Each compliance rule: given a term's facts, when the regulator looks, then
exactly the breach, with its evidence."""

from datetime import date, time

import pytest

from application import commands as c
from domain.allocation import Allocation
from domain.course import Course
from domain.errors import CourseFull
from domain.refund import Refund
from domain.teacher import Teacher
from projections.anomalies import anomalies
from projections.findings import Compliance
from samples.pingcheng import load_sample
from tests.builders import BURSAR, SECOND_BURSAR
from tests.integration.test_term_story import SEP, Story

TODAY = date(2026, 10, 1)


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    return story


def findings(system, story, rule: str, today: date = TODAY):
    system.projector.catch_up()
    return Compliance(system.queries).findings(
        [story.school], today=today, rules=[rule]
    )


def deliver(story, day, starts=time(15, 30), ends=time(17, 30), course=None):
    session = c.DeliverSession(
        course or story.course, None, day, starts, ends, story.teacher, ("a",)
    )
    story.do(session, on=day)
    return Course.session_id_for(course or story.course, day)


def test_sessions_ending_before_off_work_are_found_with_their_sessions(story, system):
    early = deliver(story, SEP[1], time(15), time(17))
    deliver(story, SEP[2])
    [finding] = findings(system, story, "ends-before-off-work")
    assert finding.subject == "course C1" and "17:00" in finding.detail
    assert finding.evidence == [{"kind": "session", "id": str(early)}]


def test_a_session_shorter_than_the_daily_minimum_is_found(story, system):
    short = deliver(story, SEP[1], time(16, 30), time(17, 30))
    [finding] = findings(system, story, "service-too-short")
    assert "60" in finding.detail and finding.evidence[0]["id"] == str(short)


def test_a_school_day_without_service_is_found(story, system):
    deliver(story, SEP[1])
    deliver(story, SEP[3])
    [finding] = findings(system, story, "day-without-service")
    assert finding.subject == "2026-09-02"


def test_closed_days_and_days_after_the_last_service_are_not_blamed(system, clock):
    story = Story(system, clock)
    story.set_up()
    deliver(story, SEP[1])
    assert findings(system, story, "day-without-service") == []


def homework_course(story):
    story.do(c.OpenCourse(story.term, "HW", "Homework", "homework", 30, story.teacher))
    homework = Course.id_for(story.term, "HW")
    story.do(c.Enrol(homework, "a", SEP[1]))
    return homework


def test_a_week_without_homework_guidance_is_found(story, system):
    deliver(story, SEP[1])
    [finding] = findings(system, story, "week-without-homework-guidance")
    assert finding.subject == "week of 2026-08-31"
    deliver(story, SEP[2], course=homework_course(story))
    assert findings(system, story, "week-without-homework-guidance") == []


def test_each_week_is_judged_on_its_own_sessions(story, system):
    deliver(story, SEP[1], course=homework_course(story))
    plain = deliver(story, SEP[8])
    [finding] = findings(system, story, "week-without-homework-guidance")
    assert finding.subject == "week of 2026-09-07"
    assert finding.evidence == [{"kind": "session", "id": str(plain)}]


def test_the_register_never_holds_more_than_capacity(story, system):
    small = c.OpenCourse(story.term, "S", "Small", "arts", 1, story.teacher)
    story.do(small)
    story.do(c.Enrol(Course.id_for(story.term, "S"), "a", SEP[1]))
    with pytest.raises(CourseFull):
        story.do(c.Enrol(Course.id_for(story.term, "S"), "b", SEP[1]))
    assert findings(system, story, "over-capacity") == []


def test_a_fee_above_the_cap_is_found_with_who_was_charged(story, system):
    pricey = c.OpenCourse(story.term, "P", "Pricey", "arts", 30, story.teacher, 40000)
    story.do(pricey)
    course = Course.id_for(story.term, "P")
    story.do(c.Enrol(course, "a", SEP[1]))
    [finding] = findings(system, story, "fee-over-cap")
    assert finding.subject == "course P" and "400.00" in finding.detail
    assert {"kind": "enrolment", "id": f"{course}/a"} in finding.evidence


def test_paying_more_than_the_term_is_found(story, system):
    story.do(c.RecordPayment(story.school, "a", 30000, "bank", "B1", SEP[1]), BURSAR)
    story.do(c.RecordPayment(story.school, "a", 5000, "bank", "B2", SEP[2]), BURSAR)
    [finding] = findings(system, story, "prepaid-beyond-term")
    assert finding.subject == "student a" and "350.00" in finding.detail


def test_prepaying_an_external_course_beyond_its_cap_is_found(story, system):
    story.do(c.RegisterTeacher(story.school, "x", "external", 12000, SEP[1]))
    external = c.OpenCourse(
        story.term, "X", "Robotics", "science", 30, Teacher.id_for(story.school, "x")
    )
    story.do(external)
    course = Course.id_for(story.term, "X")
    story.do(c.Enrol(course, "z", SEP[1]))
    story.do(c.RecordPayment(story.school, "z", 30000, "bank", "Z1", SEP[1]), BURSAR)
    [finding] = findings(system, story, "prepaid-over-external-cap")
    assert finding.subject == "student z" and "external course X" in finding.detail


def test_a_family_paying_homework_and_an_external_course_prepays_only_the_latter(
    story, system
):
    """Student a pays the homework club and, the same day, ¥100 to each of
    it and an external course: only what was paid to the external course
    counts against its cap, and two payments of one amount on one day for
    two courses are not a duplicate."""
    story.do(c.RegisterTeacher(story.school, "x", "external", 12000, SEP[1]))
    teacher = Teacher.id_for(story.school, "x")
    story.do(c.OpenCourse(story.term, "X", "Robotics", "science", 30, teacher))
    robotics = Course.id_for(story.term, "X")
    story.do(c.Enrol(robotics, "a", SEP[1]))
    for reference, course, amount in (
        ("A1", story.course, 20000),
        ("A2", story.course, 10000),
        ("A3", robotics, 10000),
    ):
        lines = (Allocation(course, amount),)
        payment = c.RecordPayment(
            story.school, "a", amount, "bank", reference, SEP[1], lines
        )
        story.do(payment, BURSAR)
    assert findings(system, story, "prepaid-over-external-cap") == []
    duplicates = anomalies(
        system.queries, [story.school], today=TODAY, rules=["duplicate-payment"]
    )
    assert duplicates == []


def test_an_exempt_family_that_paid_is_found(story, system):
    story.do(c.RecordPayment(story.school, "c", 100, "bank", "C1", SEP[1]), BURSAR)
    [finding] = findings(system, story, "exempt-family-charged")
    assert finding.subject == "student c"
    assert finding.evidence[0]["kind"] == "payment"


def test_a_refund_not_paid_by_its_deadline_is_found(story, system):
    story.do(c.RecordPayment(story.school, "b", 30000, "bank", "B1", SEP[1]), BURSAR)
    story.do(c.Withdraw(story.course, "b", SEP[4]), on=SEP[4])
    assert findings(system, story, "refund-late", today=SEP[10]) == []
    [finding] = findings(system, story, "refund-late", today=TODAY)
    assert "due by 2026-09-19" in finding.detail and "not paid" in finding.detail


def test_a_refund_paid_in_time_is_not_a_finding(story, system):
    story.do(c.RecordPayment(story.school, "b", 30000, "bank", "B1", SEP[1]), BURSAR)
    story.do(c.Withdraw(story.course, "b", SEP[4]), on=SEP[4])
    story.do(c.RequestRefund(story.school, "b", 30000, "left", "R1"), BURSAR, SEP[5])
    refund = Refund.id_for(story.school, "R1")
    story.do(c.ApproveRefund(refund), SECOND_BURSAR, SEP[6])
    story.do(c.PayRefund(refund, "BANK-1", SEP[8]), BURSAR, SEP[8])
    assert findings(system, story, "refund-late") == []


def test_the_sample_district_shows_its_two_deliberate_breaches_and_no_anomaly(
    system,
):
    load_sample(system.bus)
    system.projector.catch_up()
    schools = system.queries.schools_in("Pingcheng")
    found = Compliance(system.queries).findings(schools, today=TODAY)
    assert [(f.school_code, f.rule, f.subject) for f in found] == [
        ("PC-102", "ends-before-off-work", "course FB-2"),
        ("PC-102", "fee-over-cap", "course CHOIR"),
    ]
    assert anomalies(system.queries, schools, today=TODAY) == []
