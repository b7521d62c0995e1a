"""The people behind the ids over HTTP: names where the school's staff and the
family look, never to a regulator unless asked for and logged; an erasure
asked for by the school and approved by the regulator."""

import pytest

from domain.person import Kind, person_id_for
from domain.refund import Refund
from domain.school import School
from domain.teacher import Teacher
from infra.tokens import Role
from samples.pingcheng import DISTRICT

SCHOOL = School.id_for("PC-101")
LEAVER, PAYER = "PC-101-S005", "PC-101-S001"  # refunded in full; money held


@pytest.fixture(scope="module")
def people(sample):
    tokens = {
        "admin": sample.token("p-admin", Role.SCHOOL_ADMIN, schools=["PC-101"]),
        "bursar": sample.token("p-bursar", Role.BURSAR, schools=["PC-101"]),
        "regulator": sample.token("p-regulator", Role.REGULATOR, district=DISTRICT),
        "auditor": sample.token("p-auditor", Role.AUDITOR, district=DISTRICT),
        "guardian": sample.token("PC-101-G900", Role.GUARDIAN, schools=["PC-101"]),
    }
    clients = {who: sample.client(token) for who, token in tokens.items()}
    admin = clients["admin"]
    for student, name in ((LEAVER, "赵小龙"), (PAYER, "钱多多")):
        body = {"name": name, "grade": 3, "class_name": "3A"}
        put = admin.put(f"/v1/schools/{SCHOOL}/people/students/{student}", json=body)
        assert put.status_code == 200, put.text
    guardian = {
        "name": "钱建国",
        "phone": "13912345678",
        "relation": "father",
        "children": [PAYER],
    }
    put = admin.put(f"/v1/schools/{SCHOOL}/people/guardians/PC-101-G900", json=guardian)
    assert put.status_code == 200, put.text
    yield clients
    for client in clients.values():
        client.close()


def balance(client, student: str) -> dict:
    answer = client.get(f"/v1/schools/{SCHOOL}/students/{student}/balance")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_staff_see_names_and_regulators_only_ids(people):
    assert balance(people["bursar"], PAYER)["name"] == "钱多多"
    assert balance(people["regulator"], PAYER)["name"] is None
    listed = people["admin"].get(f"/v1/schools/{SCHOOL}/students").json()
    assert {s["student_id"]: s["name"] for s in listed}[PAYER] == "钱多多"


def test_a_regulator_reads_a_named_record_only_by_asking_and_it_is_logged(people):
    payer = person_id_for(SCHOOL, Kind.STUDENT, PAYER)
    record = people["regulator"].get(f"/v1/people/{payer}").json()
    assert record["record"]["name"] == "钱多多"
    log = f"/v1/schools/{SCHOOL}/personal-data-reads"
    reads = people["auditor"].get(log, params={"reader": "p-regulator"}).json()
    assert reads[0]["route"] == "GET /v1/people/{person_id}"
    assert reads[0]["ref"] == PAYER
    page = people["auditor"].get(log, params={"limit": 1}).json()
    older = people["auditor"].get(log, params={"before": page[0]["id"], "limit": 1})
    assert older.json()[0]["id"] < page[0]["id"]


def test_a_guardian_sees_their_child_by_name_and_no_one_else(people):
    guardian = people["guardian"]
    [child] = guardian.get("/v1/guardian/children").json()
    assert (child["student_id"], child["name"]) == (PAYER, "钱多多")
    assert child["sessions"] and child["balance"]["paid"] != "0.00"
    assert (
        guardian.get(f"/v1/schools/{SCHOOL}/students/{LEAVER}/balance").status_code
        == 404
    )


def test_implausible_personal_data_is_a_422_naming_the_field(people):
    admin = people["admin"]
    path = f"/v1/schools/{SCHOOL}/people/guardians/PC-101-G901"
    good = {
        "name": "王芳",
        "phone": "13912345678",
        "relation": "mother",
        "children": [PAYER],
    }
    for field, value in (("name", "R2-D2"), ("phone", "12345"), ("children", [])):
        answer = admin.put(path, json=good | {field: value})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"].endswith(field)


def test_an_erasure_needs_the_regulator_and_no_money_in_flight(people):
    admin, regulator = people["admin"], people["regulator"]
    leaver = person_id_for(SCHOOL, Kind.STUDENT, LEAVER)
    payer = person_id_for(SCHOOL, Kind.STUDENT, PAYER)
    for person in (leaver, payer):
        assert admin.post(f"/v1/people/{person}/erasure").status_code == 201
    assert admin.post(f"/v1/people/{leaver}/erasure/approval").status_code == 403
    refused = regulator.post(f"/v1/people/{payer}/erasure/approval")
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/money-in-flight")
    assert regulator.post(f"/v1/people/{leaver}/erasure/approval").status_code == 200

    gone = balance(people["bursar"], LEAVER)
    assert (gone["name"], gone["erased"]) == (None, True)
    assert gone["paid"] != "0.00"  # the money trail stays
    assert regulator.get(f"/v1/people/{leaver}").json()["record"] is None
    again = admin.put(
        f"/v1/schools/{SCHOOL}/people/students/{LEAVER}",
        json={"name": "赵小龙", "grade": 3, "class_name": "3A"},
    )
    assert again.status_code == 409


