"""A city regulator sees each district of the city added up at the log
position its figures reflect, and every school's bank against what it holds
for families, from the roll-up."""

import pytest
from playwright.sync_api import expect

from infra.districts import District
from infra.tokens import Role
from projections.rollup import Rollup
from samples.pingcheng import DISTRICT

CITY, PROVINCE = "大同市", "山西省"


@pytest.fixture(scope="module")
def followed(console) -> int:
    """The served district followed by a roll-up in its own database."""
    system = console.served.system
    here = District(
        name=DISTRICT, database_url=system.database.url, city=CITY, province=PROVINCE
    )
    rollup = Rollup(system.queries.datastore, lambda: [here], lambda _: system.database)
    assert rollup.follow() == {DISTRICT: None}
    return rollup.position(DISTRICT)


def test_a_city_regulator_sees_its_districts_at_their_positions(
    console, followed, desktop
):
    desktop.sign_in(console.token("city-regulator", Role.REGULATOR, city=CITY))
    page = desktop.page
    page.wait_for_url("**/city")
    expect(page.locator("h1")).to_have_text(f"{CITY}\uff08全市\uff09")
    row = page.locator("table.districts tbody tr").first
    expect(row.locator("th")).to_have_text(DISTRICT)
    expect(row).to_contain_text(str(followed))
    expect(row).to_contain_text("已于")  # up to date, with when
    expect(page.locator("#schools-title + table tbody tr")).to_have_count(2)
    desktop.screenshot("city-zh")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.assert_stayed_home()


def test_a_province_auditor_reads_the_city_view_in_english(console, followed, desktop):
    auditor = console.token("province-auditor", Role.AUDITOR, province=PROVINCE)
    desktop.sign_in(auditor, "en")
    page = desktop.page
    page.wait_for_url("**/city")
    expect(page.locator("h1")).to_have_text(f"Province {PROVINCE}")
    expect(page.locator("table.districts tbody tr")).to_have_count(1)
    expect(page.locator("#findings-title")).to_have_text("Needs attention")
    desktop.screenshot("city-en")
    assert desktop.serious_violations() == []


def test_the_city_view_is_refused_to_a_bursar(console, desktop):
    desktop.sign_in(console.token("bursar-city", Role.BURSAR, schools=["PC-101"]))
    answer = desktop.page.goto(f"{console.base_url}/city")
    assert answer.status == 403
