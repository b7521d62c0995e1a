"""The people behind the ids: their personal data in the registry (never in
events), every read of it logged, its erasure asked for by the school and
approved by the district's regulator."""

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from api.auth import Auditor, PersonReader, Principal, Regulator, SchoolAdmin
from api.bootstrap import System
from api.commands import IdempotencyKey, Recorded, run
from api.deps import SystemDep
from api.names import reader
from api.requests import (
    GuardianCode,
    GuardianRecord,
    StudentId,
    StudentRecord,
    TeacherRecord,
)
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    PersonalDataReadPublic,
    PersonPublic,
)
from application import commands as c
from domain.errors import NotFound
from domain.person import Erasure, Kind
from infra.registry import Person
from infra.tokens import Role

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
    record: dict,
    children: Sequence[str] = (),
) -> Recorded:
    """The person's id, and the log's position once the record is kept (a
    guardian's children are recorded in the log first)."""
    who.check_school(school_id)
    position = system.funds.head()
    if kind is Kind.GUARDIAN:
        link = c.LinkGuardian(school_id, ref, tuple(children))
        position = system.bus.handle(link, who.actor)
    person_id = system.registry.record(school_id, kind, ref, record, children)
    return Recorded(id=person_id, position=position)


@router.put("/schools/{school_id}/people/students/{student_id}")
def record_student(
    school_id: UUID,
    student_id: Annotated[StudentId, Path()],
    body: StudentRecord,
    system: SystemDep,
    who: SchoolAdmin,
) -> Recorded:
    """Record (or correct) a student's name, grade and class."""
    return recorded(system, who, school_id, Kind.STUDENT, student_id, body.model_dump())


@router.put("/schools/{school_id}/people/guardians/{code}")
def record_guardian(
    school_id: UUID,
    code: Annotated[GuardianCode, Path()],
    body: GuardianRecord,
    system: SystemDep,
    who: SchoolAdmin,
) -> Recorded:
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
) -> Recorded:
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
    if not may_see(who, person_id, system.registry.locate(person_id)):
        raise NotFound("no person with that id")
    return public(system.registry.read([person_id], reader(who, request))[person_id])


def may_see(who: Principal, person_id: UUID, found: tuple | None) -> bool:
    """Decided before anything is opened or logged."""
    if found is None or found[0] not in who.schools:
        return False
    if who.grant.role is not Role.GUARDIAN:
        return True
    _, kind, ref = found
    return person_id == who.guardian_id or (
        kind is Kind.STUDENT and ref in (who.children or ())
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
    school_id: UUID,
    system: SystemDep,
    who: Auditor,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    reader: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
    ] = None,
    person_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[PersonalDataReadPublic]:
    """Who read whose personal data, when and through which route; newest
    first, a page at a time (``before``: the last id of the page before), of
    one reader or one person."""
    who.check_school(school_id)
    rows = system.registry.reads(
        [school_id], before=before, reader=reader, person_id=person_id, limit=limit
    )
    return [PersonalDataReadPublic(**row) for row in rows]


@router.post("/people/{person_id}/erasure", status_code=201, response_model=Recorded)
def request_erasure(
    person_id: UUID,
    system: SystemDep,
    who: SchoolAdmin,
    request: Request,
    key: IdempotencyKey = None,
):
    """Ask to erase a person's personal data; a regulator approves it."""
    found = system.registry.locate(person_id)
    if not may_see(who, person_id, found):
        raise NotFound("no person with that id")
    command = c.RequestErasure(*found)
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
