"""An auditor reads the open findings of a school where a family paid twice
and a session was recorded late, and follows each piece of evidence to the
event that recorded it."""

from collections.abc import Iterator
from datetime import date, time
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from application import commands as c
from infra.database import ensure_database
from infra.tokens import Role
from samples.pingcheng import SimulatedClock
from tests.browser.conftest import Watched, watch
from tests.builders import BURSAR
from tests.conftest import make_system
from tests.e2e.conftest import Served, serve
from tests.integration.test_term_story import SEP, Story


@pytest.fixture(scope="module")
def school(pg_server, tmp_path_factory) -> Iterator[Served]:
    database = ensure_database(pg_server, f"browser_{uuid4().hex[:12]}")
    clock = SimulatedClock()
    system = make_system(database, clock, home=tmp_path_factory.mktemp("home"))
    story = Story(system, clock)
    story.set_up()
    for reference in ("DUP-1", "DUP-2"):  # the same amount, the same day
        paid = c.RecordPayment(story.school, "a", 5000, "bank", reference, SEP[2])
        story.do(paid, BURSAR, SEP[2])
    late = c.DeliverSession(
        story.course,
        story.term,
        SEP[3],
        time(15, 30),
        time(17, 30),
        story.teacher,
        ("a", "b"),
    )
    story.do(late, on=SEP[9])
    clock.set(date(2026, 9, 10), 19)
    system.projector.catch_up()
    yield from serve(system)


@pytest.fixture
def auditor(browser, school) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield watch(context, school.base_url)
    context.close()


def test_each_finding_leads_to_the_events_of_its_evidence(school, auditor):
    auditor.sign_in(school.token("d1-auditor", Role.AUDITOR, district="D1"))
    page = auditor.page
    findings = page.locator("li.finding")
    paid_twice = findings.filter(has_text="重复缴费")
    late = findings.filter(has_text="考勤事后补录")
    expect(paid_twice).to_have_count(1)
    expect(late).to_have_count(1)
    expect(paid_twice).to_contain_text("中风险")
    expect(paid_twice.locator("a")).to_have_count(2)
    auditor.screenshot("auditor-findings-zh")
    assert auditor.serious_violations() == []

    late.locator("a").first.click()
    page.wait_for_url("**/auditor/history/*#event-*")
    target = page.locator("li.event:target")
    expect(target).to_contain_text("Course.SessionDelivered")
    expect(target).to_contain_text("2026年9月3日")

    page.go_back()
    paid_twice.locator("a").last.click()
    page.wait_for_url("**/auditor/history/*")
    expect(page.locator("h1")).to_have_text("缴费 DUP-2 的事件")
    auditor.assert_stayed_home()
