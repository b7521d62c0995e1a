"""Bearer tokens, roles and scope.

A role decides which routes a token may call (otherwise 403). Its scope, a
district or listed schools, decides what it may see: anything outside is
answered exactly as if it did not exist (404).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.bootstrap import System
from api.deps import system_of
from api.errors import Forbidden, Unauthenticated
from domain.errors import NotFound
from domain.facts import Actor
from domain.person import Kind, person_id_for
from domain.school import School
from infra.tokens import Grant, Role

READERS = (Role.REGULATOR, Role.AUDITOR, Role.BURSAR, Role.SCHOOL_ADMIN)
SETUP = (Role.SCHOOL_ADMIN,)
MONEY = (Role.BURSAR,)


@dataclass(frozen=True)
class Principal:
    grant: Grant
    schools: frozenset[UUID]
    children: frozenset[str] | None = None  # a guardian's; None: any student

    @property
    def actor(self) -> Actor:
        grant = self.grant
        return Actor(
            grant.subject, grant.role.value, self.schools, grant.district, self.children
        )

    @property
    def guardian_id(self) -> UUID | None:
        if self.grant.role is not Role.GUARDIAN:
            return None
        [school] = self.schools
        return person_id_for(school, Kind.GUARDIAN, self.grant.subject)

    def check_school(self, school_id: UUID | None, what: str = "school") -> None:
        if school_id not in self.schools:
            raise NotFound(f"no {what} with that id")

    def check_student(self, school_id: UUID, student_id: str) -> None:
        """A guardian sees their own children; any other student is not found."""
        if not self.actor.may_act_for_student(school_id, student_id):
            raise NotFound("no student with that id")


bearer = HTTPBearer(auto_error=False, description="a token from `fundledger tokens`")


def authenticate(system: System, token: str | None, address: str) -> Principal:
    """The token's grant and scope. An address that sent too many tokens that
    are not valid is refused before any is looked up; a valid token is held
    to its own rate."""
    system.limits.failures.check(address, "requests without a valid token")
    grant = system.tokens.find(token) if token else None
    if grant is None:
        system.limits.failures.take(address, "requests without a valid token")
        raise Unauthenticated("a valid bearer token is required")
    return principal_of(system, grant)


def principal_of(system: System, grant: Grant) -> Principal:
    """A grant's scope: the schools it sees and a guardian's children, held
    to the token's own rate."""
    system.limits.tokens.take(str(grant.token_id), "requests with this token")
    schools = {School.id_for(code) for code in grant.schools}
    if grant.district and grant.role in (Role.REGULATOR, Role.AUDITOR):
        schools |= system.queries.schools_in(grant.district)
    principal = Principal(grant, frozenset(schools))
    if guardian := principal.guardian_id:
        return replace(principal, children=system.registry.children_of(guardian))
    return principal


def allow(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    # One small dependency per route: FastAPI's per-dependency cost is real.
    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        token = credentials.credentials if credentials else None
        address = request.client.host if request.client else "-"
        system = system_of(request)
        principal = await run_in_threadpool(authenticate, system, token, address)
        request.state.principal = principal
        if principal.grant.role not in roles:
            raise Forbidden(f"a {principal.grant.role} token may not do this")
        return principal

    check.roles = roles  # read by the authorization matrix test
    return check


Reader = Annotated[Principal, Depends(allow(*READERS))]
SchoolAdmin = Annotated[Principal, Depends(allow(*SETUP))]
Bursar = Annotated[Principal, Depends(allow(*MONEY))]
Auditor = Annotated[Principal, Depends(allow(Role.REGULATOR, Role.AUDITOR))]
Regulator = Annotated[Principal, Depends(allow(Role.REGULATOR))]
Guardian = Annotated[Principal, Depends(allow(Role.GUARDIAN))]
# those a person's record is shown to: its school's staff, a guardian their
# family's, a regulator or auditor who asks for that one record
PEOPLE = (*READERS, Role.GUARDIAN)
PersonReader = Annotated[Principal, Depends(allow(*PEOPLE))]
# a school's own staff
Staff = Annotated[Principal, Depends(allow(Role.BURSAR, Role.SCHOOL_ADMIN))]
# what a school admin does for any family, a guardian for their own
Family = Annotated[Principal, Depends(allow(Role.SCHOOL_ADMIN, Role.GUARDIAN))]
