"""A guardian on a phone reads a child's statement, rates this week's course,
asks leave and registers a child for an open course; another family's child
is not found, the forms need their token, and a refusal is said on the page."""

import re

from playwright.sync_api import expect

from infra.tokens import Role
from tests.browser.conftest import amount

LEAVE_DAY = "2026-11-27"  # a Friday of the term still to come
FIGURES = (
    "charged",
    "paid",
    "consumed",
    "awaiting",
    "disputed",
    "credited_back",
    "cancelled",
    "refunded",
    "unconsumed",
    "owed",
    "credit",
)


def children_of(console, which: str) -> list[dict]:
    token = console.guardian_token(which)
    with console.served.client(token) as api:
        answer = api.get("/v1/guardian/children")
    assert answer.status_code == 200
    return answer.json()


def course_of(child: dict, day) -> str:
    """A course of the autumn term the child was present at on ``day``."""
    [course] = {
        s["course_id"]
        for s in child["sessions"]
        if s["day"] == str(day) and s["attendance"] == "present"
    }
    return course


def open_statement(watched, awaiting: bool = True):
    """From the guardian's home, the statement of one of their children (one
    with sessions awaiting them, if asked)."""
    page = watched.page
    children = page.locator("section.child")
    if awaiting:
        children = children.filter(has=page.locator("li.share"))
    link = children.first.get_by_role("link", name=re.compile("账单|Statement"))
    link.click()
    page.wait_for_url("**/guardian/children/*")
    return page.url.rsplit("/", 1)[-1].split("?")[0]


def test_a_guardian_reads_a_statement_rates_a_course_and_asks_leave_in_chinese(
    console, phone
):
    phone.sign_in(console.guardian_token("zh"))
    page = phone.page
    student = open_statement(phone)
    [child] = [c for c in children_of(console, "zh") if c["student_id"] == student]
    expect(page.locator("h1")).to_have_text(child["name"] or student)
    for key in FIGURES:
        shown = page.locator(f"[data-figure='{key}'] dd").inner_text()
        assert amount(shown) == child["balance"][key], key
    expect(page.locator("#sessions li").first).to_contain_text("2026年11月20日")
    expect(page.locator("#sessions")).to_contain_text("待确认")
    phone.screenshot("guardian-statement-zh")
    assert phone.unlabelled_controls() == []
    assert phone.serious_violations() == []

    stale = page.context.new_page()
    stale.goto(page.url)  # the same rating form, before it is sent
    course = page.locator("article.rate").first
    title = course.locator("h3").inner_text()
    course.locator("fieldset", has_text="课程").get_by_label("5").check()
    course.locator("fieldset", has_text="老师").get_by_label("4").check()
    course.get_by_label("留言").fill("孩子这周很开心")
    course.get_by_role("button", name="提交评价").click()
    expect(page.locator("#ratings [role=status]")).to_contain_text("评价已记录")
    rated = page.locator("article.rate", has_text=title)
    expect(rated.locator(".rated")).to_contain_text("5")

    again = stale.locator("article.rate", has_text=title)
    again.locator("fieldset", has_text="课程").get_by_label("1").check()
    again.locator("fieldset", has_text="老师").get_by_label("1").check()
    again.get_by_role("button", name="提交评价").click()
    expect(again.get_by_role("alert")).to_have_text("已经记录过了。")
    stale.close()

    leave = page.locator("#leave")
    leave.get_by_label("课程").select_option(course_of(child, console.days[-1]))
    leave.get_by_label("日期 1").fill(LEAVE_DAY)
    leave.get_by_label("原因").select_option("illness")
    leave.get_by_role("button", name="申请请假").click()
    expect(page.locator("#leave [role=status]")).to_contain_text("请假申请已提交")
    asked = page.locator(f"li.leave-request[data-dates='{LEAVE_DAY}']")
    expect(asked).to_contain_text("等待学校答复")
    expect(asked).to_contain_text("生病")
    phone.screenshot("guardian-statement-zh-after")
    [child] = [c for c in children_of(console, "zh") if c["student_id"] == student]
    assert [r["status"] for r in child["leave_requests"]] == ["requested"]
    phone.assert_stayed_home()


def test_a_guardian_registers_a_child_for_an_open_course_in_english(console, phone):
    phone.sign_in(console.guardian_token("en"), "en")
    page = phone.page
    page.get_by_role("link", name="Courses open for registration").first.click()
    expect(page.locator("h1")).to_have_text("Registration")
    expect(page.locator("h2").first).to_contain_text("2027-spring")
    chess = page.locator("article.course[data-code='CHESS-S']")
    clay = page.locator("article.course[data-code='CLAY-S']")
    expect(chess).to_contain_text("4 of 4 seats taken")
    phone.screenshot("guardian-registration-en")
    assert phone.unlabelled_controls() == []
    assert phone.serious_violations() == []

    free = clay.locator("li[data-status='none']").first
    student = free.get_attribute("data-student")
    taken = int(re.search(r"(\d+) of", clay.inner_text()).group(1))
    free.get_by_role("button", name=re.compile("^Register ")).click()
    expect(clay.get_by_role("status")).to_contain_text("Registered")
    seat = clay.locator(f"li[data-student='{student}']")
    expect(seat).to_have_attribute("data-status", "enrolled")
    expect(seat).to_contain_text("has a seat")
    expect(clay).to_contain_text(f"{taken + 1} of 20 seats taken")

    row = chess.locator(f"li[data-student='{student}']")
    row.get_by_role("button", name=re.compile("waiting list")).click()
    expect(row).to_have_attribute("data-status", "waiting")
    expect(row).to_contain_text("on the waiting list · place")
    row.get_by_role("button", name=re.compile("off the waiting list")).click()
    expect(chess.get_by_role("status")).to_contain_text("left the waiting list")
    expect(row).to_have_attribute("data-status", "left waiting list")
    phone.screenshot("guardian-registration-en-after")

    [child] = [c for c in children_of(console, "en") if c["student_id"] == student]
    held = {(r["course_code"], r["status"]) for r in child["registrations"]}
    assert {("CLAY-S", "enrolled"), ("CHESS-S", "left waiting list")} <= held
    phone.goto(f"/guardian/children/{student}")
    expect(page.locator("#seats li[data-course='CLAY-S']")).to_contain_text(
        "has a seat"
    )
    phone.assert_stayed_home()


