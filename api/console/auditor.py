"""The auditor's home: find a payment by its channel reference or by family,
the chain's state with the latest signed digest and inclusion proofs to take
away, and the open findings with their evidence."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.console.web import Visit, form_for, page_for
from api.requests import Reference, StudentId
from api.routes import audit
from domain.errors import NotFound
from infra.digests import Digest, latest_kept
from infra.tokens import Role
from projections.anomalies import anomalies
from projections.auditing import FOUND_AT_MOST, payments_found

router = APIRouter(prefix="/auditor")
AUDITORS = (Role.AUDITOR, Role.REGULATOR)  # as the API's audit routes
Auditor = Annotated[Visit, Depends(page_for(*AUDITORS))]
Sent = Annotated[Visit, Depends(form_for(*AUDITORS))]
Asked = Annotated[str, Query()]  # checked below, to answer with the page
Position = Annotated[int, Query(ge=1, le=2**62)]
Size = Annotated[int | None, Query(ge=1, le=2**62)]
REFERENCE, STUDENT = TypeAdapter(Reference), TypeAdapter(StudentId)


@router.get("")
def home(visit: Auditor, reference: Asked = "", student: Asked = "") -> Response:
    reference, student = reference.strip(), student.strip()
    try:
        if reference:
            REFERENCE.validate_python(reference)
        if student:
            STUDENT.validate_python(student)
    except ValidationError:
        said = visit.speaker.gettext(
            "A reference or student id is letters, digits and . _ - only."
        )
        return _home(visit, reference, student, [], status=422, error=said)
    schools = visit.principal.schools
    found = payments_found(
        visit.system.queries, schools, reference=reference, student_id=student
    )
    return _home(visit, reference, student, found)


@router.post("/verification")
def verify(visit: Sent) -> Response:
    """Recomputes the events recorded since the last checkpoint, as the API's
    GET /v1/audit/verify does."""
    verdict = visit.system.verified.advance()
    if verdict.intact:
        return visit.redirect("/auditor#chain")
    said = visit.speaker.gettext("Tampering found at position %(position)s.") % {
        "position": verdict.position
    }
    return _home(visit, "", "", [], status=409, error=said)


@router.get("/digest")
def digest(visit: Auditor) -> Response:
    kept = latest(visit)
    if kept is None:
        message = visit.speaker.gettext("No digest has been signed yet.")
        return visit.render("refused.html", 404, message=message)
    return _download(visit, kept.to_json(), f"digest-{kept.position}.json")


@router.get("/proof")
def proof(visit: Auditor, position: Position, size: Size = None) -> Response:
    """The inclusion proof the API serves at /v1/audit/proof/{position}."""
    system = visit.system
    try:
        found = audit.proof(position, system, system.queries, visit.principal, size)
    except NotFound:
        message = visit.speaker.gettext(
            "No event at that position among the verified events of your schools."
        )
        return visit.render("refused.html", 404, message=message)
    return _download(
        visit, found.model_dump_json(indent=2), f"proof-{position}-of-{found.size}.json"
    )


def evidence_link(item: dict[str, str]) -> str:
    """Where a finding's evidence was recorded, in the console."""
    kind, ident = item["kind"], item["id"]
    match kind:
        case "enrolment":
            return f"/auditor/history/{ident.split('/')[0]}"
        case "session":
            return f"/auditor/sessions/{ident}"
        case "event":
            return f"/auditor/events/{ident}"
        case _:
            return f"/auditor/history/{ident}"


def latest(visit: Visit) -> Digest | None:
    return latest_kept(visit.system.settings.home / "digests")


def _home(visit: Visit, reference, student, found, status: int = 200, **said):
    system, who = visit.system, visit.principal
    today = visit.today
    return visit.render(
        "auditor.html",
        status,
        reference=reference,
        student=student,
        found=found,
        asked=bool(reference or student),
        at_most=FOUND_AT_MOST,
        checkpoint=system.verified.checkpoint(),
        digest=(kept := latest(visit)),
        signed_at=_signed_at(kept),
        findings=anomalies(system.queries, sorted(who.schools), today=today),
        alerts=system.alerts.listed(who.schools, open_only=True),
        evidence_link=evidence_link,
        **said,
    )


def _signed_at(digest: Digest | None) -> datetime | None:
    try:
        return datetime.fromisoformat(digest.time) if digest else None
    except ValueError:
        return None  # shown as written


def _download(visit: Visit, body: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return visit.answer(Response(body, media_type="application/json", headers=headers))
