"""The console: server-rendered pages for people, at ``/``, over the same
handlers, queries and authorization as the API."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response

from api.console import admin, admin_setup, guardian, regulator, signin
from api.console.web import Refused, refused, templates
from api.console.words import DISPUTE_STATUSES, GROUNDS, SHARE_STATES

STATIC = Path(__file__).parent / "static"
ASSETS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
templates.globals.update(
    GROUNDS=GROUNDS, SHARE_STATES=SHARE_STATES, DISPUTE_STATUSES=DISPUTE_STATUSES
)

router = APIRouter(include_in_schema=False)
for pages in (signin, regulator, guardian, admin, admin_setup):
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
