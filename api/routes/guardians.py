"""A guardian's way in: a one-time login code from the school exchanged for
a token, their children's money and sessions, and the courses open for
registration."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from api.auth import Guardian, SchoolAdmin
from api.deps import QueriesDep, SystemDep
from api.districts import redeem_login_code
from api.errors import Unauthenticated
from api.names import names_of
from api.requests import GuardianCode, LoginCodeRedeem
from api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    AttendancePublic,
    ChildPublic,
    LeaveRequestPublic,
    LoginCodePublic,
    OpenCoursePublic,
    OpenTermPublic,
    RegistrationPublic,
    SignedInPublic,
    StudentBalancePublic,
)
from domain.errors import NotFound
from domain.person import Kind, person_id_for
from domain.school import School
from projections import family, registrations
from projections import funds as f
from projections.queries import Queries

router = APIRouter(
    prefix="/v1", tags=["guardians"], responses=READ_PROBLEMS | WRITE_PROBLEMS
)


@router.get("/guardian/children")
def children(
    system: SystemDep, queries: QueriesDep, who: Guardian, request: Request
) -> list[ChildPublic]:
    """Each of the guardian's children: name, what was charged, paid,
    consumed, credited and refunded, every session with attendance, seats and
    places on waiting lists, and leave asked for with its answer."""
    [school_id] = who.schools
    kids = sorted(who.children or ())
    known = names_of(system, who, request, school_id, Kind.STUDENT, kids)
    return [
        ChildPublic(
            student_id=kid,
            name=known.names.get(kid),
            balance=balance_of(queries, school_id, kid),
            sessions=[
                AttendancePublic(**a.__dict__)
                for a in family.attendance(queries, school_id, kid)
            ],
            registrations=[
                RegistrationPublic(**x.__dict__)
                for x in registrations.of_student(queries, school_id, kid)
            ],
            leave_requests=[
                LeaveRequestPublic(**x.__dict__)
                for x in registrations.leave_requests_of(queries, school_id, kid)
            ],
        )
        for kid in kids
    ]


def balance_of(
    queries: Queries, school_id: UUID, student_id: str
) -> StudentBalancePublic | None:
    try:
        return StudentBalancePublic.of(
            f.student_balance(queries, school_id, student_id)
        )
    except NotFound:
        return None  # no seat yet: nothing charged


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
    served = getattr(request.app.state, "districts", None)
    redeemed = redeem_login_code(system, served, body.login_code)
    if redeemed is None:
        system.limits.failures.take(address, "login codes that are not valid")
        raise Unauthenticated("the login code is unknown, used or expired")
    _, _, (grant, token) = redeemed
    [school] = grant.schools
    return SignedInPublic(
        token=token, subject=grant.subject, role=grant.role, school=school
    )
