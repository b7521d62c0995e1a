"""A payment followed as a flow (payment → the enrolments it paid → the session
shares it paid for, with rosters → the teacher pay they accrued and the
payroll that paid it → the refund of what was left), and the events of any
aggregate in the auditor's schools, each with its inclusion proof."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.console.auditor import Auditor, latest
from api.console.web import Visit
from api.console.words import AGGREGATES
from domain.errors import NotFound
from infra.digests import Digest
from projections.auditing import event_recorded, session_recorded
from projections.trace import Allocated, Trace, Use, trace_payment

router = APIRouter(prefix="/auditor")


@dataclass(frozen=True)
class Paid:
    """The session shares of one part paid through one teacher's pay, and the
    payroll that paid it (none yet: still owed to the teacher)."""

    teacher_id: UUID | None
    teacher_code: str | None
    run_id: UUID | None
    bank_reference: str | None
    sessions: list[Use]

    @property
    def amount(self) -> int:
        return sum(use.amount for use in self.sessions)

    @property
    def teacher_pay(self) -> int:
        return sum(use.teacher_pay or 0 for use in self.sessions)


@dataclass(frozen=True)
class Part:
    allocated: Allocated
    paid: list[Paid]
    refunds: list[Use]


def parts_of(trace: Trace) -> list[Part]:
    """Each allocated part, its sessions grouped by the teacher and payroll
    that paid for them, in the order the money was first used."""
    parts = []
    for allocated in trace.allocations:
        groups: dict[tuple, list[Use]] = {}
        for use in allocated.uses:
            if use.kind == "session":
                d = use.details
                key = (d.get("teacher_id"), d.get("teacher_code"), d.get("paid_run"))
                groups.setdefault(key, []).append(use)
        paid = [
            Paid(teacher, code, run, _bank_reference(uses), uses)
            for (teacher, code, run), uses in groups.items()
        ]
        refunds = [use for use in allocated.uses if use.kind == "refund"]
        parts.append(Part(allocated, paid, refunds))
    return parts


def _bank_reference(uses: list[Use]) -> str | None:
    return uses[0].details.get("teacher_bank_reference")


@router.get("/payments/{payment_id}")
def payment(payment_id: UUID, visit: Auditor) -> Response:
    try:
        trace = trace_payment(visit.system.queries, payment_id)
        visit.principal.check_school(trace.school_id, "payment")
    except NotFound:
        message = visit.speaker.gettext("No such payment in your schools.")
        return visit.render("refused.html", 404, message=message)
    return visit.render(
        "auditor_trace.html",
        trace=trace,
        parts=parts_of(trace),
        digest=latest(visit),
        proof_link=proof_link,
    )


@router.get("/history/{entity_id}")
def history(entity_id: UUID, visit: Auditor) -> Response:
    queries = visit.system.queries
    try:
        visit.principal.check_school(queries.owner(entity_id), "entity")
    except NotFound:
        message = visit.speaker.gettext("Nothing with that id in your schools.")
        return visit.render("refused.html", 404, message=message)
    events = queries.history(entity_id)
    return visit.render(
        "auditor_history.html",
        entity_id=entity_id,
        events=events,
        named=_named(visit, events),
        digest=latest(visit),
        fields=fields,
        proof_link=proof_link,
    )


@router.get("/sessions/{session_id}")
def session(session_id: UUID, visit: Auditor) -> Response:
    """A session is its course's event: its history, at the delivery."""
    found = session_recorded(visit.system.queries, visit.principal.schools, session_id)
    return _to_event(visit, found)


@router.get("/events/{position}")
def event(position: Annotated[int, Path(ge=1, le=2**62)], visit: Auditor) -> Response:
    found = event_recorded(visit.system.queries, visit.principal.schools, position)
    return _to_event(visit, found)


def _to_event(visit: Visit, found) -> Response:
    if found is None:
        message = visit.speaker.gettext("Nothing with that id in your schools.")
        return visit.render("refused.html", 404, message=message)
    return visit.redirect(f"/auditor/history/{found.entity_id}#event-{found.position}")


def proof_link(position: int, digest: Digest | None) -> str:
    """Of the latest signed digest when it holds the event, so the two check
    together; otherwise of every event verified so far."""
    if digest and position <= digest.position:
        return f"/auditor/proof?position={position}&size={digest.size}"
    return f"/auditor/proof?position={position}"


def fields(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's fields as written, nested ones as compact JSON."""
    return [
        (name, value if isinstance(value, str) else _json(value))
        for name, value in sorted(payload.items())
    ]


def _json(value: Any) -> str:
    def plain(item: Any) -> Any:
        return item.isoformat() if isinstance(item, date) else str(item)

    return json.dumps(value, ensure_ascii=False, default=plain)


def _named(visit: Visit, events) -> str:
    """The aggregate's kind, and what its first event calls it: its code or
    reference."""
    if not events:
        return ""
    first = events[0].payload
    kind = events[0].type.split(".")[0]
    label = visit.speaker.gettext(AGGREGATES[kind]) if kind in AGGREGATES else kind
    return f"{label} {first.get('code') or first.get('reference') or ''}".strip()
