"""The school administrator records today's session on a phone, unticking a
child who did not come, and a second recording of the same day is refused;
in English a leave request is approved and a course opened in the term's
set-up. Other roles are refused the pages, and a form without its token."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from playwright.sync_api import expect

from domain.course import Course
from domain.school import Term
from domain.teacher import Teacher
from infra.tokens import Role
from samples.pingcheng import DISTRICT, TERM_CODE
from tests.browser.conftest import SCHOOL

TERM = Term.id_for(SCHOOL, TERM_CODE)
TODAY = date(2026, 11, 20)  # the console's simulated Friday evening
TWO_OF_THREE = "已记录：应到 3 人，实到 2 人"  # noqa: RUF001
THREE_OF_THREE = "已记录：应到 3 人，实到 3 人"  # noqa: RUF001
RECORDED_ALREADY = "本次课已记录过；如需更正，请先撤销。"  # noqa: RUF001


@dataclass(frozen=True)
class Club:
    """A course of the autumn term opened for these tests, its students
    nobody else's, one of whom asked leave for next Monday."""

    course_id: UUID
    students: tuple[str, ...]
    on_leave: str


@pytest.fixture(scope="module")
def admin_token(console) -> str:
    return console.token(
        "demo-admin-pc-101", Role.SCHOOL_ADMIN, district=DISTRICT, schools=["PC-101"]
    )


@pytest.fixture(scope="module")
def club(console, admin_token) -> Club:
    students = ("PC-101-S900", "PC-101-S901", "PC-101-S902")
    with console.served.client(admin_token) as api:
        opened = api.post(
            f"/v1/terms/{TERM}/courses",
            json={
                "code": "KITE-1",
                "name": "Kite making",
                "category": "arts",
                "capacity": 10,
                "teacher_id": str(Teacher.id_for(SCHOOL, "T05")),
            },
        )
        assert opened.status_code == 201, opened.text
        course_id = UUID(opened.json()["id"])
        for student in students:
            enrolled = api.post(
                f"/v1/courses/{course_id}/enrolments",
                json={"student_id": student, "on": "2026-11-16"},
            )
            assert enrolled.status_code == 201, enrolled.text
        asked = api.post(
            f"/v1/courses/{course_id}/enrolments/{students[1]}/leave-requests",
            json={"dates": ["2026-11-23"], "reason": "illness"},
        )
        assert asked.status_code == 201, asked.text
        console.served.system.projector.wait(asked.json()["position"], timeout=30)
    return Club(course_id, students, students[1])


def posted(page):
    return page.expect_response(lambda r: r.request.method == "POST")


def test_an_administrator_records_todays_session_on_a_phone_in_chinese(
    console, phone, admin_token, club
):
    phone.sign_in(admin_token)
    page = phone.page
    page.wait_for_url("**/admin")
    expect(page.locator("h1")).to_have_text("学校管理")
    today = page.locator("li.session[data-course='KITE-1']")
    expect(today).to_contain_text("尚未记录")
    phone.screenshot("admin-zh-home")
    assert phone.unlabelled_controls() == []
    assert phone.serious_violations() == []

    today.get_by_role("link").click()
    page.wait_for_url(f"**/admin/courses/{club.course_id}/sessions/{TODAY}")
    roster = page.get_by_role("checkbox")
    expect(roster).to_have_count(3)
    for student in club.students:
        expect(page.get_by_label(student)).to_be_checked()
    other = page.context.new_page()  # a colleague opens the same session meanwhile
    other.goto(page.url)
    page.get_by_label(club.students[2]).uncheck()
    phone.screenshot("admin-zh-session")
    assert phone.unlabelled_controls() == []
    assert phone.serious_violations() == []

    with posted(page) as sent:
        page.get_by_role("button", name="记录本次课").click()
    assert sent.value.status == 303
    expect(page.get_by_role("status")).to_have_text(TWO_OF_THREE)
    expect(page.locator("dt", has_text="缺勤").locator("+ dd")).to_have_text("1")
    phone.screenshot("admin-zh-recorded")

    with posted(other) as again:
        other.get_by_role("button", name="记录本次课").click()
    assert again.value.status == 409
    expect(other.get_by_role("alert")).to_have_text(RECORDED_ALREADY)
    other.close()

    page.get_by_role("link", name="返回今日").click()
    expect(today).to_contain_text(TWO_OF_THREE)
    phone.assert_stayed_home()


