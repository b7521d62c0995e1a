"""A school's day read back: the courses meeting, each session once recorded
(and no longer once reversed), and the leave requests still to decide."""

from datetime import date

import pytest

from application import commands as c
from domain.course import Course
from domain.errors import NotFound
from domain.leave import LeaveRequest
from projections.schoolday import course_on, leave_awaiting, meeting_on
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    story.do(c.OpenCourse(story.term, "C2", "Clay", "arts", 20, story.teacher))
    return story


def test_the_courses_meeting_on_a_day_show_the_session_recorded(story, system):
    story.deliver(SEP[2], "a", "b")
    system.projector.catch_up()

    c1, c2 = meeting_on(system.queries, story.school, SEP[2])
    assert (c1.code, c1.recorded, c1.present, c1.absent, c1.enrolled) == (
        "C1",
        True,
        2,
        1,
        3,
    )
    assert (c1.teacher_code, c1.session_teacher_id) == ("li", story.teacher)
    assert (c2.code, c2.recorded, c2.present) == ("C2", False, None)
    assert not meeting_on(system.queries, story.school, SEP[3])[0].recorded


def test_a_reversed_session_reads_as_not_recorded(story, system):
    story.deliver(SEP[2], "a", "b", "c")
    story.do(c.ReverseSession(story.course, SEP[2], "wrong class"), on=SEP[2])
    system.projector.catch_up()

    assert not course_on(system.queries, story.course, SEP[2]).recorded


def test_no_course_meets_outside_its_term(story, system):
    system.projector.catch_up()

    assert meeting_on(system.queries, story.school, date(2027, 2, 1)) == []
    with pytest.raises(NotFound):
        course_on(system.queries, Course.id_for(story.term, "NONE"), SEP[2])


def test_only_leave_requests_not_yet_decided_await_the_school(story, system):
    asked = (SEP[21], SEP[22])
    story.do(c.RequestLeave(story.course, "a", asked, "illness"), on=SEP[8])
    story.do(c.RequestLeave(story.course, "b", asked[:1], "family"), on=SEP[9])
    decided = LeaveRequest.id_for(story.course, "b", asked[:1])
    story.do(c.ApproveLeaveRequest(decided), on=SEP[9])
    system.projector.catch_up()

    [waiting] = leave_awaiting(system.queries, story.school)
    assert (waiting.student_id, waiting.dates, waiting.reason) == (
        "a",
        list(asked),
        "illness",
    )
    assert waiting.course_code == "C1"
