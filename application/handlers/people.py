"""The erasure of a person's personal data: asked for by the school, approved
by someone else once the person has no money in flight (the registry record
is destroyed in the transaction that records the approval); and which
children a guardian may see, recorded before the registry is told."""

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.person import Erasure, Guardianship, Kind, person_id_for
from domain.school import School


def request_erasure(cmd: c.RequestErasure, uow: UnitOfWork) -> int:
    uow.get(School, cmd.school_id, "school")
    erasure = Erasure.request(
        school_id=cmd.school_id, kind=cmd.kind, ref=cmd.ref, stamp=uow.stamp()
    )
    uow.add(erasure, f"the erasure of {cmd.kind} {cmd.ref}")
    return uow.commit()


def approve_erasure(cmd: c.ApproveErasure, uow: UnitOfWork) -> int:
    erasure = uow.get(Erasure, Erasure.id_for(cmd.person_id), "erasure asked for")
    books = uow.books(erasure.school_id)
    in_flight = books.money_in_flight(erasure.kind, erasure.ref)
    erasure.approve(in_flight=in_flight, stamp=uow.stamp())
    uow.erase(erasure.person_id)
    return uow.commit()


def link_guardian(cmd: c.LinkGuardian, uow: UnitOfWork) -> int:
    return link_guardians(c.LinkGuardians((cmd,)), uow)


def link_guardians(cmd: c.LinkGuardians, uow: UnitOfWork) -> int:
    stamp = uow.stamp()
    for link in cmd.links:
        uow.get(School, link.school_id, "school")
        guardian = person_id_for(link.school_id, Kind.GUARDIAN, link.code)
        if uow.find(Guardianship, guardian):
            linked = uow.get(Guardianship, guardian, f"guardian {link.code}")
            linked.relink(link.children, stamp=stamp)
        else:
            linked = Guardianship.link(
                school_id=link.school_id,
                code=link.code,
                children=link.children,
                stamp=stamp,
            )
            uow.add(linked, f"guardian {link.code}")
    return uow.commit()
