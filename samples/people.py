"""Names for generated people: Chinese family and given names drawn from a
seed (the same seed, the same names), a guardian for each family of one or
two children, teachers with a phone and a payee account; recorded in the
personal-data registry, never in the log."""

import random
import re
from collections.abc import Sequence
from uuid import UUID

from psycopg.sql import SQL

from application import commands as c
from application.bus import MessageBus
from domain.facts import Actor
from domain.person import Kind
from domain.school import School
from domain.teacher import Teacher
from infra.registry import Registry
from projections.queries import Queries
from samples.pingcheng import SCHOOLS, rosters

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚浩宇欣怡涵轩萱琪睿泽晨阳"
RELATIONS = ("father", "mother", "mother", "father", "grandparent")
_STUDENTS = SQL("""
SELECT e.student_id, min(c.code) AS course_code FROM enrolments e
  JOIN courses c USING (course_id) WHERE e.school_id = %s
 GROUP BY e.student_id ORDER BY e.student_id
""")
_TEACHERS = SQL("SELECT teacher_id FROM teachers WHERE school_id = %s ORDER BY code")
_CODE = SQL("SELECT code FROM schools WHERE school_id = %s")


def a_name(rng: random.Random, family: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return (family or rng.choice(FAMILY)) + given


def a_phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))


def grade_and_class(course_code: str, rng: random.Random) -> tuple[int, str]:
    if found := re.search(r"-(\d)([A-Z])$", course_code):
        return int(found[1]), found[1] + found[2]
    grade = rng.randint(1, 6)
    return grade, f"{grade}{rng.choice('ABC')}"


def name_school(
    bus: MessageBus,
    registry: Registry,
    school: UUID,
    code: str,
    students: Sequence[tuple[str, str]],
    teachers: Sequence[UUID],
    rng: random.Random,
) -> list[str]:
    """``students``: each with the code of a course of theirs. Returns the
    guardians' codes, in order."""
    people: list[tuple] = []
    guardians: list[str] = []
    family: list[str] = []
    surname = rng.choice(FAMILY)

    def guardian() -> None:
        relation = rng.choice(RELATIONS)
        name = a_name(rng, surname if relation != "mother" else None)
        record = {"name": name, "phone": a_phone(rng), "relation": relation}
        guardians.append(f"{code}-G{len(guardians) + 1:03d}")
        people.append((school, Kind.GUARDIAN, guardians[-1], record, tuple(family)))

    for student, course_code in students:
        grade, class_name = grade_and_class(course_code, rng)
        record = {
            "name": a_name(rng, surname),
            "grade": grade,
            "class_name": class_name,
        }
        people.append((school, Kind.STUDENT, student, record, ()))
        family.append(student)
        if len(family) == 2 or rng.random() < 0.7:
            guardian()
            family, surname = [], rng.choice(FAMILY)
    if family:
        guardian()
    for teacher in teachers:
        account = "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
        record = {"name": a_name(rng), "phone": a_phone(rng), "payee_account": account}
        people.append((school, Kind.TEACHER, str(teacher), record, ()))
    links = [
        c.LinkGuardian(school, ref, children)
        for _, kind, ref, _, children in people
        if kind is Kind.GUARDIAN
    ]
    bus.handle(
        c.LinkGuardians(tuple(links)), Actor(f"admin-{code.lower()}", "school_admin")
    )
    registry.record_many(people)
    return guardians


def record_people(
    bus: MessageBus, registry: Registry, seed: int = 2026
) -> dict[str, list[str]]:
    """The sample district's people; each school's guardian codes."""
    rng = random.Random(seed)
    guardians = {}
    for code, (_, plans) in SCHOOLS.items():
        school = School.id_for(code)
        students = [
            (student, plan.code)
            for plan, roster in rosters(code, plans).items()
            for student in roster
        ]
        teachers = [Teacher.id_for(school, plan.teacher) for plan in plans]
        guardians[code] = name_school(
            bus, registry, school, code, students, teachers, rng
        )
    return guardians


def name_generated(
    bus: MessageBus,
    registry: Registry,
    queries: Queries,
    schools: Sequence[UUID],
    seed: int,
) -> int:
    """Everyone a generated term enrolled or registered, as the read models
    have them; returns how many people were named."""
    rng, named = random.Random(seed), 0
    for school in sorted(schools):
        [row] = queries.rows(_CODE, (school,))
        students = [
            (r["student_id"], r["course_code"])
            for r in queries.rows(_STUDENTS, (school,))
        ]
        teachers = [r["teacher_id"] for r in queries.rows(_TEACHERS, (school,))]
        guardians = name_school(
            bus, registry, school, row["code"], students, teachers, rng
        )
        named += len(students) + len(teachers) + len(guardians)
    return named
