"""The people behind the ids: their personal data in the registry (never in
events), every read of it logged, its erasure asked for by the school and
approved by the district's regulator; and a guardian's view of their
children."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.auth import Auditor, Guardian, PersonReader, Principal, Regulator, SchoolAdmin
from api.bootstrap import System
from api.commands import IdempotencyKey, Recorded, run
from api.deps import QueriesDep, SystemDep
from api.errors import Unauthenticated
from api.names import reader
from api.requests import (
    GuardianCode,
    GuardianRecord,
    LoginCodeRedeem,
    StudentId,
    StudentRecord,
    TeacherRecord,
)
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    AttendancePublic,
    ChildPublic,
    LoginCodePublic,
    OpenCoursePublic,
    OpenTermPublic,
    PersonalDataReadPublic,
    PersonPublic,
    SignedInPublic,
    StudentBalancePublic,
)
from application import commands as c
from domain.errors import NotFound
from domain.person import Erasure, Kind, person_id_for
from domain.school import School
from infra.registry import Person
from infra.tokens import Role
from projections import family
from projections import funds as f

router = APIRouter(
    prefix="/v1", tags=["people"], responses=READ_PROBLEMS | WRITE_PROBLEMS
)


def public(person: Person) -> PersonPublic:
    return PersonPublic(
        id=person.person_id,
        school_id=person.school_id,
        kind=person.kind,
        ref=person.ref,
        erased=person.erased,
        record=person.record,
    )


def recorded(
    system: System,
    who: Principal,
    school_id: UUID,
    kind: Kind,
    ref: str,
    record,
    children=(),
):
    who.check_school(school_id)
    person_id = system.registry.record(school_id, kind, ref, record, children)
    return {"id": person_id}


@router.put("/schools/{school_id}/people/students/{student_id}")
def record_student(
    school_id: UUID,
    student_id: Annotated[StudentId, Path()],
    body: StudentRecord,
    system: SystemDep,
    who: SchoolAdmin,
) -> dict[str, UUID]:
    """Record (or correct) a student's name, grade and class."""
    return recorded(system, who, school_id, Kind.STUDENT, student_id, body.model_dump())


@router.put("/schools/{school_id}/people/guardians/{code}")
def record_guardian(
    school_id: UUID,
    code: Annotated[GuardianCode, Path()],
    body: GuardianRecord,
    system: SystemDep,
    who: SchoolAdmin,
) -> dict[str, UUID]:
    """Record a guardian and the children they may see and act for; a
    guardian token for the school names the guardian by this code."""
    record = body.model_dump(exclude={"children"})
    return recorded(system, who, school_id, Kind.GUARDIAN, code, record, body.children)


@router.put("/schools/{school_id}/people/teachers/{teacher_id}")
def record_teacher(
    school_id: UUID,
    teacher_id: UUID,
    body: TeacherRecord,
    system: SystemDep,
    who: SchoolAdmin,
) -> dict[str, UUID]:
    """Record a teacher's name, phone and the account their pay goes to."""
    record = body.model_dump()
    return recorded(system, who, school_id, Kind.TEACHER, str(teacher_id), record)


@router.get("/people/{person_id}")
def read_person(
    person_id: UUID, system: SystemDep, who: PersonReader, request: Request
) -> PersonPublic:
    """One person's record. Staff see their school's people, a guardian
    themselves and their children, a regulator or auditor the one record they
    ask for; every read is logged."""
    found = system.registry.read([person_id], reader(who, request)).get(person_id)
    if found is None or not may_see(who, found):
        raise NotFound("no person with that id")
    return public(found)


def may_see(who: Principal, person: Person) -> bool:
    if person.school_id not in who.schools:
        return False
    if who.grant.role is not Role.GUARDIAN:
        return True
    return person.person_id == who.guardian_id or (
        person.kind is Kind.STUDENT and person.ref in (who.children or ())
    )


@router.get("/schools/{school_id}/people")
def school_people(
    school_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    kind: Kind | None = None,
) -> list[PersonPublic]:
    """A school's people with their records; every read is logged."""
    who.check_school(school_id)
    ids = system.registry.people_of(school_id, kind)
    found = system.registry.read(ids, reader(who, request))
    return [public(found[i]) for i in ids if i in found]


