"""The sample's people: Chinese family and given names drawn from a seed (the
same seed, the same names), guardians with one or two children, teachers
with a phone and a payee account; recorded in the personal-data registry,
never in the log."""

import random
import re

from domain.person import Kind
from domain.school import School
from domain.teacher import Teacher
from infra.registry import Registry
from samples.pingcheng import SCHOOLS, rosters

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚浩宇欣怡涵轩萱琪睿泽晨阳"
RELATIONS = ("father", "mother", "mother", "father", "grandparent")


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


def record_people(registry: Registry, seed: int = 2026) -> dict[str, list[str]]:
    """Records every sample student, a guardian for each family of one or two
    children, and every teacher; returns each school's guardian codes."""
    rng = random.Random(seed)
    guardians: dict[str, list[str]] = {}
    for code, (_, plans) in SCHOOLS.items():
        school = School.id_for(code)
        family: list[str] = []
        surname = rng.choice(FAMILY)
        codes = guardians.setdefault(code, [])
        for plan, students in rosters(code, plans).items():
            for student in students:
                grade, class_name = grade_and_class(plan.code, rng)
                record = {"name": a_name(rng, surname), "grade": grade}
                registry.record(
                    school, Kind.STUDENT, student, record | {"class_name": class_name}
                )
                family.append(student)
                if len(family) == 2 or rng.random() < 0.7:
                    codes.append(
                        record_guardian(
                            registry, school, code, len(codes), family, surname, rng
                        )
                    )
                    family, surname = [], rng.choice(FAMILY)
        if family:
            codes.append(
                record_guardian(
                    registry, school, code, len(codes), family, surname, rng
                )
            )
        for plan in plans:
            teacher = Teacher.id_for(school, plan.teacher)
            record = {
                "name": a_name(rng),
                "phone": a_phone(rng),
                "payee_account": "6222"
                + "".join(str(rng.randrange(10)) for _ in range(15)),
            }
            registry.record(school, Kind.TEACHER, str(teacher), record)
    return guardians


def record_guardian(registry, school, code, n, children, surname, rng) -> str:
    guardian = f"{code}-G{n + 1:03d}"
    relation = rng.choice(RELATIONS)
    name = a_name(rng, surname if relation != "mother" else None)
    record = {"name": name, "phone": a_phone(rng), "relation": relation}
    registry.record(school, Kind.GUARDIAN, guardian, record, children)
    return guardian
