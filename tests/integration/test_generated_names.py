"""A generated term's people get names: every student and teacher, and a
guardian for each family of one or two children; the same seed, the same
names."""

from collections import Counter

from psycopg.sql import SQL

from api.requests import _NAME, _PHONE
from domain.person import Kind
from infra.registry import Reader
from samples.people import name_generated
from samples.simulate import Plan, simulate

PLAN = Plan(schools=1, students=60, seed=5, days=5, district="Naming")
READER = Reader("test", "school_admin", "test")


def people(system) -> list:
    schools = system.queries.schools_in(PLAN.district)
    ids = [i for school in schools for i in system.registry.people_of(school)]
    return list(system.registry.read(ids, READER).values())


def test_everyone_a_generated_term_enrolled_is_named(system):
    simulate(system.bus, PLAN)
    system.projector.catch_up()
    schools = system.queries.schools_in(PLAN.district)
    named = name_generated(
        system.bus, system.registry, system.queries, schools, PLAN.seed
    )

    found = people(system)
    kinds = Counter(p.kind for p in found)
    enrolled = system.queries.rows(
        SQL("SELECT count(DISTINCT student_id) AS n FROM enrolments")
    )[0]["n"]
    assert named == len(found) and kinds[Kind.STUDENT] == enrolled > 40
    assert kinds[Kind.TEACHER] == PLAN.courses_per_school
    assert all(_NAME.fullmatch(p.record["name"]) for p in found)
    assert all(
        _PHONE.fullmatch(p.record["phone"]) for p in found if "phone" in p.record
    )
    students = {p.ref for p in found if p.kind is Kind.STUDENT}
    families = [
        system.registry.children_of(p.person_id)
        for p in found
        if p.kind is Kind.GUARDIAN
    ]
    assert all(1 <= len(children) <= 2 for children in families)
    assert Counter(c for children in families for c in children) == Counter(students)

    again = {p.person_id: p.record["name"] for p in found}
    name_generated(system.bus, system.registry, system.queries, schools, PLAN.seed)
    assert {p.person_id: p.record["name"] for p in people(system)} == again