@router.get("/schools/{school_id}/personal-data-reads")
def personal_data_reads(
    school_id: UUID, system: SystemDep, who: Auditor
) -> list[PersonalDataReadPublic]:
    """Who read whose personal data, when and through which route; newest first."""
    who.check_school(school_id)
    return [PersonalDataReadPublic(**row) for row in system.registry.reads([school_id])]


@router.post("/people/{person_id}/erasure", status_code=201, response_model=Recorded)
def request_erasure(
    person_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Ask to erase a person's personal data; a regulator approves it."""
    found = system.registry.read([person_id], reader(who, request)).get(person_id)
    if found is None or found.school_id not in who.schools:
        raise NotFound("no person with that id")
    command = c.RequestErasure(found.school_id, found.kind, found.ref)
    entity = Erasure.id_for(person_id)
    return run(system, who, request, command, entity=entity, key=key, body=None)


@router.post("/people/{person_id}/erasure/approval", response_model=Recorded)
def approve_erasure(
    person_id: UUID,
    system: SystemDep,
    who: Regulator,
    request: Request,
    key: IdempotencyKey = None,
):
    """Approve an erasure: refused while the person has money in flight; the
    record and its key are destroyed with the approval. Balances, traces and
    the hash chain keep the pseudonymous id."""
    command = c.ApproveErasure(person_id)
    entity = Erasure.id_for(person_id)
    return run(
        system, who, request, command, entity=entity, key=key, body=None, status=200
    )


@router.get("/guardian/children")
def children(
    system: SystemDep, queries: QueriesDep, who: Guardian, request: Request
) -> list[ChildPublic]:
    """Each of the guardian's children: name, what was charged, paid,
    consumed, credited and refunded, and every session with attendance."""
    [school_id] = who.schools
    kids = sorted(who.children or ())
    ids = {kid: person_id_for(school_id, Kind.STUDENT, kid) for kid in kids}
    found = system.registry.read(ids.values(), reader(who, request))
    answer = []
    for kid in kids:
        person = found.get(ids[kid])
        try:
            balance = StudentBalancePublic.of(
                f.student_balance(queries, school_id, kid)
            )
        except NotFound:
            continue  # not enrolled anywhere yet
        answer.append(
            ChildPublic(
                student_id=kid,
                name=person.record["name"] if person and person.record else None,
                balance=balance,
                sessions=[
                    AttendancePublic(**a.__dict__)
                    for a in family.attendance(queries, school_id, kid)
                ],
            )
        )
    return answer


@router.get("/guardian/registration")
def open_registration(
    system: SystemDep, queries: QueriesDep, who: Guardian
) -> list[OpenTermPublic]:
    """The terms of the guardian's school open for registration now, with
    each course's seats taken and waiting list."""
    [school_id] = who.schools
    found = family.open_for_registration(queries, school_id, system.funds.clock())
    return [
        OpenTermPublic(
            **t.__dict__
            | {"courses": [OpenCoursePublic(**c.__dict__) for c in t.courses]}
        )
        for t in found
    ]


@router.post("/schools/{school_id}/people/guardians/{code}/login-code", status_code=201)
def issue_login_code(
    school_id: UUID,
    code: Annotated[GuardianCode, Path()],
    system: SystemDep,
    who: SchoolAdmin,
) -> LoginCodePublic:
    """A one-time code for a guardian recorded at the school, valid three
    days, which they exchange for a token of their own at /v1/login."""
    who.check_school(school_id)
    if not system.registry.holds(person_id_for(school_id, Kind.GUARDIAN, code)):
        raise NotFound("no guardian recorded under that code")
    [school] = (c for c in who.grant.schools if School.id_for(c) == school_id)
    login_code, expires_at = system.tokens.issue_login_code(school, code)
    return LoginCodePublic(login_code=login_code, expires_at=expires_at)


@router.post("/login", status_code=201)
def sign_in(
    body: LoginCodeRedeem, system: SystemDep, request: Request
) -> SignedInPublic:
    """Exchange a login code from the school for a guardian token (once).
    An address that sends too many codes that are not valid is held back."""
    address = request.client.host if request.client else "-"
    system.limits.failures.check(address, "login codes that are not valid")
    signed_in = system.tokens.redeem_login_code(body.login_code)
    if signed_in is None:
        system.limits.failures.take(address, "login codes that are not valid")
        raise Unauthenticated("the login code is unknown, used or expired")
    grant, token = signed_in
    [school] = grant.schools
    return SignedInPublic(
        token=token, subject=grant.subject, role=grant.role, school=school
    )