def test_another_guardian_s_child_is_not_found(console, phone):
    phone.sign_in(console.guardian_token("en"))
    theirs = open_statement(phone)
    phone.sign_in(console.guardian_token("zh"))
    answer = phone.goto(f"/guardian/children/{theirs}")
    assert answer.status == 404
    expect(phone.page.get_by_role("alert")).to_have_text("您没有这个编号的孩子。")
    assert phone.goto("/guardian/children/PC-101-NOBODY").status == 404
    csrf = phone.page.locator("input[name=csrf]").first.input_value()
    form = {"csrf": csrf, "course_id": "a8753a06-1a96-5e53-939a-17398001bd65"}
    form |= {"dates": LEAVE_DAY, "reason": "illness"}
    post = phone.page.request.post
    refused = post(
        f"{phone.origin}/guardian/children/{theirs}/leave-requests", form=form
    )
    assert refused.status == 404
    phone.screenshot("guardian-not-theirs")


def test_the_family_forms_are_refused_without_their_token(console, phone):
    phone.sign_in(console.guardian_token("zh"))
    student = open_statement(phone)
    post, origin = phone.page.request.post, phone.origin
    course = {"course_id": "a8753a06-1a96-5e53-939a-17398001bd65"}
    forms = {
        f"/guardian/children/{student}/ratings": course
        | {"week": "2026-11-16", "course_score": "5", "teacher_score": "5"},
        f"/guardian/children/{student}/leave-requests": course | {"dates": LEAVE_DAY},
        "/guardian/registrations": course | {"term_id": course["course_id"]},
        "/guardian/waiting-list/departures": course | {"student_id": student},
    }
    for path, form in forms.items():
        assert post(origin + path, form=form).status == 403, path
        wrong = form | {"csrf": "0" * 64}
        assert post(origin + path, form=wrong).status == 403, path


def test_the_family_pages_are_refused_to_another_role(console, desktop):
    desktop.sign_in(console.regulator_token())
    assert desktop.goto("/guardian/registration").status == 403
    assert desktop.goto("/guardian/children/PC-101-S001").status == 403
    bursar = console.token("bursar-1", Role.BURSAR, schools=["PC-101"])
    desktop.sign_in(bursar)
    assert desktop.goto("/guardian/registration").status == 403


def test_without_javascript_leave_is_asked_and_a_refusal_is_shown(
    console, without_script
):
    without_script.sign_in(console.guardian_token("plain"))
    page = without_script.page
    student = open_statement(without_script)
    [child] = [c for c in children_of(console, "plain") if c["student_id"] == student]
    course_id = course_of(child, console.days[0])
    leave = page.locator("#leave")
    leave.get_by_label("课程").select_option(course_id)
    leave.get_by_label("日期 1").fill(LEAVE_DAY)
    leave.get_by_role("button", name="申请请假").click()
    assert "done=asked" in page.url
    expect(page.get_by_role("status")).to_contain_text("请假申请已提交")
    expect(page.locator(f"li.leave-request[data-dates='{LEAVE_DAY}']")).to_be_visible()

    csrf = page.locator("input[name=csrf]").first.input_value()
    held = str(console.days[0])  # delivered already: no leave for it
    form = {"csrf": csrf, "course_id": course_id, "dates": held, "reason": "family"}
    path = f"{without_script.origin}/guardian/children/{student}/leave-requests"
    refused = page.request.post(path, form=form, max_redirects=0)
    assert refused.status == 409
    assert "已经上过" in refused.text()
    without_script.screenshot("guardian-leave-plain")


def test_a_week_is_rated_with_the_keyboard_alone_in_english(console, desktop):
    desktop.sign_in(console.guardian_token("en"), "en")
    open_statement(desktop)
    page = desktop.page
    course = page.locator("article.rate").first
    title = course.locator("h3").inner_text()
    course.locator("input[name=course_score]").first.focus()
    keys = ["ArrowRight"] * 4 + ["Tab"] + ["ArrowRight"] * 3 + ["Tab"]
    for key in keys:
        page.keyboard.press(key)
    page.keyboard.type("Loves the Friday games")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#ratings [role=status]")).to_have_text(
        "Thank you: your rating is recorded."
    )
    rated = page.locator("article.rate", has_text=title).locator(".rated")
    expect(rated).to_have_text("Rated: the course 5 of 5, the teacher 4 of 5.")
    desktop.screenshot("guardian-rated-en")
    desktop.assert_stayed_home()
