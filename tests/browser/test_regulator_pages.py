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