def test_a_trace_and_a_payroll_carry_names_for_staff_only(people):
    trace = f"/v1/schools/{SCHOOL}/payments/trace"
    paid = {"channel": "wechat", "reference": f"{PAYER}-0901"}
    assert people["bursar"].get(trace, params=paid).json()["student_name"] == "钱多多"
    assert people["auditor"].get(trace, params=paid).json()["student_name"] is None

    teacher = Teacher.id_for(SCHOOL, "T01")
    body = {"name": "李红梅", "phone": "13812345678", "payee_account": "6222020200112"}
    path = f"/v1/schools/{SCHOOL}/people/teachers/{teacher}"
    assert people["admin"].put(path, json=body).status_code == 200
    month = f"/v1/schools/{SCHOOL}/payroll/2026-09"
    named = {
        who: {
            t["teacher_code"]: t["teacher_name"]
            for t in people[who].get(month).json()["teachers"]
        }
        for who in ("bursar", "regulator")
    }
    assert named["bursar"]["T01"] == "李红梅" and named["regulator"]["T01"] is None


def test_a_guardian_signs_in_once_with_a_code_from_the_school(people, sample):
    issue = f"/v1/schools/{SCHOOL}/people/guardians/PC-101-G900/login-code"
    issued = people["admin"].post(issue)
    assert issued.status_code == 201, issued.text
    code = issued.json()["login_code"]
    anonymous = sample.client()
    signed_in = anonymous.post("/v1/login", json={"login_code": code.lower()})
    assert signed_in.status_code == 201, signed_in.text
    assert signed_in.json()["subject"] == "PC-101-G900"
    with sample.client(signed_in.json()["token"]) as guardian:
        [child] = guardian.get("/v1/guardian/children").json()
        assert child["student_id"] == PAYER
    again = anonymous.post("/v1/login", json={"login_code": code})
    assert again.status_code == 401 and again.json()["type"].endswith(
        "/unauthenticated"
    )
    unknown = people["admin"].post(
        f"/v1/schools/{SCHOOL}/people/guardians/PC-101-G999/login-code"
    )
    assert unknown.status_code == 404
    anonymous.close()


def test_a_refused_read_opens_and_logs_nothing(people):
    leaver = person_id_for(SCHOOL, Kind.STUDENT, LEAVER)
    assert people["guardian"].get(f"/v1/people/{leaver}").status_code == 404
    reads = people["auditor"].get(f"/v1/schools/{SCHOOL}/personal-data-reads").json()
    assert not [r for r in reads if r["reader"] == "PC-101-G900" and r["ref"] == LEAVER]


def test_a_refunds_reason_is_shown_to_the_schools_staff_only(people):
    refund = Refund.id_for(SCHOOL, f"PC-101-RF-{LEAVER}")
    path = f"/v1/refunds/{refund}/reason"
    assert people["regulator"].get(path).status_code == 403
    answer = people["bursar"].get(path)
    assert answer.status_code == 200, answer.text
    erased = people["bursar"].get(f"/v1/schools/{SCHOOL}/students/{LEAVER}/balance")
    expected = None if erased.json()["erased"] else "withdrew from the course"
    assert answer.json()["reason"] == expected


def test_who_a_guardian_may_see_is_recorded_in_the_log(people):
    admin = people["admin"]
    path = f"/v1/schools/{SCHOOL}/people/guardians/PC-101-G950"
    family = {"name": "孙丽", "phone": "13912345678", "relation": "mother"}
    for children in ([PAYER], [PAYER], [PAYER, LEAVER]):
        put = admin.put(path, json=family | {"children": children})
        assert put.status_code == 200, put.text
    guardian = person_id_for(SCHOOL, Kind.GUARDIAN, "PC-101-G950")
    seen = {"min_position": put.json()["position"]}
    history = people["auditor"].get(f"/v1/history/{guardian}", params=seen)
    assert history.status_code == 200, history.text
    changes = [(e["type"], e["payload"]["children"]) for e in history.json()]
    assert changes == [
        ("Guardianship.Linked", [PAYER]),
        ("Guardianship.Relinked", sorted([PAYER, LEAVER])),
    ]
