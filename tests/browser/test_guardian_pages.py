"""A guardian on a phone confirms one session and disputes another, in
Chinese and in English; without JavaScript the forms still work, and a rule
that refuses is said on the page."""

from playwright.sync_api import expect

from tests.browser.conftest import amount


def share(page, day):
    return page.locator(f"li.share[data-day='{day}']").first


def settled(page, day, state):
    return page.locator(f"li[data-day='{day}'][data-state='{state}']").first


def test_a_guardian_confirms_one_session_and_disputes_another_in_chinese(
    console, phone
):
    phone.sign_in(console.guardian_token("zh"))
    page = phone.page
    expect(page.locator("h1")).to_have_text("我的孩子")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    first, second, _ = (str(day) for day in console.days)
    awaited = page.locator("section.child", has=page.locator("li.share")).first
    child = page.locator("#" + awaited.get_attribute("id"))
    expect(child.locator("li.share")).to_have_count(3)
    expect(share(page, first)).to_contain_text("2026年11月18日")
    phone.screenshot("guardian-zh")
    assert phone.unlabelled_controls() == []
    assert phone.serious_violations() == []

    share(page, first).get_by_role("button", name="确认").click()
    expect(page.get_by_role("status")).to_contain_text("已确认")
    expect(settled(page, first, "confirmed")).to_contain_text("已确认")
    expect(child.locator("li.share")).to_have_count(2)

    held = amount(share(page, second).inner_text())
    share(page, second).locator("summary").click()
    share(page, second).get_by_label("异议理由").select_option("absent")
    share(page, second).get_by_label("说明", exact=False).fill("那天孩子去看牙医了")
    share(page, second).get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("status")).to_contain_text("已提出异议")
    expect(settled(page, second, "disputed")).to_contain_text("有异议")
    disputed = child.locator("dt", has_text="有异议").locator("+ dd")
    assert amount(disputed.inner_text()) == held
    phone.screenshot("guardian-zh-after")
    phone.assert_stayed_home()


def test_a_guardian_confirms_and_disputes_in_english(console, phone):
    phone.sign_in(console.guardian_token("en"), "en")
    page = phone.page
    expect(page.locator("h1")).to_have_text("My children")
    first, second, _ = (str(day) for day in console.days)
    expect(share(page, first)).to_contain_text("Nov 18, 2026")
    expect(share(page, first)).to_contain_text("¥")

    share(page, first).get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    share(page, second).locator("summary").click()
    share(page, second).get_by_label("Grounds").select_option("not-held")
    share(page, second).get_by_role("button", name="Send the dispute").click()
    expect(page.get_by_role("status")).to_contain_text("Disputed")
    expect(settled(page, first, "confirmed")).to_contain_text("confirmed")
    expect(settled(page, second, "disputed")).to_contain_text("disputed")
    phone.screenshot("guardian-en-after")
    assert phone.serious_violations() == []
    phone.assert_stayed_home()


def test_without_javascript_a_form_still_confirms_and_a_refusal_is_shown(
    console, without_script
):
    without_script.sign_in(console.guardian_token("plain"))
    page = without_script.page
    last = str(console.days[-1])
    stale = page.context.new_page()
    stale.goto(page.url)  # the same form, before the share is confirmed

    share(page, last).get_by_role("button", name="确认").click()
    expect(settled(page, last, "confirmed")).to_be_visible()
    assert "/guardian?at=" in page.url

    share(stale, last).get_by_role("button", name="确认").click()
    expect(stale.get_by_role("alert")).to_have_text("该课次已不再等待您的确认。")
    without_script.screenshot("guardian-refused")
