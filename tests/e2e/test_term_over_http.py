"""A term told over HTTP by the people who run it, read back with exact amounts."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from domain.course import BEIJING
from domain.school import School, Term
from domain.teacher import Teacher
from infra.logging import configure_logging
from infra.tokens import Role

SCHOOL = "PC-201"


def today():
    return datetime.now(BEIJING).date()


class Clients:
    def __init__(self, served) -> None:
        def client(subject, role, **scope):
            return served.client(served.token(subject, role, **scope))

        self.admin = client(
            "admin-201", Role.SCHOOL_ADMIN, schools=[SCHOOL], district="Yungang"
        )
        self.bursar = client("bursar-201", Role.BURSAR, schools=[SCHOOL])
        self.approver = client("approver-201", Role.BURSAR, schools=[SCHOOL])
        self.regulator = client("regulator-yg", Role.REGULATOR, district="Yungang")
        self.outsider = client("bursar-999", Role.BURSAR, schools=["PC-999"])
        self.position = 0

    def post(self, client, path: str, body: dict | None = None, status: int = 201):
        response = client.post(f"/v1{path}", json=body)
        assert response.status_code == status, response.text
        self.position = max(self.position, response.json().get("position", 0))
        return response.json()

    def get(self, client, path: str, **params):
        params["min_position"] = self.position
        response = client.get(f"/v1{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def term(empty):
    """School PC-201: fee ¥300 over 10 sessions (¥30 each), teacher ¥50."""
    c = Clients(empty)
    school = c.post(
        c.admin,
        "/schools",
        {"district": "Yungang", "code": SCHOOL, "name": "Yungang Road Primary"},
    )["id"]
    term = c.post(
        c.admin,
        f"/schools/{school}/terms",
        {
            "code": "T",
            "starts": "2026-09-01",
            "ends": "2027-01-15",
            "fee_per_term": "300.00",
            "fee_cap": "360.00",
            "planned_sessions": 10,
        },
    )["id"]
    teacher = c.post(
        c.admin,
        f"/schools/{school}/teachers",
        {
            "code": "li",
            "kind": "staff",
            "rate": "50.00",
            "since": "2026-09-01",
        },
    )["id"]
    course = c.post(
        c.admin,
        f"/terms/{term}/courses",
        {
            "code": "C1",
            "name": "Chess",
            "category": "science",
            "capacity": 30,
            "teacher_id": teacher,
        },
    )["id"]
    for student, waived in (("a", False), ("b", False), ("c", True)):
        c.post(
            c.admin,
            f"/courses/{course}/enrolments",
            {"student_id": student, "on": "2026-09-01", "waived": waived},
        )
    for student, amount, ref, on in (
        ("a", "300.00", "W1", "2026-09-01"),
        ("b", "100.00", "B1", "2026-09-02"),
    ):
        c.post(
            c.bursar,
            f"/schools/{school}/payments",
            {
                "student_id": student,
                "amount": amount,
                "channel": "wechat",
                "reference": ref,
                "received_on": on,
            },
        )
    c.post(
        c.admin,
        f"/courses/{course}/enrolments/b/leave",
        {"dates": ["2026-09-03"]},
        status=200,
    )
    for day, present in (
        ("2026-09-01", ["a", "b", "c"]),
        ("2026-09-02", ["a", "c"]),
        ("2026-09-03", ["a", "c"]),
    ):
        c.post(
            c.admin,
            f"/courses/{course}/sessions",
            {
                "day": day,
                "starts": "15:30",
                "ends": "17:30",
                "teacher_id": teacher,
                "present": present,
            },
        )
    c.post(
        c.admin,
        f"/courses/{course}/enrolments/b/withdrawal",
        {"on": "2026-09-04"},
        status=200,
    )
    # the families confirm what their children consumed: a three sessions, b one
    for student, guardian, through in (
        ("a", "PC-201-G1", "2026-09-03"),
        ("b", "PC-201-G2", "2026-09-01"),
    ):
        family = {"name": "王芳", "phone": "13912345678", "relation": "mother"}
        put = c.admin.put(
            f"/v1/schools/{school}/people/guardians/{guardian}",
            json=family | {"children": [student]},
        )
        assert put.status_code == 200, put.text
        token = empty.token(guardian, Role.GUARDIAN, schools=[SCHOOL])
        with empty.client(token) as parent:
            c.post(
                parent,
                f"/courses/{course}/confirmations",
                {"student_id": student, "day": through, "earlier_too": True},
            )
    return c, school, course


def test_a_refund_takes_two_people_and_the_books_read_back_exactly(term):
    c, school, course = term
    refund = c.post(
        c.bursar,
        f"/schools/{school}/refunds",
        {
            "student_id": "b",
            "amount": "70.00",
            "reason": "withdrew",
            "reference": "RF-b",
        },
    )["id"]
    own = c.bursar.post(f"/v1/refunds/{refund}/approval")
    assert own.status_code == 403
    assert own.json()["type"].endswith("/four-eyes")
    c.post(c.approver, f"/refunds/{refund}/approval", status=200)
    c.post(
        c.bursar,
        f"/refunds/{refund}/payment",
        {"bank_reference": "BANK-77", "paid_on": str(today())},
        status=200,
    )

    a = c.get(c.bursar, f"/schools/{school}/students/a/balance")
    assert (a["charged"], a["paid"], a["consumed"], a["unconsumed"], a["owed"]) == (
        "300.00",
        "300.00",
        "90.00",
        "210.00",
        "0.00",
    )
    assert (a["credit"], a["held"], a["status"]) == ("0.00", "210.00", "settled")
    assert (a["released"], a["awaiting"]) == ("90.00", "0.00")
    [chess] = a["enrolments"]
    assert (chess["course_code"], chess["paid"], chess["unconsumed"]) == (
        "C1",
        "300.00",
        "210.00",
    )
    b = c.get(c.bursar, f"/schools/{school}/students/b/balance")
    assert (b["paid"], b["consumed"], b["cancelled"], b["refunded"], b["owed"]) == (
        "100.00",
        "30.00",
        "270.00",
        "70.00",
        "0.00",
    )
    assert (b["refund_paid"], b["refund_due"], b["credit"], b["status"]) == (
        "70.00",
        "0.00",
        "0.00",
        "settled",
    )
    fund = c.get(c.regulator, f"/schools/{school}/fund")
    assert (fund["bank"], fund["held_for_families"], fund["teacher_pay_due"]) == (
        "330.00",
        "210.00",
        "150.00",
    )
    assert (fund["fees_released"], fund["refunds_due"], fund["free_cash"]) == (
        "120.00",
        "0.00",
        "120.00",
    )
    assert fund["covered"] is True and fund["awaiting_confirmation"] == "0.00"
    balance = c.get(c.regulator, f"/courses/{course}/balance")
    assert (
        balance["sessions"],
        balance["fees_released"],
        balance["teacher_pay_accrued"],
        balance["unconsumed"],
    ) == (3, "120.00", "150.00", "210.00")
    trial = c.get(c.regulator, "/ledger/trial-balance")
    assert trial["balanced"] and trial["total_debit"] == trial["total_credit"]

    history = c.get(c.regulator, f"/history/{refund}")
    assert [(h["type"], h["actor"], h["role"]) for h in history] == [
        ("Refund.Requested", "bursar-201", "bursar"),
        ("Refund.Approved", "approver-201", "bursar"),
        ("Refund.Paid", "bursar-201", "bursar"),
    ]


def test_a_bursar_of_another_school_sees_nothing(term):
    c, school, course = term
    for path in (
        f"/schools/{school}/students/a/balance",
        f"/schools/{school}/fund",
        f"/courses/{course}/balance",
        f"/history/{course}",
    ):
        response = c.outsider.get(f"/v1{path}")
        assert response.status_code == 404, path
        assert "PC-201" not in response.text and "Chess" not in response.text


def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_bodies(term):
    c, school, _ = term
    body = {
        "student_id": "a",
        "amount": "1.00",
        "channel": "bank",
        "reference": "IDEM-1",
        "received_on": "2026-09-05",
    }
    headers = {"Idempotency-Key": "pay-a-idem-1"}
    first = c.bursar.post(f"/v1/schools/{school}/payments", json=body, headers=headers)
    c.position = first.json()["position"]
    head = c.get(c.regulator, "/ledger/trial-balance")
    again = c.bursar.post(f"/v1/schools/{school}/payments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert c.get(c.regulator, "/ledger/trial-balance") == head
    other = c.bursar.post(
        f"/v1/schools/{school}/payments",
        json=body | {"amount": "2.00"},
        headers=headers,
    )
    assert other.status_code == 409
    assert other.json()["type"].endswith("/idempotency-key-reused")


def test_a_replayed_command_is_not_executed_twice(term):
    c, _, course = term
    body = {"student_id": "d", "on": "2026-09-05"}
    headers = {"Idempotency-Key": "enrol-d"}
    first = c.admin.post(f"/v1/courses/{course}/enrolments", json=body, headers=headers)
    again = c.admin.post(f"/v1/courses/{course}/enrolments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    fresh = c.admin.post(f"/v1/courses/{course}/enrolments", json=body)
    assert fresh.status_code == 409


def test_a_read_waits_for_the_position_a_write_returned(term):
    c, school, _ = term
    written = c.post(
        c.bursar,
        f"/schools/{school}/payments",
        {
            "student_id": "c",
            "amount": "5.00",
            "channel": "bank",
            "reference": "RYW-1",
            "received_on": "2026-09-06",
        },
    )
    balance = c.bursar.get(
        f"/v1/schools/{school}/students/c/balance",
        params={"min_position": written["position"]},
    )
    assert balance.json()["paid"] == "5.00"
    future = c.bursar.get(
        f"/v1/schools/{school}/fund",
        params={"min_position": written["position"] + 10_000},
    )
    assert future.status_code == 409
    assert future.json()["type"].endswith("/position-not-recorded")


def test_every_request_is_logged_once_without_its_token(term):
    c, school, _ = term
    configure_logging("INFO", cache=False)
    with capture_logs() as logs:
        response = c.bursar.get(
            f"/v1/schools/{school}/fund", headers={"X-Request-ID": "req-42"}
        )
        # the server logs a request once its response is sent: wait for it
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            entry["event"] == "request" for entry in logs
        ):
            time.sleep(0.01)
    assert response.headers["X-Request-ID"] == "req-42"
    [line] = [entry for entry in logs if entry["event"] == "request"]
    assert line["request_id"] == "req-42" and line["actor"] == "bursar-201"
    assert line["route"] == "/v1/schools/{school_id}/fund" and line["status"] == 200
    token = c.bursar.headers["Authorization"].split()[1]
    assert all(token not in str(entry) for entry in logs)
    configure_logging("WARNING", cache=False)


def test_no_token_is_401_and_a_read_only_role_cannot_write(term):
    c, school, _ = term
    anonymous = c.regulator.get(
        f"/v1/schools/{school}/fund", headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401
    refused = c.regulator.post(f"/v1/schools/{school}/payments", json={})
    assert refused.status_code == 403


def test_a_school_admins_district_does_not_widen_what_it_sees(empty):
    other = empty.client(
        empty.token(
            "admin-202", Role.SCHOOL_ADMIN, schools=["PC-202"], district="Yungang"
        )
    )
    response = other.get(f"/v1/schools/{School.id_for(SCHOOL)}/fund")
    assert response.status_code == 404


def test_when_the_database_has_no_connection_to_spare_a_read_is_a_503(empty):
    reader = empty.client(empty.token("regulator-busy", Role.REGULATOR, district="Y"))
    pool = empty.system.queries.datastore.pool
    held = [pool.getconn() for _ in range(pool.max_size)]
    try:
        busy = reader.get("/v1/districts/Y/compliance")
    finally:
        for conn in held:
            pool.putconn(conn)
    assert busy.status_code == 503
    assert busy.json()["type"].endswith("/database-unavailable")
    assert busy.headers["Retry-After"] == "1"
    assert reader.get("/v1/districts/Y/compliance").status_code == 404


# --- a family's money, enrolment by enrolment --------------------------------
def payment(student: str, amount: str, reference: str, lines=None) -> dict:
    body = {
        "student_id": student,
        "amount": amount,
        "channel": "bank",
        "reference": reference,
        "received_on": "2026-09-05",
    }
    if lines is not None:
        body["lines"] = [{"course_id": c, "amount": a} for c, a in lines]
    return body


@pytest.fixture(scope="module")
def family(term):
    """Two more courses at PC-201 from 1 September, before any of their
    sessions: painting, ¥200 (¥20 a session) with li, and Go, ¥300 (¥30) with
    zhao. e and h take both, painting first; g paid for painting and left it;
    k paid ¥50 more than painting costs."""
    c, school, _ = term
    term_id = Term.id_for(UUID(school), "T")
    zhao = c.post(
        c.admin,
        f"/schools/{school}/teachers",
        {"code": "zhao", "kind": "staff", "rate": "50.00", "since": "2026-09-01"},
    )["id"]
    li = str(Teacher.id_for(UUID(school), "li"))
    courses = {}
    for code, name, category, fee, teacher in (
        ("ART", "Painting", "arts", "200.00", li),
        ("GO", "Go", "science", "300.00", zhao),
    ):
        courses[code] = c.post(
            c.admin,
            f"/terms/{term_id}/courses",
            {
                "code": code,
                "name": name,
                "category": category,
                "capacity": 30,
                "teacher_id": teacher,
                "fee": fee,
            },
        )["id"]
    for student, codes in (
        ("e", ("ART", "GO")),
        ("h", ("ART", "GO")),
        ("g", ("ART",)),
        ("k", ("ART",)),
    ):
        for code in codes:
            c.post(
                c.admin,
                f"/courses/{courses[code]}/enrolments",
                {"student_id": student, "on": "2026-09-01"},
            )
    art = courses["ART"]
    c.post(
        c.bursar,
        f"/schools/{school}/payments",
        payment("g", "200.00", "G-1", lines=[(art, "200.00")]),
    )
    c.post(c.bursar, f"/schools/{school}/payments", payment("k", "250.00", "K-1"))
    c.post(
        c.admin,
        f"/courses/{art}/enrolments/g/withdrawal",
        {"on": "2026-09-04"},
        status=200,
    )
    return c, school, courses, {"ART": li, "GO": zhao}


def test_one_transfer_for_two_courses_pays_each_course_its_own_line(family):
    c, school, courses, teachers = family
    art, go = courses["ART"], courses["GO"]
    lines = [(art, "10.00"), (go, "300.00")]  # oldest first would pay art 200.00
    c.post(
        c.bursar,
        f"/schools/{school}/payments",
        payment("e", "310.00", "E-1", lines=lines),
    )
    for code in ("ART", "GO"):
        c.post(
            c.admin,
            f"/courses/{courses[code]}/sessions",
            {
                "day": "2026-09-07",
                "starts": "15:30",
                "ends": "17:30",
                "teacher_id": teachers[code],
                "present": ["e"],
            },
        )

    trace = c.get(
        c.bursar, f"/schools/{school}/payments/trace", channel="bank", reference="E-1"
    )
    uses = sorted(
        (
            u["kind"],
            u["day"],
            u["details"]["course_code"],
            u["details"]["teacher_code"],
            u["amount"],
        )
        for u in trace["uses"]
    )
    assert uses == [
        ("session", "2026-09-07", "ART", "li", "10.00"),
        ("session", "2026-09-07", "GO", "zhao", "30.00"),
    ]
    assert trace["remaining"] == "270.00"
    assert {
        a["course_code"]: (a["amount"], len(a["uses"]), a["remaining"])
        for a in trace["allocations"]
    } == {"ART": ("10.00", 1, "0.00"), "GO": ("300.00", 1, "270.00")}
    e = c.get(c.bursar, f"/schools/{school}/students/e/balance")
    assert {
        x["course_code"]: (x["paid"], x["consumed"], x["owed"]) for x in e["enrolments"]
    } == {"ART": ("10.00", "20.00", "190.00"), "GO": ("300.00", "30.00", "0.00")}
    assert (e["paid"], e["owed"], e["unallocated"], e["status"]) == (
        "310.00",
        "190.00",
        "0.00",
        "owes",
    )


def test_a_payment_whose_lines_do_not_add_up_is_refused_and_writes_nothing(
    family, empty
):
    c, school, courses, _ = family
    before = empty.system.funds.head()
    lines = [(courses["ART"], "60.00"), (courses["GO"], "30.00")]
    response = c.bursar.post(
        f"/v1/schools/{school}/payments",
        json=payment("e", "100.00", "E-BAD", lines=lines),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/allocation-does-not-add-up")
    assert empty.system.funds.head() == before
    trace = c.bursar.get(
        f"/v1/schools/{school}/payments/trace",
        params={"channel": "bank", "reference": "E-BAD", "min_position": before},
    )
    assert trace.status_code == 404


def test_a_cancelled_refund_request_frees_its_credit_for_a_new_one(family):
    c, school, courses, _ = family
    body = {
        "student_id": "g",
        "amount": "200.00",
        "reason": "left painting",
        "reference": "RF-g-1",
        "course_id": courses["ART"],
    }
    first = c.post(c.bursar, f"/schools/{school}/refunds", body)["id"]
    again = body | {"reference": "RF-g-2"}
    claimed = c.bursar.post(f"/v1/schools/{school}/refunds", json=again)
    assert claimed.status_code == 422, claimed.text
    assert claimed.json()["type"].endswith("/insufficient-credit")

    c.post(c.bursar, f"/refunds/{first}/cancellation", status=200)
    second = c.post(c.bursar, f"/schools/{school}/refunds", again)["id"]
    c.post(c.approver, f"/refunds/{second}/approval", status=200)

    late = c.approver.post(f"/v1/refunds/{first}/approval")
    assert late.status_code == 409
    assert late.json()["type"].endswith("/invalid-transition")
    g = c.get(c.bursar, f"/schools/{school}/students/g/balance")
    assert (g["refunded"], g["refund_due"], g["credit"], g["status"]) == (
        "200.00",
        "200.00",
        "0.00",
        "settled",
    )
    history = c.get(c.regulator, f"/history/{first}")
    assert [(h["type"], h["actor"]) for h in history] == [
        ("Refund.Requested", "bursar-201"),
        ("Refund.Cancelled", "bursar-201"),
    ]


def test_a_payment_reallocated_over_http_pays_the_other_course(family):
    c, school, courses, _ = family
    art, go = courses["ART"], courses["GO"]
    paid = c.post(
        c.bursar,
        f"/schools/{school}/payments",
        payment("h", "200.00", "H-1", lines=[(art, "200.00")]),
    )["id"]
    c.post(
        c.bursar,
        f"/payments/{paid}/reallocation",
        {"lines": [{"course_id": go, "amount": "200.00"}], "reason": "meant for Go"},
        status=200,
    )
    h = c.get(c.bursar, f"/schools/{school}/students/h/balance")
    assert {x["course_code"]: x["paid"] for x in h["enrolments"]} == {
        "ART": "0.00",
        "GO": "200.00",
    }
    assert (h["paid"], h["unallocated"]) == ("200.00", "0.00")
    history = c.get(c.regulator, f"/history/{paid}")
    assert [h["type"] for h in history] == ["Payment.Received", "Payment.Reallocated"]
    assert history[1]["payload"]["reason"] == "meant for Go"


def test_two_refund_requests_at_once_for_the_same_credit_get_one_yes(family):
    c, school, _, _ = family

    def ask(client, reference: str) -> tuple[int, str]:
        body = {"student_id": "k", "amount": "50.00", "reason": "overpaid"}
        response = client.post(
            f"/v1/schools/{school}/refunds", json=body | {"reference": reference}
        )
        return response.status_code, response.json().get("type", "").rsplit("/")[-1]

    with ThreadPoolExecutor(2) as pool:
        asked = [
            pool.submit(ask, c.bursar, "RF-k-1"),
            pool.submit(ask, c.approver, "RF-k-2"),
        ]
        statuses = sorted(f.result() for f in asked)
    assert statuses == [(201, ""), (422, "insufficient-credit")]
