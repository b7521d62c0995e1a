"""The console's lists over HTTP on the sample district: exactly what the
sample recorded, every row once across pages in one stable order, filters,
and a cursor or filter that makes no sense refused."""

import random
from datetime import timedelta

import pytest

from domain.money import format_fen
from domain.payroll import PayrollRun
from domain.school import School, Term
from domain.teacher import Teacher
from infra.tokens import Role
from samples.pingcheng import (
    CAP,
    FEE,
    GRANT_DAY,
    NATIONAL_DAY,
    PLANNED,
    SCHOOLS,
    SEPTEMBER,
    STAFF_RATE,
    STUDENTS_PER_COURSE,
    TERM_CODE,
    TERM_STARTS,
    WITHDRAWAL_DAY,
    SampleSchool,
)

PC101, PC102 = School.id_for("PC-101"), School.id_for("PC-102")
TERM = Term.id_for(PC101, TERM_CODE)


@pytest.fixture(scope="module")
def regulator(sample):
    token = sample.token("l-regulator", Role.REGULATOR, district="Pingcheng")
    with sample.client(token) as client:
        yield client


@pytest.fixture(scope="module")
def bursar(sample):
    token = sample.token("l-bursar", Role.BURSAR, schools=["PC-101"])
    with sample.client(token) as client:
        yield client


