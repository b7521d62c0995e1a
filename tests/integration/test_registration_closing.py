"""A registration decided on a window the school closes meanwhile is decided
again, and refused: no seat is taken after the early closing."""

from datetime import datetime, timedelta

import pytest

from application import commands as c
from application.unit_of_work import Collision, UnitOfWork
from domain.course import BEIJING, Course
from domain.errors import OutsideRegistrationWindow
from domain.school import Term
from tests.builders import ADMIN
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.set_up()
    opens = datetime(2026, 8, 20, 8, tzinfo=BEIJING)
    story.do(c.OpenRegistration(story.term, opens, opens + timedelta(days=30)))
    return story


def test_a_registration_read_before_an_early_closing_is_not_saved(story, system):
    story.clock.set(SEP[1], 9)  # the window is open
    with UnitOfWork(system.funds, system.bus.bookkeeper, ADMIN) as work:
        term = work.get(Term, story.term, "term")
        course = work.get(Course, story.course, "course")
        course.register("late", term=term, stamp=work.stamp())
        work.relies_on(term)
        story.do(c.CloseRegistration(story.term))  # meanwhile, by the school
        with pytest.raises(Collision):
            work.commit()
    with pytest.raises(OutsideRegistrationWindow):
        story.do(c.Register(story.term, story.course, "late"), on=SEP[1])
