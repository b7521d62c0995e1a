"""Signing in with a token or a guardian's one-time login code, and out.

The session cookie names a row of ``console_sessions``; the token itself is
never kept, in the cookie or anywhere else.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.auth import authenticate
from api.bootstrap import System
from api.console.web import COOKIE, SESSION, Refused, Visit, checked, visit
from api.districts import DISTRICT_COOKIE, redeem_login_code
from api.errors import Unauthenticated
from infra.tokens import Grant, Role

router = APIRouter()
HOMES = {
    Role.REGULATOR: "/regulator",
    Role.AUDITOR: "/auditor",
    Role.BURSAR: "/bursar",
    Role.SCHOOL_ADMIN: "/admin",
    Role.GUARDIAN: "/guardian",
}
Anyone = Annotated[Visit, Depends(visit)]
Posted = Annotated[Visit, Depends(checked)]
Text = Annotated[str, Form(max_length=200)]


@router.get("/")
def home(visit: Anyone) -> Response:
    if visit.principal is None:
        return visit.redirect("/sign-in")
    grant = visit.principal.grant
    if grant.city or grant.province:
        return visit.redirect("/city")
    if grant.role in HOMES:
        return visit.redirect(HOMES[grant.role])
    return visit.render("home.html")


@router.get("/sign-in")
def sign_in_form(visit: Anyone, next: str = "/") -> Response:
    return visit.render("sign_in.html", next=_local(next))


@router.post("/sign-in")
def sign_in(visit: Posted, token: Text, next: Text = "/") -> Response:
    address = _address(visit.request)
    district, system = _holder(visit, token.strip())
    try:
        principal = authenticate(system, token.strip(), address)
    except Unauthenticated:
        said = visit.speaker.gettext("That token is not valid.")
        raise _not_signed_in(visit, said) from None
    return _open(visit, district, system, principal.grant, next)


@router.post("/sign-in/code")
def sign_in_with_code(visit: Posted, login_code: Text) -> Response:
    system, address = _home(visit), _address(visit.request)
    what = "login codes that are not valid"
    system.limits.failures.check(address, what)
    served = getattr(visit.request.app.state, "districts", None)
    redeemed = redeem_login_code(system, served, login_code.strip())
    if redeemed is None:
        system.limits.failures.take(address, what)
        said = visit.speaker.gettext("That login code is unknown, used or expired.")
        raise _not_signed_in(visit, said)
    district, held_in, (grant, _token) = redeemed
    return _open(visit, district, held_in, grant, "/")


def _home(visit: Visit) -> System:
    return visit.request.app.state.system


def _holder(visit: Visit, token: str) -> tuple[str | None, System]:
    """The district whose database holds the token, or this process's own."""
    served = getattr(visit.request.app.state, "districts", None)
    if served and (name := served.district_of_token(token)):
        return name, served.system(name)
    return None, _home(visit)


@router.post("/sign-out")
def sign_out(visit: Posted) -> Response:
    if visit.principal is not None:
        visit.system.sessions.end(visit.secret)
    response = visit.redirect("/sign-in")
    response.delete_cookie(SESSION, **COOKIE)
    response.delete_cookie(DISTRICT_COOKIE, **COOKIE)
    return response


def _open(
    visit: Visit, district: str | None, system: System, grant: Grant, next: str
) -> Response:
    """A session in the database that holds the token; with districts, a
    cookie names which, so each visit is served from it."""
    session = system.sessions.open(grant.token_id)
    response = visit.redirect(_local(next))
    response.set_cookie(SESSION, session, **COOKIE)
    if district:
        response.set_cookie(DISTRICT_COOKIE, district, **COOKIE)
    else:
        response.delete_cookie(DISTRICT_COOKIE, **COOKIE)
    return response


def _not_signed_in(visit: Visit, said: str) -> Refused:
    return Refused(visit.render("sign_in.html", 401, next="/", error=said))


def _local(path: str) -> str:
    """Only a path of this console: never another site's address."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"