def get(client, path: str, **params) -> dict:
    response = client.get(f"/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(client, path: str, field: str, limit: int, **params) -> list[dict]:
    """Every row of a list, a page at a time, checking each page is full
    until the last."""
    rows, after = [], None
    while True:
        cursor = {"after": after} if after else {}
        page = get(client, path, limit=limit, **params, **cursor)
        rows += page[field]
        after = page["next_after"]
        if after is None:
            return rows
        assert len(page[field]) == limit


def planned_payments(code: str) -> list[tuple]:
    """The sample's payments of a school, as its plan drew them."""
    rng = random.Random(2026)
    plans = {c: SampleSchool(None, rng, c, p) for c, (_, p) in SCHOOLS.items()}
    return sorted(
        (p.student_id, format_fen(p.amount), p.channel, p.reference, str(p.received_on))
        for payments in plans[code].payments.values()
        for p in payments
    )


def test_the_district_lists_its_schools_by_code(sample, regulator):
    page = get(regulator, "/districts/Pingcheng/schools")
    assert page == {
        "schools": [
            {
                "school_id": str(School.id_for(code)),
                "district": "Pingcheng",
                "code": code,
                "name": name,
            }
            for code, (name, _) in sorted(SCHOOLS.items())
        ],
        "next_after": None,
    }
    auditor = sample.client(sample.token("l-aud", Role.AUDITOR, schools=["PC-102"]))
    [only] = get(auditor, "/districts/Pingcheng/schools")["schools"]
    assert only["code"] == "PC-102"
    assert regulator.get("/v1/districts/Yungang/schools").status_code == 404


def test_a_school_lists_its_terms_with_their_rules(regulator):
    page = get(regulator, f"/schools/{PC101}/terms")
    assert page == {
        "terms": [
            {
                "term_id": str(TERM),
                "code": TERM_CODE,
                "starts": "2026-09-01",
                "ends": "2027-01-15",
                "fee_per_term": format_fen(FEE),
                "fee_cap": format_fen(CAP),
                "planned_sessions": PLANNED,
                "refund_deadline_days": 15,
                "absence_consumes": False,
                "closed_days": [str(day) for day in NATIONAL_DAY],
                "min_minutes": 120,
                "earliest_end": "17:30",
                "release": "on-confirmation",
                "silence_days": 7,
                "answer_days": 5,
                "courses": len(SCHOOLS["PC-101"][1]),
            }
        ],
        "next_after": None,
    }


def test_a_term_lists_its_courses_by_code_with_teacher_and_seats(regulator):
    listed = get(regulator, f"/terms/{TERM}/courses")["courses"]
    plans = sorted(SCHOOLS["PC-101"][1], key=lambda p: p.code)
    assert [
        (c["code"], c["name"], c["category"], c["teacher_code"]) for c in listed
    ] == [(p.code, p.name, p.category, p.teacher) for p in plans]
    enrolled = {c["code"]: c["enrolled"] for c in listed}
    assert enrolled == {p.code: STUDENTS_PER_COURSE for p in plans} | {
        "HW-3A": STUDENTS_PER_COURSE - 1  # its leaver withdrew
    }
    assert all(c["sessions"] > 0 and c["capacity"] == 30 for c in listed)
    homework = get(regulator, f"/terms/{TERM}/courses", category="homework")
    assert [c["code"] for c in homework["courses"]] == ["HW-3A", "HW-4B"]
    t03 = Teacher.id_for(PC101, "T03")
    [football] = get(regulator, f"/terms/{TERM}/courses", teacher_id=t03)["courses"]
    assert football["code"] == "FB-1"


def test_a_school_lists_its_teachers_with_the_rate_in_force(regulator):
    listed = get(regulator, f"/schools/{PC101}/teachers")["teachers"]
    assert [(t["code"], t["kind"], t["rate"], t["courses"]) for t in listed] == [
        (f"T0{n}", "staff", format_fen(STAFF_RATE), 1) for n in range(1, 7)
    ]
    external = get(regulator, f"/schools/{PC102}/teachers", kind="external")
    assert [(t["code"], t["rate"]) for t in external["teachers"]] == [("X01", "120.00")]


def test_a_course_lists_its_students_page_by_page(regulator):
    course = get(regulator, f"/terms/{TERM}/courses", category="homework")
    hw3a = course["courses"][0]["course_id"]
    path = f"/courses/{hw3a}/enrolments"
    rows = every_page(regulator, path, "enrolments", limit=7)
    students = [f"PC-101-S0{n:02d}" for n in range(STUDENTS_PER_COURSE)]
    assert [r["student_id"] for r in rows] == students
    assert [r["student_id"] for r in rows if r["waived"]] == [students[0]]
    [leaver] = [r for r in rows if r["status"] == "withdrawn"]
    assert (leaver["student_id"], leaver["withdrawn_on"]) == (
        students[5],
        str(WITHDRAWAL_DAY),
    )
    page = get(regulator, path, status="withdrawn")
    assert page["counts"] == {"active": STUDENTS_PER_COURSE - 1, "withdrawn": 1}
    assert [r["student_id"] for r in page["enrolments"]] == [students[5]]


def test_payments_are_every_one_recorded_once_across_pages(regulator):
    path = f"/schools/{PC101}/payments"
    rows = every_page(regulator, path, "payments", limit=37)
    listed = sorted(
        (r["student_id"], r["amount"], r["channel"], r["reference"], r["received_on"])
        for r in rows
    )
    assert listed == planned_payments("PC-101")
    assert len({r["payment_id"] for r in rows}) == len(rows)
    order = [(r["received_on"], r["position"]) for r in rows]
    assert order == sorted(order)
    assert rows == get(regulator, path, limit=500)["payments"]


def test_payments_are_found_by_student_channel_and_day(regulator):
    path = f"/schools/{PC101}/payments"
    planned = planned_payments("PC-101")
    one = get(regulator, path, student_id="PC-101-S001")["payments"]
    assert [(r["reference"], r["amount"]) for r in one] == [
        (p[3], p[1]) for p in planned if p[0] == "PC-101-S001"
    ]
    by_bank = every_page(regulator, path, "payments", limit=100, channel="bank")
    assert len(by_bank) == sum(p[2] == "bank" for p in planned) > 0
    day = str(TERM_STARTS)
    first = every_page(regulator, path, "payments", limit=100, to=day)
    assert len(first) == sum(p[4] == day for p in planned) > 0
    later = every_page(regulator, path, "payments", limit=100, **{"from": "2026-09-02"})
    assert len(first) + len(later) == len(planned)


def test_refunds_are_listed_by_status_with_counts(regulator):
    path = f"/schools/{PC101}/refunds"
    page = get(regulator, path)
    leaver = "PC-101-S005"
    [refund] = page["refunds"]
    assert {k: v for k, v in refund.items() if k not in ("refund_id", "amount")} == {
        "student_id": leaver,
        "reference": f"PC-101-RF-{leaver}",
        "status": "paid",
        "requested_by": "bursar1-pc-101",
        "requested_on": str(WITHDRAWAL_DAY),
        "approved_by": "bursar2-pc-101",
        "paid_on": str(WITHDRAWAL_DAY + timedelta(days=3)),
        "bank_reference": f"BANK-PC-101-RF-{leaver}",
    }
    assert page["counts"] == {"requested": 0, "approved": 0, "cancelled": 0, "paid": 1}
    assert get(regulator, path, status="requested")["refunds"] == []
    assert get(regulator, path, student_id="PC-101-S001")["refunds"] == []


def test_payroll_runs_are_listed_with_what_they_pay(regulator):
    page = get(regulator, f"/schools/{PC101}/payroll")
    [run] = page["runs"]
    paid = get(regulator, f"/payroll/{run['run_id']}")
    assert run["run_id"] == str(PayrollRun.id_for(PC101, SEPTEMBER))
    assert (run["month"], run["status"], run["paid_on"]) == (
        "2026-09-01",
        "paid",
        paid["paid_on"],
    )
    assert run["teachers"] == len(paid["teachers"]) == 6
    assert run["total"] == paid["total"]
    assert page["counts"] == {"drafted": 0, "approved": 0, "paid": 1}
    drafted = get(regulator, f"/schools/{PC101}/payroll", status="drafted")
    assert drafted["runs"] == []


def test_subsidies_are_listed_with_what_is_left_to_allocate(regulator):
    [grant] = get(regulator, f"/schools/{PC101}/subsidies")["subsidies"]
    assert {k: v for k, v in grant.items() if k != "grant_id"} == {
        "reference": "PC-101-GRANT-2026",
        "source": "Pingcheng Education Bureau",
        "received_on": str(GRANT_DAY),
        "subsidy_received": "10000.00",
        "subsidy_unused": "5000.00",  # two courses got ¥2,500 each
    }


def test_imported_bank_statements_are_listed(sample, regulator, bursar):
    path = f"/schools/{PC101}/bank-statements"
    assert get(regulator, path)["statements"] == []
    account = bursar.post(
        f"/v1/schools/{PC101}/bank-account", json={"account": "CN00PC1010001"}
    )
    assert account.status_code == 200, account.text
    content = (
        "date,reference,description,amount,direction\n"
        "2026-09-01,PC-101-S001-0901,fee,360.00,credit\n"
        "2026-09-03,SAL-T01-09,pay,50.00,debit\n"
    )
    imported = bursar.post(
        f"/v1/schools/{PC101}/bank-statements",
        json={"format": "csv", "content": content},
    )
    assert imported.status_code == 201, imported.text
    at = imported.json()["position"]
    [statement] = get(regulator, path, min_position=at)["statements"]
    assert statement["statement"] == imported.json()["id"]
    assert {k: statement[k] for k in ("first_day", "last_day", "lines")} == {
        "first_day": "2026-09-01",
        "last_day": "2026-09-03",
        "lines": 2,
    }
    assert (statement["credits"], statement["debits"]) == ("360.00", "50.00")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"/schools/{PC101}/payments", {"after": "not a cursor"}),
        (f"/schools/{PC101}/payments", {"after": "W10="}),  # []
        (f"/schools/{PC101}/refunds", {"status": "lost"}),
        (f"/schools/{PC101}/teachers", {"kind": "volunteer"}),
        (f"/schools/{PC101}/payroll", {"limit": 0}),
        (f"/terms/{TERM}/courses", {"category": "cooking"}),
    ],
)
def test_a_cursor_or_filter_that_makes_no_sense_is_a_422(regulator, path, params):
    response = regulator.get(f"/v1{path}", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_cursor_of_another_lists_shape_is_refused(regulator):
    page = get(regulator, f"/schools/{PC101}/payments", limit=1)
    response = regulator.get(
        f"/v1/schools/{PC101}/teachers", params={"after": page["next_after"]}
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-cursor")


def test_a_cursor_of_another_list_of_the_same_shape_is_refused(regulator):
    courses = get(regulator, f"/terms/{TERM}/courses", limit=1)
    teachers = get(regulator, f"/schools/{PC101}/teachers", limit=1)
    assert courses["next_after"] and teachers["next_after"]  # both a code and an id
    response = regulator.get(
        f"/v1/schools/{PC101}/teachers", params={"after": courses["next_after"]}
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-cursor")
    answered = regulator.get(
        f"/v1/schools/{PC101}/teachers", params={"after": teachers["next_after"]}
    )
    assert answered.status_code == 200


def test_a_school_outside_the_readers_scope_is_not_found(sample):
    token = sample.token("l-bursar-102", Role.BURSAR, schools=["PC-102"])
    with sample.client(token) as other:
        for path in (
            f"/schools/{PC101}/terms",
            f"/schools/{PC101}/payments",
            f"/terms/{TERM}/courses",
        ):
            assert other.get(f"/v1{path}").status_code == 404, path


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/districts/Pingcheng/schools", "schools"),
        (f"/schools/{PC102}/terms", "terms"),
        (f"/terms/{Term.id_for(PC102, TERM_CODE)}/courses", "courses"),
        (f"/schools/{PC102}/teachers", "teachers"),
        (f"/schools/{PC102}/refunds", "refunds"),
        (f"/schools/{PC102}/payroll", "runs"),
        (f"/schools/{PC102}/subsidies", "subsidies"),
    ],
)
def test_every_list_pages_one_row_at_a_time_in_its_own_order(regulator, path, field):
    whole = get(regulator, path, limit=500)
    assert whole[field] and whole["next_after"] is None
    assert every_page(regulator, path, field, limit=1) == whole[field]


def test_a_term_is_listed_with_the_release_policy_it_was_opened_with(empty):
    token = empty.token(
        "l-admin-301", Role.SCHOOL_ADMIN, schools=["PC-301"], district="Yungang"
    )
    with empty.client(token) as admin:
        school = admin.post(
            "/v1/schools",
            json={"district": "Yungang", "code": "PC-301", "name": "Xinjian Primary"},
        ).json()["id"]
        opened = admin.post(
            f"/v1/schools/{school}/terms",
            json={
                "code": "2027-spring",
                "starts": "2027-02-22",
                "ends": "2027-07-09",
                "fee_per_term": "300.00",
                "fee_cap": "360.00",
                "planned_sessions": 60,
                "release": "on-delivery",
                "silence_days": 10,
                "answer_days": 3,
            },
        )
        assert opened.status_code == 201, opened.text
        [term] = get(
            admin, f"/schools/{school}/terms", min_position=opened.json()["position"]
        )["terms"]
    assert (term["release"], term["silence_days"], term["answer_days"]) == (
        "on-delivery",
        10,
        3,
    )
