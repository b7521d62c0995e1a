"""A week is rated once per child and course, through the message bus and
its unit of work: a second rating of the same week is refused as existing,
and a rated week counts in the school's figures."""

import pytest

from application import commands as c
from domain.errors import AlreadyExists, NotAttended
from projections.satisfaction import satisfaction
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    story.deliver(SEP[1], "a", "b")
    return story


def test_a_second_rating_of_the_same_week_is_refused(story, system):
    first = c.RateCourse(story.course, "a", SEP[1], 5, 4, "likes the openings")
    story.do(first, on=SEP[2])
    again = c.RateCourse(story.course, "a", SEP[2], 1, 1)
    head = system.funds.head()
    with pytest.raises(AlreadyExists, match="exists already"):
        story.do(again, on=SEP[2])
    assert system.funds.head() == head


def test_a_week_rated_appears_in_the_school_figures(story, system):
    story.do(c.RateCourse(story.course, "a", SEP[1], 5, 4), on=SEP[2])
    story.do(c.RateCourse(story.course, "b", SEP[1], 3, 3), on=SEP[2])
    with pytest.raises(NotAttended):
        story.do(c.RateCourse(story.course, "c", SEP[1], 5, 5), on=SEP[2])
    system.projector.catch_up()
    [school] = satisfaction(system.queries, {story.school}, "school")
    assert (school.ratings, school.course_mean, school.course_share_good) == (
        2,
        "4.00",
        "50.0",
    )
    assert (school.attendances, school.response_rate) == (2, "100.0")
