"""Families rating the sample's courses: each guardian of Pingcheng No.1 rates
the first two weeks of each child's course and its teacher, mostly 4s and 5s,
a few lower, some with a comment."""

import random
from datetime import date

from application import commands as c
from application.bus import MessageBus
from domain.course import Course
from domain.errors import DomainError
from domain.facts import Actor
from domain.person import Kind, person_id_for
from domain.school import School, Term
from infra.registry import Registry
from samples.pingcheng import SCHOOLS, TERM_CODE, rosters

SCHOOL = "PC-101"
WEEKS = (date(2026, 9, 1), date(2026, 9, 7))
COMMENTS = ("孩子很喜欢这门课", "作业辅导很有帮助", "希望多一些户外活动")


def rate_courses(
    bus: MessageBus, registry: Registry, guardians: list[str], seed: int = 2026
) -> int:
    """Returns how many ratings were recorded."""
    rng = random.Random(seed)
    school = School.id_for(SCHOOL)
    term = Term.id_for(school, TERM_CODE)
    _, plans = SCHOOLS[SCHOOL]
    course_of = {
        student: Course.id_for(term, plan.code)
        for plan, roster in rosters(SCHOOL, plans).items()
        for student in roster
    }
    rated = 0
    for code in guardians:
        children = registry.children_of(person_id_for(school, Kind.GUARDIAN, code))
        family = Actor(code, "guardian", frozenset({school}), None, children)
        for child in sorted(children):
            for week in WEEKS:
                score = rng.choices((5, 4, 3, 2), weights=(55, 30, 10, 5))[0]
                teacher = min(5, max(1, score + rng.choice((-1, 0, 0, 1))))
                comment = rng.choice(COMMENTS) if rng.random() < 0.2 else None
                rating = c.RateCourse(
                    course_of[child], child, week, score, teacher, comment
                )
                try:
                    bus.handle(rating, family)
                except DomainError:
                    continue  # away that whole week: nothing to rate
                rated += 1
    return rated
