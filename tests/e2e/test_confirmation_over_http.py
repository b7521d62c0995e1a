"""Families confirm and dispute their children's sessions over HTTP: a
disputed share is held, an accepted dispute credits it back, a rejected one
goes to the regulator, and silence releases the rest under its rule."""

from datetime import date
from uuid import uuid4

import pytest

from api.scheduler import settle_by_time
from infra.database import ensure_database
from infra.tokens import Role
from samples.pingcheng import SimulatedClock
from tests.conftest import make_system
from tests.e2e.conftest import serve

SCHOOL, DISTRICT = "HY-201", "Hunyuan"
MON, TUE, WED = "2026-11-16", "2026-11-17", "2026-11-18"


@pytest.fixture(scope="module")
def served(pg_server):
    clock = SimulatedClock()
    clock.set(date(2026, 11, 2), 9)
    system = make_system(ensure_database(pg_server, f"e2e_{uuid4().hex[:12]}"), clock)
    for served in serve(system):
        yield served, clock


@pytest.fixture(scope="module")
def school(served):
    """MATH, ¥100 over 10 sessions (¥10 a share): k1 (guardian G1) and k2
    (guardian G2) paid in full; k1 and k2 present on Monday and Tuesday, k1
    alone on Wednesday (k2 absent, which does not consume)."""
    fund, clock = served
    scope = {"schools": [SCHOOL]}
    admin_token = fund.token("admin-hy", Role.SCHOOL_ADMIN, DISTRICT, [SCHOOL])
    admin = fund.client(admin_token)
    bursar = fund.client(fund.token("bursar-hy", Role.BURSAR, **scope))

    def post(client, path: str, body: dict) -> dict:
        response = client.post(f"/v1{path}", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    school = post(
        admin, "/schools", {"district": DISTRICT, "code": SCHOOL, "name": "HY"}
    )
    school = school["id"]
    policy = {"fee_per_term": "100.00", "fee_cap": "360.00", "planned_sessions": 10}
    dates = {"code": "T", "starts": "2026-09-01", "ends": "2027-01-15"}
    term = post(admin, f"/schools/{school}/terms", dates | policy)["id"]
    teacher = post(
        admin,
        f"/schools/{school}/teachers",
        {"code": "li", "kind": "staff", "rate": "50.00"},
    )
    body = {"code": "MATH", "name": "Maths games", "category": "science"}
    body |= {"capacity": 5, "teacher_id": teacher["id"]}
    math = post(admin, f"/terms/{term}/courses", body)["id"]
    for kid, guardian in (("k1", "HY-201-G1"), ("k2", "HY-201-G2")):
        post(
            admin,
            f"/courses/{math}/enrolments",
            {"student_id": kid, "on": "2026-11-02"},
        )
        family = {"name": "王芳", "phone": "13912345678", "relation": "mother"}
        put = admin.put(
            f"/v1/schools/{school}/people/guardians/{guardian}",
            json=family | {"children": [kid]},
        )
        assert put.status_code == 200, put.text
        payment = {"student_id": kid, "amount": "100.00", "channel": "bank"}
        payment |= {"reference": f"R-{kid}", "received_on": "2026-11-02"}
        post(bursar, f"/schools/{school}/payments", payment)
    times = {"starts": "15:30:00", "ends": "17:30:00", "teacher_id": teacher["id"]}
    for day, present in ((MON, ["k1", "k2"]), (TUE, ["k1", "k2"])):
        clock.set(date.fromisoformat(day), 18)
        post(
            admin, f"/courses/{math}/sessions", times | {"day": day, "present": present}
        )
    clock.set(date.fromisoformat(WED), 18)
    post(
        admin,
        f"/courses/{math}/sessions",
        times | {"day": WED, "present": ["k1"], "absent": ["k2"]},
    )
    clock.set(date(2026, 11, 19), 10)
    g1 = fund.client(fund.token("HY-201-G1", Role.GUARDIAN, schools=[SCHOOL]))
    g2 = fund.client(fund.token("HY-201-G2", Role.GUARDIAN, schools=[SCHOOL]))
    regulator = fund.client(fund.token("reg-hy", Role.REGULATOR, district=DISTRICT))
    elsewhere = fund.client(fund.token("reg-x", Role.REGULATOR, district="Pingcheng"))
    clients = {"admin": admin, "bursar": bursar, "g1": g1, "g2": g2}
    clients |= {"regulator": regulator, "elsewhere": elsewhere}
    yield {"school": school, "math": math}, clients, clock
    for client in clients.values():
        client.close()


def refused(response, status: int, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + rule), response.text


def read(client, path: str, position: int, **params) -> dict | list:
    response = client.get(f"/v1{path}", params={"min_position": position} | params)
    assert response.status_code == 200, response.text
    return response.json()


def test_families_confirm_dispute_and_silence_releases_the_rest(school, served):
    ids, who, clock = school
    fund, _ = served
    school_id, math = ids["school"], ids["math"]
    g1, g2, bursar = who["g1"], who["g2"], who["bursar"]
    position = fund.system.funds.head()

    awaiting = read(g1, "/guardian/shares", position)
    assert [(s["student_id"], s["day"], s["amount"]) for s in awaiting] == [
        ("k1", MON, "10.00"),
        ("k1", TUE, "10.00"),
        ("k1", WED, "10.00"),
    ]
    assert {s["confirm_by"] for s in awaiting} == {
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    }

    confirmations, disputes = (
        f"/v1/courses/{math}/confirmations",
        f"/v1/courses/{math}/disputes",
    )
    assert (
        g1.post(confirmations, json={"student_id": "k1", "day": MON}).status_code == 201
    )
    refused(
        g1.post(confirmations, json={"student_id": "k1", "day": MON}),
        422,
        "not-awaiting-confirmation",
    )
    refused(
        g1.post(confirmations, json={"student_id": "k2", "day": MON}), 404, "not-found"
    )
    dispute = {
        "student_id": "k1",
        "day": TUE,
        "grounds": "absent",
        "reason": "在看牙医",
    }
    opened = g1.post(disputes, json=dispute)
    assert opened.status_code == 201, opened.text
    dispute_id = opened.json()["id"]
    refused(g1.post(disputes, json=dispute), 422, "already-disputed")
    absent = {"student_id": "k2", "day": WED, "grounds": "not-held"}
    refused(who["admin"].post(disputes, json=absent), 422, "not-consumed")
    refused(
        g1.post(disputes, json=dispute | {"grounds": "bored"}), 422, "invalid-request"
    )

    position = opened.json()["position"]
    fund_now = read(bursar, f"/schools/{school_id}/fund", position)
    assert fund_now["disputed"] == "10.00"
    assert fund_now["awaiting_confirmation"] == "30.00"  # k1 Wednesday, k2 Mon and Tue
    before = read(bursar, f"/schools/{school_id}/students/k1/balance", position)
    assert (before["held"], before["disputed"], before["credit"]) == (
        "90.00",
        "10.00",
        "0.00",
    )

    accepted = bursar.post(f"/v1/disputes/{dispute_id}/answer", json={"accept": True})
    assert accepted.status_code == 200, accepted.text
    after = read(
        bursar, f"/schools/{school_id}/students/k1/balance", accepted.json()["position"]
    )
    assert (after["credit"], after["credited_back"], after["held"]) == (
        "10.00",
        "10.00",
        "90.00",
    )
    refused(
        bursar.post(
            f"/v1/disputes/{dispute_id}/answer",
            json={"accept": False, "evidence": "sheet"},
        ),
        409,
        "dispute-not-pending",
    )

    # G2 disputes Tuesday; the school rejects with evidence; G2 escalates
    upheld = {"upheld": True, "note": "无签到记录"}
    rejected_id = g2.post(
        disputes, json={"student_id": "k2", "day": TUE, "grounds": "other-teacher"}
    ).json()["id"]
    refused(
        bursar.post(f"/v1/disputes/{rejected_id}/answer", json={"accept": False}),
        422,
        "invalid-request",
    )
    answer = {"accept": False, "evidence": "签到表 2026-11-17"}
    assert (
        bursar.post(f"/v1/disputes/{rejected_id}/answer", json=answer).status_code
        == 200
    )
    refused(g1.post(f"/v1/disputes/{rejected_id}/escalation"), 404, "not-found")
    assert g2.post(f"/v1/disputes/{rejected_id}/escalation").status_code == 200
    refused(
        bursar.post(f"/v1/disputes/{rejected_id}/answer", json={"accept": True}),
        403,
        "escalated-to-regulator",
    )
    refused(
        who["elsewhere"].post(f"/v1/disputes/{rejected_id}/decision", json=upheld),
        404,
        "not-found",
    )
    refused(
        bursar.post(f"/v1/disputes/{rejected_id}/decision", json=upheld),
        403,
        "forbidden",
    )
    decided = who["regulator"].post(
        f"/v1/disputes/{rejected_id}/decision",
        json={"upheld": False, "note": "签到表有签名"},
    )
    assert decided.status_code == 200, decided.text

    listed = read(
        who["regulator"], f"/districts/{DISTRICT}/disputes", decided.json()["position"]
    )
    assert {k: v for k, v in listed["counts"].items() if v} == {
        "accepted": 1,
        "dismissed": 1,
    }
    assert sorted(d["status"] for d in listed["disputes"]) == ["accepted", "dismissed"]

    clock.set(date(2026, 11, 30), 10)  # Wednesday's window closed on the 27th
    late = {"student_id": "k1", "day": WED, "grounds": "not-held"}
    refused(g1.post(disputes, json=late), 422, "confirmation-window-closed")

    clock.set(date(2026, 12, 1), 2)
    fund.system.projector.catch_up()
    settled = settle_by_time(fund.system)
    assert settled["courses"] == 1
    shares = read(
        bursar, f"/schools/{school_id}/students/k1/shares", settled["position"]
    )
    assert [(s["day"], s["state"], s["settled_by"], s["rule"]) for s in shares] == [
        (MON, "confirmed", "guardian", None),
        (TUE, "credited", "dispute", None),
        (WED, "confirmed", "silence", "silence-confirms"),
    ]
    final = read(bursar, f"/schools/{school_id}/fund", settled["position"])
    assert (final["awaiting_confirmation"], final["disputed"]) == ("0.00", "0.00")
    assert final["fees_released"] == "40.00"  # k1 Mon, Wed; k2 Mon, Tue (dismissed)
