"""The console in Debian's Chromium, driven by Playwright, over a served
sample district: the demo's guardian with recent sessions awaiting them, on
the evening of 2026-11-20 by a simulated clock."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from api.demo import DEMO_GUARDIAN
from domain.person import Kind, person_id_for
from domain.school import School
from infra.database import ensure_database
from infra.tokens import Role
from projections.confirmations import shares_of
from samples.people import record_people
from samples.pingcheng import DISTRICT, SimulatedClock, load_sample, record_recent
from samples.registration import load_registrations
from tests.conftest import make_system
from tests.e2e.conftest import Served, serve

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).parent / "artefacts"
PHONE = {"width": 390, "height": 844}
SCHOOL = School.id_for("PC-101")


@dataclass
class Console:
    served: Served
    days: list[date]
    guardians: dict[str, str]  # one for each test, whose children's shares await

    @property
    def base_url(self) -> str:
        return self.served.base_url

    def token(self, subject: str, role: Role, **scope) -> str:
        return self.served.token(subject, role, **scope)

    def guardian_token(self, which: str) -> str:
        code = self.guardians[which]
        return self.token(code, Role.GUARDIAN, schools=["PC-101"])

    def regulator_token(self) -> str:
        return self.token("regulator", Role.REGULATOR, district=DISTRICT)

    def auditor_token(self) -> str:
        return self.token("demo-auditor", Role.AUDITOR, district=DISTRICT)


@pytest.fixture(scope="package")
def console(pg_server, tmp_path_factory) -> Iterator[Console]:
    database = ensure_database(pg_server, f"browser_{uuid4().hex[:12]}")
    system = make_system(database, home=tmp_path_factory.mktemp("home"))
    load_sample(system.bus)
    system.projector.catch_up()
    clock = SimulatedClock()
    clock.set(date(2026, 11, 20), 19)  # a Friday, after the day's sessions
    system.funds.clock = clock
    load_registrations(system.bus)  # a second round open from this evening
    codes = record_people(system.bus, system.registry)["PC-101"]
    children = {code: _children(system, code) for code in codes}
    days = record_recent(system.bus, children[DEMO_GUARDIAN])
    system.projector.catch_up()
    awaiting = _awaiting(system, children)
    english, plain = [
        code for code in codes[1:] if children[code] and set(children[code]) <= awaiting
    ][:2]
    for served in serve(system):
        yield Console(
            served, days, {"zh": DEMO_GUARDIAN, "en": english, "plain": plain}
        )


def _children(system, code: str) -> list[str]:
    return sorted(
        system.registry.children_of(person_id_for(SCHOOL, Kind.GUARDIAN, code))
    )


def _awaiting(system, children: dict[str, list[str]]) -> set[str]:
    every = sorted({kid for kids in children.values() for kid in kids})
    return {
        s.student_id for s in shares_of(system.queries, [SCHOOL], every, ["awaiting"])
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium: the tests fail, never skip, where it is missing."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page, every request it sent and every error its console showed."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.origin + path)

    def screenshot(self, name: str) -> None:
        ARTEFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)

    def sign_in(self, token: str, language: str = "zh") -> None:
        self.goto(f"/sign-in?lang={language}")
        self.page.fill("#token", token)
        self.page.click("form[action='/sign-in'] button")

    def assert_stayed_home(self) -> None:
        """No request left the server's origin; the console showed no error."""
        strangers = [
            url for url in self.requests if not url.startswith(self.origin + "/")
        ]
        assert strangers == [] and self.errors == []

    def serious_violations(self) -> list[str]:
        found = Axe().run(self.page).response["violations"]
        return [
            f"{v['id']}: {v['help']}"
            for v in found
            if v["impact"] in ("serious", "critical")
        ]

    def unlabelled_controls(self) -> list[str]:
        return self.page.evaluate(UNLABELLED)


UNLABELLED = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button")]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
               && !(e.tagName === "BUTTON" && e.textContent.trim()))
  .map(e => e.outerHTML)"""


def watch(context: BrowserContext, origin: str) -> Watched:
    page = context.new_page()
    watched = Watched(page, origin)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on(
        "console",
        lambda m: watched.errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    return watched


@pytest.fixture
def phone(browser: Browser, console: Console) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield watch(context, console.base_url)
    context.close()


@pytest.fixture
def desktop(browser: Browser, console: Console) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield watch(context, console.base_url)
    context.close()


@pytest.fixture
def without_script(browser: Browser, console: Console) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    yield watch(context, console.base_url)
    context.close()


def amount(text: str) -> str:
    """The figure of a ¥ label, without separators: '¥1,234.50' → '1234.50'."""
    found = re.search(r"-?¥[\d,]+\.\d\d", text)
    assert found, text
    return found.group().replace(",", "").replace("¥", "")