def test_an_administrator_approves_leave_and_opens_a_course_in_english(
    console, desktop, admin_token, club
):
    desktop.sign_in(admin_token, "en")
    page = desktop.page
    page.wait_for_url("**/admin")
    asked = page.locator(f"li.leave-request[data-student='{club.on_leave}']")
    expect(asked).to_contain_text("Kite making")
    expect(asked).to_contain_text("Nov 23, 2026")
    expect(asked).to_contain_text("illness")
    desktop.screenshot("admin-en-home")

    asked.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Leave approved.")
    expect(asked).to_have_count(0)

    page.get_by_role("link", name="Terms, courses, teachers").click()
    expect(page.locator("h1")).to_have_text("Term set-up")
    term = page.locator("#terms tbody tr", has_text=TERM_CODE)
    expect(term).to_contain_text("once the family confirms or stays silent")
    page.get_by_text("Open a course").click()
    form = page.locator("#courses form")
    form.get_by_label("Code").fill("CHESS-9")
    form.get_by_label("Name").fill("Chess for beginners")
    form.get_by_label("Category").select_option("science")
    form.get_by_label("Capacity").fill("12")
    form.get_by_label("Teacher").select_option(label="T02")
    form.get_by_label("Fee (yuan").fill("200.00")
    assert desktop.unlabelled_controls() == []
    assert desktop.serious_violations() == []
    desktop.screenshot("admin-en-setup")
    page.get_by_role("button", name="Open the course").click()

    opened = page.locator("tr[data-course='CHESS-9']")
    expect(opened).to_contain_text("Chess for beginners")
    expect(opened).to_contain_text("¥200.00")
    expect(opened).to_contain_text("0 / 12")
    expect(opened).to_contain_text("T02")
    opened.get_by_role("link").click()
    page.wait_for_url(f"**/admin/courses/{Course.id_for(TERM, 'CHESS-9')}")
    desktop.assert_stayed_home()  # before a refusal, which the browser logs
    for attempt in ("created", "refused"):
        page.get_by_label("Student id").fill("PC-101-S950")
        page.get_by_label("Enrolled from").fill("2026-11-20")
        with posted(page) as sent:
            page.get_by_role("button", name="Enrol").click()
        assert sent.value.status == (303 if attempt == "created" else 409)
    expect(page.get_by_role("alert")).to_have_text("That student is enrolled already.")
    expect(page.locator("tr[data-student='PC-101-S950']")).to_contain_text("active")


def test_a_bad_form_is_refused_with_the_apis_rule(console, desktop, admin_token):
    desktop.sign_in(admin_token, "en")
    page = desktop.page
    desktop.goto("/admin/setup")
    page.get_by_text("Open a course").click()
    form = page.locator("#courses form")
    form.get_by_label("Code").fill("BAD-1")
    form.get_by_label("Name").fill("Too dear")
    form.get_by_label("Capacity").fill("5")
    form.get_by_label("Fee (yuan").fill("12.345")
    with posted(page) as sent:
        page.get_by_role("button", name="Open the course").click()
    assert sent.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Please check the form: Fee")


def test_the_administrators_pages_are_refused_to_a_bursar_and_a_guardian(
    console, desktop
):
    desktop.sign_in(console.token("bursar-1", Role.BURSAR, schools=["PC-101"]))
    assert desktop.goto("/admin").status == 403
    assert desktop.goto("/admin/setup").status == 403
    expect(desktop.page.get_by_role("alert")).to_have_text("您的角色无权访问此页面。")
    desktop.sign_in(console.guardian_token("plain"))
    assert desktop.goto("/admin").status == 403


