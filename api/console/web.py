"""What every console page needs: who is signed in, in which language, the
form token, and a template rendered with safe headers.

A page names the roles it is for; anyone else is refused (403) as the API
refuses them, and a visitor not signed in is sent to the sign-in form.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from api.auth import Principal, principal_of
from api.bootstrap import System
from api.console.i18n import Speaker, chosen
from api.deps import system_of
from api.names import Names, names_of
from domain.course import BEIJING
from domain.person import Kind
from infra.sessions import csrf_for, csrf_matches
from infra.tokens import Role

SESSION = "fl_session"
VISITOR = "fl_visitor"  # before signing in: what the sign-in form's token binds to
LANGUAGE = "fl_lang"
FRAGMENT = "x-console-fragment"  # sent by console.js: answer with the part only
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
COOKIE = {"httponly": True, "samesite": "strict", "path": "/"}

templates = Environment(
    loader=PackageLoader("api.console", "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Visit:
    """One request to the console: its language, the secret its form token
    binds to, and the principal signed in (None if nobody is)."""

    request: Request
    speaker: Speaker
    secret: str
    principal: Principal | None
    new_visitor: bool = False

    @property
    def system(self) -> System:
        return system_of(self.request)

    @property
    def today(self) -> date:
        """The business day now, by the fund's clock (Beijing)."""
        return self.system.funds.clock().astimezone(BEIJING).date()

    @property
    def school(self) -> UUID:
        """The school a school-scoped token names (the first, if several)."""
        if not self.principal or not self.principal.schools:
            message = self.speaker.gettext("Your token names no school.")
            raise Refused(self.render("refused.html", 403, message=message))
        return min(self.principal.schools)

    def names(
        self, school_id: UUID, refs: Iterable[str], kind: Kind = Kind.STUDENT
    ) -> Names:
        """The people's names the signed-in person may read (each read logged)."""
        return names_of(
            self.system, self.principal, self.request, school_id, kind, refs
        )

    @property
    def csrf(self) -> str:
        return csrf_for(self.secret)

    @property
    def fragment(self) -> bool:
        return self.request.headers.get(FRAGMENT) == "1"

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        speaker = self.speaker
        page = templates.get_template(template).render(
            visit=self,
            who=self.principal,
            _=speaker.gettext,
            gettext=speaker.gettext,
            ngettext=speaker.ngettext,
            yuan=speaker.yuan,
            day=speaker.day,
            moment=speaker.moment,
            **context,
        )
        return self.answer(HTMLResponse(page, status))

    def redirect(self, to: str) -> Response:
        return self.answer(RedirectResponse(to, 303))

    def answer(self, response: Response) -> Response:
        response.headers.update(HEADERS)
        if "lang" in self.request.query_params:
            response.set_cookie(LANGUAGE, self.speaker.language, **COOKIE)
        if self.new_visitor:
            response.set_cookie(VISITOR, self.secret, **COOKIE)
        return response


class Refused(Exception):
    """Ends a request with a page (or a redirect) instead of the route's."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def refused(request: Request, error: Refused) -> Response:
    return error.response


async def visit(request: Request) -> Visit:
    system = system_of(request)
    speaker = Speaker(
        chosen(request.query_params.get("lang") or request.cookies.get(LANGUAGE))
    )
    if session := request.cookies.get(SESSION):
        grant = await run_in_threadpool(system.sessions.grant, session)
        if grant is not None:
            principal = await run_in_threadpool(principal_of, system, grant)
            return Visit(request, speaker, session, principal)
    if visitor := request.cookies.get(VISITOR):
        return Visit(request, speaker, visitor, None)
    return Visit(request, speaker, secrets.token_urlsafe(32), None, new_visitor=True)


def page_for(*roles: Role):
    """A page for these roles: others are refused, visitors sent to sign in."""
    return _for(visit, roles)


def form_for(*roles: Role):
    """A form sent by these roles, refused (403) without its form token."""
    return _for(checked, roles)


def _for(arrive, roles: tuple[Role, ...]):
    async def check(request: Request) -> Visit:
        return allowed(await arrive(request), roles)

    check.roles = roles
    return check


async def checked(request: Request) -> Visit:
    """Any form: refused (403) unless it carries the token of this visit."""
    found = await visit(request)
    form = await request.form()
    sent = form.get("csrf")
    if not csrf_matches(found.secret, sent if isinstance(sent, str) else None):
        message = found.speaker.gettext(
            "This form has expired or did not come from this console."
        )
        raise Refused(found.render("refused.html", 403, message=message))
    return found


def allowed(found: Visit, roles: tuple[Role, ...]) -> Visit:
    if found.principal is None:
        path = found.request.url.path
        raise Refused(found.redirect(f"/sign-in?next={quote(path)}"))
    if found.principal.grant.role not in roles:
        message = found.speaker.gettext("This page is not for your role.")
        raise Refused(found.render("refused.html", 403, message=message))
    return found
