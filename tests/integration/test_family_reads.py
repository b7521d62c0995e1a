"""What a family's pages read besides money: the child's ratings of a week,
and the names of the child's courses, never another school's."""

from datetime import date

import pytest

from application import commands as c
from domain.school import School
from projections.family import course_names
from projections.satisfaction import ratings_of
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    story.deliver(SEP[1], "a", "b")
    story.deliver(SEP[8], "a")
    return story


def test_a_child_s_ratings_are_read_for_the_week_asked_only(story, system):
    story.do(c.RateCourse(story.course, "a", SEP[2], 5, 4, "likes it"), on=SEP[2])
    story.do(c.RateCourse(story.course, "a", SEP[8], 2, 3), on=SEP[9])
    story.do(c.RateCourse(story.course, "b", SEP[1], 1, 1), on=SEP[2])
    system.projector.catch_up()

    [first] = ratings_of(system.queries, story.school, "a", SEP[1])
    assert (first.course_id, first.week) == (story.course, date(2026, 8, 31))
    assert (first.course_score, first.teacher_score, first.commented) == (5, 4, True)
    [second] = ratings_of(system.queries, story.school, "a", SEP[10])
    assert (second.course_score, second.commented) == (2, False)
    assert ratings_of(system.queries, story.school, "a", SEP[14]) == []
    assert ratings_of(system.queries, School.id_for("S2"), "a", SEP[1]) == []


def test_course_names_are_read_within_one_school(story, system):
    system.projector.catch_up()
    assert course_names(system.queries, story.school, [story.course]) == {
        story.course: "Chess"
    }
    assert course_names(system.queries, School.id_for("S2"), [story.course]) == {}
    assert course_names(system.queries, story.school, []) == {}