def test_an_administrators_form_without_its_token_is_refused(
    console, phone, admin_token, club
):
    phone.sign_in(admin_token)
    post = phone.page.request.post
    session = f"{phone.origin}/admin/courses/{club.course_id}/sessions/{TODAY}"
    present = {"present": club.students[0], "teacher_id": "x"}
    assert post(session, form=present).status == 403
    assert post(session, form=present | {"csrf": "0" * 64}).status == 403
    assert post(phone.origin + "/admin/setup/terms", form={"code": "X"}).status == 403


def test_a_session_recorded_in_error_is_reversed_with_its_reason(
    console, phone, admin_token, club
):
    phone.sign_in(admin_token)
    page = phone.page
    phone.goto(f"/admin/courses/{club.course_id}/sessions/2026-11-19")
    page.get_by_role("button", name="记录本次课").click()
    expect(page.get_by_role("status")).to_have_text(THREE_OF_THREE)

    page.locator("summary", has_text="撤销本次课").click()
    page.get_by_label("撤销原因").fill("记错了日期")
    with posted(page) as sent:
        page.get_by_role("button", name="撤销该课次").click()
    assert sent.value.status == 303
    expect(page.get_by_role("checkbox")).to_have_count(3)
    reversed_ = [
        e
        for e in console.served.system.queries.history(club.course_id)
        if e.type.endswith("DeliveryReversed")
    ]
    assert [e.payload.get("reason") for e in reversed_] == ["记错了日期"]
    phone.assert_stayed_home()


def test_an_administrator_opens_a_term_its_registration_and_a_teacher_in_chinese(
    console, desktop, admin_token
):
    desktop.sign_in(admin_token)
    page = desktop.page
    desktop.goto("/admin/setup")
    page.locator("summary", has_text="开设学期").click()
    term = page.locator("#terms form")
    term.get_by_label("编号").fill("2027-autumn")
    term.get_by_label("开始日期").fill("2027-09-01")
    term.get_by_label("结束日期").fill("2028-01-14")
    term.get_by_label("每学期收费").fill("300.00")
    term.get_by_label("收费上限").fill("360.00")
    term.get_by_label("计划课次").fill("60")
    term.get_by_label("停课日").fill("2027-10-01\n2027-10-02")
    term.get_by_label("课费划转方式").select_option("on-delivery")
    term.get_by_label("未回应视为确认").fill("10")
    term.get_by_label("异议答复期限").fill("3")
    assert desktop.unlabelled_controls() == []
    term.get_by_role("button", name="开设该学期").click()

    autumn = page.locator("#terms tbody tr", has_text="2027-autumn")
    expect(autumn).to_contain_text("上课后即划转")
    expect(autumn).to_contain_text("¥300.00")
    autumn.get_by_role("link").click()
    window = page.locator("#registration")
    expect(window).to_contain_text("2027-autumn 报名")
    window.get_by_label("开始时间").fill("2026-11-21T08:00")
    window.get_by_label("截止时间").fill("2026-11-27T17:00")
    window.get_by_role("button", name="开放报名").click()
    expect(window).to_contain_text("2026年11月27日 17:00:00")
    window.get_by_role("button", name="立即截止报名").click()
    expect(window).to_contain_text("已提前截止")

    page.locator("summary", has_text="登记教师").click()
    teacher = page.locator("#teachers form").first
    teacher.get_by_label("编号").fill("X09")
    teacher.get_by_label("类型").select_option("external")
    teacher.get_by_label("课酬").fill("120.00")
    teacher.get_by_role("button", name="登记该教师").click()
    registered = page.locator("#teachers tbody tr", has_text="X09")
    expect(registered).to_contain_text("外聘教师")
    expect(registered).to_contain_text("¥120.00")
    page.locator("summary", has_text="调整课酬标准").click()
    rate = page.locator("#teachers form").last
    rate.get_by_label("教师").select_option(label="X09")
    rate.get_by_label("新课酬").fill("130.00")
    rate.get_by_role("button", name="调整课酬").click()
    expect(registered).to_contain_text("¥130.00")
    expect(window).to_contain_text("2027-autumn 报名")
    assert desktop.serious_violations() == []
    desktop.screenshot("admin-zh-setup")
    desktop.assert_stayed_home()
