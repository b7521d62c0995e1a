"""Bad input over real HTTP: a 422 problem naming the field and the rule, and
nothing written to the log."""

import json

import pytest

from infra.tokens import Role

SCHOOL = "PC-301"
DISTRICT = "Yungang"
DAY = "2026-09-01"


class Fund:
    def __init__(self, served) -> None:
        def client(subject, role, **scope):
            return served.client(served.token(subject, role, **scope))

        self.served = served
        self.admin = client(
            "admin-301", Role.SCHOOL_ADMIN, schools=[SCHOOL], district=DISTRICT
        )
        self.bursar = client("bursar-301", Role.BURSAR, schools=[SCHOOL])

    def post(self, client, path: str, body: dict, status: int = 201) -> dict:
        response = client.post(f"/v1{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    def head(self) -> int:
        return self.served.system.funds.head()

    def refused(self, client, path: str, body: dict, field: str) -> str:
        """The request is refused with one error, on ``field``; its message."""
        before = self.head()
        content = json.dumps(body)  # ASCII: a lone surrogate travels escaped
        headers = {"Content-Type": "application/json"}
        response = client.post(f"/v1{path}", content=content, headers=headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"].endswith("/invalid-request")
        [error] = problem["errors"]
        assert error["field"] == field
        assert field in problem["detail"]
        assert self.head() == before
        return error["message"]


@pytest.fixture(scope="module")
def fund(empty):
    """School PC-301 with a term, a teacher, a course, a student and a session."""
    f = Fund(empty)
    school = f.post(
        f.admin,
        "/schools",
        {"district": DISTRICT, "code": SCHOOL, "name": "Heping Street Primary"},
    )["id"]
    term = f.post(
        f.admin,
        f"/schools/{school}/terms",
        {
            "code": "T",
            "starts": DAY,
            "ends": "2027-01-15",
            "fee_per_term": "300.00",
            "fee_cap": "360.00",
            "planned_sessions": 10,
        },
    )["id"]
    teacher = f.post(
        f.admin,
        f"/schools/{school}/teachers",
        {"code": "wang", "kind": "staff", "rate": "50.00", "since": DAY},
    )["id"]
    course = {
        "code": "C1",
        "name": "Chess",
        "category": "science",
        "capacity": 30,
        "teacher_id": teacher,
    }
    f.course_body, f.courses = course, f"/terms/{term}/courses"
    f.course = f.post(f.admin, f.courses, course)["id"]
    f.post(f.admin, f"/courses/{f.course}/enrolments", {"student_id": "a", "on": DAY})
    session = {
        "day": DAY,
        "starts": "15:30",
        "ends": "17:30",
        "teacher_id": teacher,
        "present": ["a"],
    }
    f.post(f.admin, f"/courses/{f.course}/sessions", session)
    f.school = school
    return f


def payment(**changes) -> dict:
    body = {
        "student_id": "a",
        "amount": "300.00",
        "channel": "wechat",
        "reference": "W-1",
        "received_on": DAY,
    }
    return body | changes


def subsidy(**changes) -> dict:
    body = {
        "reference": "GRANT-1",
        "source": "Yungang Education Bureau",
        "amount": "1000.00",
        "received_on": DAY,
    }
    return body | changes


@pytest.mark.parametrize(
    "amount",
    ["\N{FULLWIDTH DIGIT ONE}.00", "\N{ARABIC-INDIC DIGIT ONE}.00", " 1.00", "1.00 "],
    ids=["fullwidth", "arabic-indic", "space-before", "space-after"],
)
def test_an_amount_in_other_digits_or_with_spaces_is_refused(fund, amount):
    path = f"/schools/{fund.school}/payments"
    message = fund.refused(fund.bursar, path, payment(amount=amount), "body.amount")
    assert f"{amount!r} is not an amount in yuan such as '360.00'" in message


def test_a_payment_line_in_other_digits_is_refused(fund):
    path = f"/schools/{fund.school}/payments"
    line = {"course_id": fund.course, "amount": "\N{FULLWIDTH DIGIT THREE}00.00"}
    body = payment(lines=[line])
    message = fund.refused(fund.bursar, path, body, "body.lines.0.amount")
    assert "is not an amount in yuan such as '360.00'" in message


@pytest.mark.parametrize(
    "amount",
    ["\N{FULLWIDTH DIGIT ONE}000.00", " 1000.00"],
    ids=["fullwidth", "space-before"],
)
def test_a_subsidy_amount_in_other_digits_or_with_spaces_is_refused(fund, amount):
    path = f"/schools/{fund.school}/subsidies"
    fund.refused(fund.bursar, path, subsidy(amount=amount), "body.amount")


@pytest.mark.parametrize("control", ["\u0000", "\u0085"], ids=["nul", "nel"])
def test_a_course_name_with_a_control_character_is_refused(fund, control):
    body = fund.course_body | {"code": "C2", "name": f"Chess{control}"}
    message = fund.refused(fund.admin, fund.courses, body, "body.name")
    assert "control characters" in message


@pytest.mark.parametrize("control", ["\u0000", "\u0085"], ids=["nul", "nel"])
def test_a_subsidy_source_with_a_control_character_is_refused(fund, control):
    path = f"/schools/{fund.school}/subsidies"
    body = subsidy(source=f"{control}Bureau")
    message = fund.refused(fund.bursar, path, body, "body.source")
    assert "control characters" in message


@pytest.mark.parametrize("control", ["\u0000", "\u0085"], ids=["nul", "nel"])
def test_a_reversal_reason_with_a_control_character_is_refused(fund, control):
    path = f"/courses/{fund.course}/sessions/{DAY}/reversal"
    body = {"reason": f"wrong{control}"}
    message = fund.refused(fund.admin, path, body, "body.reason")
    assert "control characters" in message


def test_half_a_character_is_refused_in_text_and_statements(fund):
    body = fund.course_body | {"code": "C3", "name": "Chess\ud800"}
    message = fund.refused(fund.admin, fund.courses, body, "body.name")
    assert "unicode string" in message
    path = f"/schools/{fund.school}/bank-statements"
    body = {"format": "csv", "content": "date,reference\n2026-09-01,\udfff\n"}
    assert "unicode string" in fund.refused(fund.bursar, path, body, "body.content")


def test_a_reason_of_only_whitespace_is_refused(fund):
    path = f"/courses/{fund.course}/sessions/{DAY}/reversal"
    message = fund.refused(fund.admin, path, {"reason": " \u3000 "}, "body.reason")
    assert "only whitespace" in message


def test_a_payment_received_before_2000_is_refused(fund):
    path = f"/schools/{fund.school}/payments"
    body = payment(received_on="1999-12-31")
    message = fund.refused(fund.bursar, path, body, "body.received_on")
    assert "a business date falls from 2000-01-01 to 2100-12-31" in message


def test_a_leave_list_holding_a_date_before_2000_is_refused(fund):
    path = f"/courses/{fund.course}/enrolments/a/leave"
    body = {"dates": ["2026-09-03", "1999-01-01"]}
    message = fund.refused(fund.admin, path, body, "body.dates.1")
    assert "a business date" in message


def test_a_statement_with_nul_is_refused(fund):
    path = f"/schools/{fund.school}/bank-statements"
    body = {"format": "csv", "content": "date,reference\n2026-09-01,\u0000\n"}
    message = fund.refused(fund.bursar, path, body, "body.content")
    assert "NUL" in message


def test_the_same_bodies_done_right_are_written(fund):
    before = fund.head()
    fund.post(fund.bursar, f"/schools/{fund.school}/payments", payment())
    fund.post(fund.bursar, f"/schools/{fund.school}/subsidies", subsidy())
    fund.post(
        fund.admin,
        f"/courses/{fund.course}/sessions/{DAY}/reversal",
        {"reason": "recorded for the wrong class"},
        status=200,
    )
    assert fund.head() > before
