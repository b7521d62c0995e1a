"""Sessions, form tokens and roles: what the console refuses, as the API
refuses it."""

from playwright.sync_api import expect

from infra.tokens import Role
from tests.browser.conftest import watch


def test_a_form_without_its_token_is_refused(console, phone):
    phone.sign_in(console.guardian_token("zh"))
    post = phone.page.request.post
    form = {"course_id": "a8753a06-1a96-5e53-939a-17398001bd65"}
    form |= {"student_id": "PC-101-S001", "day": str(console.days[-1])}
    assert post(phone.origin + "/guardian/confirmations", form=form).status == 403
    wrong = form | {"csrf": "0" * 64}
    assert post(phone.origin + "/guardian/confirmations", form=wrong).status == 403
    signing_in = {"token": console.regulator_token()}
    assert post(phone.origin + "/sign-in", form=signing_in).status == 403


def test_a_page_of_one_role_is_refused_to_another(console, desktop):
    desktop.sign_in(console.regulator_token())
    refused = desktop.goto("/guardian")
    assert refused.status == 403
    expect(desktop.page.get_by_role("alert")).to_have_text("您的角色无权访问此页面。")
    bursar = console.token("bursar-1", Role.BURSAR, schools=["PC-101"])
    desktop.sign_in(bursar)
    assert desktop.goto("/regulator").status == 403


def test_a_visitor_not_signed_in_is_sent_to_sign_in(console, desktop):
    desktop.goto("/guardian")
    assert desktop.page.url.endswith("/sign-in?next=/guardian")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.screenshot("sign-in-zh")
    desktop.assert_stayed_home()


def test_a_bad_token_is_told_on_the_form(console, desktop):
    desktop.sign_in("fl_not-a-token", "en")
    expect(desktop.page.get_by_role("alert")).to_have_text("That token is not valid.")


def test_the_session_cookie_is_http_only_and_strict_and_signing_out_ends_it(
    console, browser, desktop
):
    desktop.sign_in(console.regulator_token())
    [cookie] = [c for c in desktop.page.context.cookies() if c["name"] == "fl_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    with console.served.system.queries.datastore.cursor() as curs:
        curs.execute("SELECT * FROM console_sessions")
        kept = str(curs.fetchall())
    assert cookie["value"] not in kept and console.regulator_token() not in kept

    desktop.page.get_by_role("button", name="退出").click()
    desktop.page.wait_for_url("**/sign-in")
    again = browser.new_context()
    again.add_cookies([cookie])
    replayed = watch(again, console.base_url)
    replayed.goto("/regulator")
    assert "/sign-in" in replayed.page.url
    again.close()


def test_a_guardian_signs_in_with_a_login_code_from_the_school(console, phone):
    code, _ = console.served.system.tokens.issue_login_code(
        "PC-101", console.guardians["zh"]
    )
    phone.goto("/sign-in")
    phone.page.locator("#login_code").fill(code)
    phone.page.get_by_role("button", name="使用登录码登录").click()
    phone.page.wait_for_url("**/guardian")
    expect(phone.page.locator("h1")).to_have_text("我的孩子")
    phone.goto("/sign-in")
    phone.page.locator("#login_code").fill(code)
    phone.page.get_by_role("button", name="使用登录码登录").click()
    expect(phone.page.get_by_role("alert")).to_have_text("登录码无效、已使用或已过期。")
