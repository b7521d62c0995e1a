"""A regulator sees every school's bank against what it holds for families,
uncovered schools first, and follows a bar to the school's figures."""

from playwright.sync_api import expect

from tests.browser.conftest import amount


def test_the_regulator_follows_a_school_bar_to_its_figures_in_chinese(console, desktop):
    desktop.sign_in(console.regulator_token())
    page = desktop.page
    expect(page.locator("h1")).to_have_text("Pingcheng区")
    bars = page.locator("svg.chart a.school")
    expect(bars).to_have_count(2)
    codes = [bars.nth(i).get_attribute("data-school") for i in range(2)]
    uncovered = page.locator("svg.chart a.school.uncovered").count()
    assert codes == sorted(codes) or uncovered  # uncovered first, then by code
    desktop.screenshot("regulator-zh")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []

    bars.first.click()
    page.wait_for_url("**/regulator/schools/*")
    expect(page.locator("h1")).to_contain_text(codes[0])
    bank = page.locator("dt", has_text="银行存款").first.locator("+ dd")
    assert float(amount(bank.inner_text())) > 0
    expect(page.locator("#disputes-title")).to_have_text("异议")
    desktop.screenshot("regulator-school-zh")
    assert desktop.serious_violations() == []
    desktop.assert_stayed_home()


def test_the_regulator_reads_the_district_in_english(console, desktop):
    desktop.sign_in(console.regulator_token(), "en")
    page = desktop.page
    expect(page.locator("h1")).to_have_text("District Pingcheng")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("¥")
    page.locator("tbody tr th a").first.click()
    page.wait_for_url("**/regulator/schools/*")
    expect(page.locator("#figures-title")).to_have_text("Fund figures")
    expect(page.locator("#satisfaction-title")).to_be_visible()
    desktop.screenshot("regulator-school-en")
    desktop.assert_stayed_home()


def test_the_regulator_drills_from_a_figure_to_the_events_behind_it(console, desktop):
    desktop.sign_in(console.regulator_token())
    page = desktop.page
    expect(page.locator("#attention-title")).to_have_text("待关注事项")
    expect(page.locator("svg.columns").first).to_be_visible()
    expect(page.locator("a[href^='/regulator/disputes?status=']")).to_have_count(7)
    page.locator("a[href='/regulator/breaches?rule=fee-over-cap']").click()
    page.wait_for_url("**/regulator/breaches?rule=fee-over-cap")
    expect(page.locator("h1")).to_have_text("合规违规\uff1a收费超过核定上限")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)  # the sample's one course priced over the cap
    desktop.screenshot("regulator-breaches-zh")

    rows.first.locator("a[href^='/auditor/history/']").first.click()
    page.wait_for_url("**/auditor/history/*")
    opened = page.locator("li.event").first
    expect(opened).to_contain_text("Opened")
    expect(opened).to_contain_text("admin-pc-10")  # who recorded it
    desktop.screenshot("regulator-evidence-zh")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.assert_stayed_home()


def test_the_regulator_reads_the_weeks_of_the_term_in_english(console, desktop):
    desktop.sign_in(console.regulator_token(), "en")
    page = desktop.page
    page.get_by_role("link", name="Bank and held for families, week by week").click()
    page.wait_for_url("**/regulator/trends")
    expect(page.locator("h1")).to_have_text("Bank and held for families, week by week")
    weeks = page.locator("tbody tr")
    assert weeks.count() >= 6  # from the sample term's first week to today's
    held = [amount(x.locator("td").nth(2).inner_text()) for x in weeks.all()]
    assert any(float(x) > 0 for x in held)
    desktop.screenshot("regulator-trends-en")
    assert desktop.serious_violations() == []
    desktop.assert_stayed_home()


def test_evidence_the_district_does_not_hold_is_not_found(console, desktop):
    desktop.sign_in(console.regulator_token(), "en")
    answer = desktop.goto(
        "/regulator/evidence/payment/00000000-0000-0000-0000-000000000001"
    )
    assert answer.status == 404
    assert desktop.goto("/regulator/evidence/nonsense/1").status == 404
