"""One System per district, each opened when first needed, and the routing of
a request to the district whose database holds its token."""

import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError
from fastapi.concurrency import run_in_threadpool

from api.bootstrap import System, bootstrap
from infra import districts
from infra.database import Database
from infra.districts import District, DistrictList
from infra.settings import Settings
from infra.tokens import Grant, digest

log = structlog.get_logger("districts")
DOWN = (psycopg.Error, PersistenceError)
Opened = Callable[[str, System], None]
NOT_FOUND_KEPT = 10_000  # digests of tokens no district holds, remembered


class Districts:
    """The districts of the settings file, read again when it changes: a
    district added while serving is opened on the first request for it, and
    the others go on undisturbed."""

    def __init__(
        self,
        settings: Settings,
        open_system: Callable[[Database], System] | None = None,
        opened: Opened | None = None,
    ) -> None:
        self.settings = settings
        self.open_system = open_system or self.bootstrap
        self.opened = opened
        self.listed = DistrictList()
        self.read_at: tuple[int, int] | None = None
        self.systems: dict[str, System] = {}
        self.token_district: dict[str, str] = {}
        # a token is a fresh random string: one no district holds now can
        # only appear with a district added since, which clears this
        self.unknown: set[str] = set()
        self.schools: dict[str, str] = {}
        self.lock = threading.RLock()

    def bootstrap(self, database: Database) -> System:
        return bootstrap(self.settings, database=database)

    @property
    def home(self) -> Path:
        return self.settings.home

    def refresh(self) -> None:
        """Reads the settings file again if it changed since last read."""
        with self.lock:
            try:
                stat = districts.file_of(self.home).stat()
                seen = (stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                seen = None
            if seen != self.read_at:
                self.listed = districts.load(self.home)
                self.read_at = seen
                self.unknown.clear()

    def names(self) -> list[str]:
        self.refresh()
        return self.listed.names()

    def system(self, name: str) -> System | None:
        """The district's System, opened now if it is not yet; None for a
        district not in the settings file."""
        if system := self.systems.get(name):
            return system
        with self.lock:
            if system := self.systems.get(name):
                return system
            self.refresh()
            district = self.listed.named(name)
            if district is None:
                return None
            system = self.systems[name] = self.open(district)
        if self.opened:
            self.opened(name, system)
        return system

    def open(self, district: District) -> System:
        dbname = self.settings.database
        return self.open_system(districts.open_district(self.home, district, dbname))

    def known(self, token: str) -> System | None:
        """The System of a token seen before, without asking any database."""
        name = self.token_district.get(digest(token))
        return self.systems.get(name) if name else None

    def district_of_token(self, token: str) -> str | None:
        """The district whose database holds the token. One revoked after it
        was first seen is still sent there, and refused there."""
        key = digest(token)
        if name := self.token_district.get(key):
            return name
        self.refresh()
        if key in self.unknown:
            return None
        asked_all = True
        for name in self.listed.names():
            try:
                holds = self.holds_token(name, token)
            except DOWN:
                log.warning("a district does not answer", district=name)
                asked_all = False
                continue
            if holds:
                self.token_district[key] = name
                return name
        if asked_all:
            if len(self.unknown) >= NOT_FOUND_KEPT:
                self.unknown.clear()
            self.unknown.add(key)
        return None

    def holds_token(self, name: str, token: str) -> bool:
        system = self.system(name)
        return system is not None and system.tokens.find(token) is not None

    def open_all(self) -> list[str]:
        """Opens every district listed; the names of those that do not answer."""
        silent = []
        for name in self.names():
            try:
                self.system(name)
            except DOWN:
                log.warning("a district does not answer", district=name)
                silent.append(name)
        return silent

    def system_of_token(self, token: str) -> System | None:
        name = self.district_of_token(token)
        return self.system(name) if name else None

    def district_of_school(self, code: str) -> str | None:
        """The district a school is registered in, as its read models say."""
        if name := self.schools.get(code):
            return name
        for name in self.names():
            try:
                system = self.system(name)
                codes = system.queries.school_codes() if system else set()
            except DOWN:
                log.warning("a district does not answer", district=name)
                continue
            for known in codes:
                self.schools.setdefault(known, name)
        return self.schools.get(code)

    def district_of_grant(
        self, district: str | None, schools: tuple[str, ...]
    ) -> str | None:
        """Where a token is kept: the district it names, when served here
        (a school administrator's names it before the school is registered),
        or its school's."""
        if district in self.names():
            return district
        found = {self.district_of_school(code) for code in schools}
        return found.pop() if len(found) == 1 else None

    def close(self) -> None:
        with self.lock:
            for system in self.systems.values():
                system.close()
            self.systems.clear()


def redeem_login_code(
    home: System, served: Districts | None, code: str
) -> tuple[str | None, System, tuple[Grant, str]] | None:
    """A login code is kept in its school's district's database: each
    district is asked in turn (or the one database). The district, its
    System, and the guardian's grant and token; None for a code unknown,
    used or expired."""
    places = (
        [(None, home)]
        if served is None
        else [(name, served.system(name)) for name in served.names()]
    )
    for name, system in places:
        if system is not None and (found := system.tokens.redeem_login_code(code)):
            return name, system, found
    return None


class DistrictRouting:
    """Answers each request with a bearer token from the System of the
    district that holds the token, and each console visit from the System of
    the district its session was opened in; any other request, and a token
    no district holds, from the serving process's own."""

    def __init__(self, app, districts: Districts) -> None:
        self.app, self.districts = app, districts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            system = await self.system_for(scope)
            if system is not None:
                scope.setdefault("state", {})["system"] = system
        await self.app(scope, receive, send)

    async def system_for(self, scope) -> System | None:
        if token := bearer_token(scope):
            return self.districts.known(token) or await run_in_threadpool(
                self.districts.system_of_token, token
            )
        # a district named wrongly finds no session there: nobody signed in
        if (name := cookie(scope, DISTRICT_COOKIE)) and name in self.districts.names():
            return await run_in_threadpool(self.districts.system, name)
        return None


DISTRICT_COOKIE = "fl_district"


def bearer_token(scope) -> str | None:
    given = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = given.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def cookie(scope, name: str) -> str | None:
    header = dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")
    for pair in header.split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return value or None
    return None
