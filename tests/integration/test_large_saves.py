"""A bulk save of several megabytes completes: one transaction, nothing lost."""

import threading
from datetime import date

from application import commands as c
from domain.course import Course
from tests.builders import ADMIN
from tests.integration.test_term_story import Story


def test_a_term_of_enrolments_in_one_save_of_megabytes_completes(system, clock):
    story = Story(system, clock)
    story.set_up()
    for n in range(20):
        story.do(c.OpenCourse(story.term, f"B{n}", "Big", "arts", 500, story.teacher))
    enrolments = [
        c.Enrol(
            Course.id_for(story.term, f"B{n}"),
            f"student-{n:02d}-{k:03d}-" + "x" * 40,
            date(2026, 9, 1),
        )
        for n in range(20)
        for k in range(400)
    ]
    head = system.funds.head()
    many = c.EnrolMany(tuple(enrolments))
    saved = threading.Thread(target=system.bus.handle, args=(many, ADMIN))
    saved.start()
    saved.join(timeout=60)
    assert not saved.is_alive(), "the save never completed"
    assert system.funds.head() == head + len(enrolments)
