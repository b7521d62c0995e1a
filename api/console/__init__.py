"""The console: server-rendered pages for people, at ``/``, over the same
handlers, queries and authorization as the API."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response

from api.console import (
    admin,
    admin_setup,
    auditor,
    auditor_trace,
    behind,
    bursar,
    bursar_actions,
    bursar_bank,
    bursar_money,
    city,
    guardian,
    guardian_child,
    guardian_registration,
    regulator,
    signin,
)
from api.console.web import Refused, refused, templates
from api.console.words import (
    DISPUTE_STATUSES,
    EVIDENCE,
    FAMILY_WORDS,
    GROUNDS,
    REFUND_STATUSES,
    ROLES,
    RULES,
    SEVERITIES,
    SHARE_STATES,
)

STATIC = Path(__file__).parent / "static"
ASSETS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
templates.globals.update(
    GROUNDS=GROUNDS,
    SHARE_STATES=SHARE_STATES,
    DISPUTE_STATUSES=DISPUTE_STATUSES,
    RULES=RULES,
    SEVERITIES=SEVERITIES,
    EVIDENCE=EVIDENCE,
    REFUND_STATUSES=REFUND_STATUSES,
    ROLES=ROLES,
    **FAMILY_WORDS,
)

router = APIRouter(include_in_schema=False)
PAGES = (signin, regulator, behind, city, auditor, auditor_trace)
PAGES += (bursar, bursar_actions, bursar_money, bursar_bank, admin, admin_setup)
PAGES += (guardian, guardian_child, guardian_registration)
for pages in PAGES:
    router.include_router(pages.router)


@router.get("/static/{name}")
async def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("not found", 404, media_type="text/plain")
    headers = {"Cache-Control": "public, max-age=3600"}
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=headers)


def install(app: FastAPI) -> None:
    """The console's pages, and its refusals answered as pages."""
    app.include_router(router)
    app.add_exception_handler(Refused, refused)
