"""Names beside ids, where the caller may see them: a school's bursars and
administrators, a guardian for their own family. Regulators and auditors get
the ids only (a named record is theirs only on asking for it, logged). Every
name shown is a logged read; whether a person was erased is said to all."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from fastapi import Request

from api.auth import Principal
from api.bootstrap import System
from domain.person import Kind, person_id_for
from infra.registry import Reader
from infra.tokens import Role

NAMED = frozenset({Role.BURSAR, Role.SCHOOL_ADMIN, Role.GUARDIAN})


@dataclass(frozen=True)
class Names:
    names: dict[str, str]
    erased: set[str]


def reader(who: Principal, request: Request) -> Reader:
    route = request.scope["route"].path
    return Reader(who.grant.subject, who.grant.role.value, f"{request.method} {route}")


def names_of(
    system: System,
    who: Principal,
    request: Request,
    school_id: UUID,
    kind: Kind,
    refs: Iterable[str],
) -> Names:
    ids = {person_id_for(school_id, kind, ref): ref for ref in refs}
    if who.grant.role not in NAMED:
        erased = system.registry.erased(ids)
        return Names({}, {ids[i] for i in erased})
    found = system.registry.read(ids, reader(who, request))
    return Names(
        {ids[i]: p.record["name"] for i, p in found.items() if p.record},
        {ids[i] for i, p in found.items() if p.erased},
    )
