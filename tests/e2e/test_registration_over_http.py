"""Registration opening told over HTTP: a window, a full course and its
waiting list, a withdrawal that promotes, leave asked and decided."""

import threading
from datetime import datetime, timedelta

import pytest

from domain.course import BEIJING
from infra.tokens import Role

SCHOOL = "PC-401"


class Clients:
    def __init__(self, served) -> None:
        token = served.token(
            "admin-401", Role.SCHOOL_ADMIN, schools=[SCHOOL], district="Yungang"
        )
        self.admin = served.client(token)
        self.position = 0

    def post(self, path: str, body: dict | None = None, status: int = 201) -> dict:
        response = self.admin.post(f"/v1{path}", json=body)
        assert response.status_code == status, response.text
        self.position = max(self.position, response.json().get("position", 0))
        return response.json()

    def refused(self, path: str, body: dict | None, status: int, rule: str) -> None:
        response = self.admin.post(f"/v1{path}", json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/" + rule), response.text

    def get(self, path: str, **params):
        params["min_position"] = self.position
        response = self.admin.get(f"/v1{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def term(empty):
    """Chess takes two students; a second term has a course of its own."""
    c = Clients(empty)
    school = c.post(
        "/schools", {"district": "Yungang", "code": SCHOOL, "name": "Registration Rd"}
    )["id"]
    policy = {"fee_per_term": "300.00", "fee_cap": "360.00", "planned_sessions": 10}
    term = c.post(
        f"/schools/{school}/terms",
        {"code": "T", "starts": "2026-09-01", "ends": "2027-01-15"} | policy,
    )["id"]
    spring = c.post(
        f"/schools/{school}/terms",
        {"code": "T2", "starts": "2027-02-20", "ends": "2027-07-10"} | policy,
    )["id"]
    teacher = c.post(
        f"/schools/{school}/teachers", {"code": "li", "kind": "staff", "rate": "50.00"}
    )["id"]

    def course(term_id: str, code: str, capacity: int) -> str:
        body = {"code": code, "name": code, "category": "science"}
        body |= {"capacity": capacity, "teacher_id": teacher}
        return c.post(f"/terms/{term_id}/courses", body)["id"]

    c.ids = {
        "school": school,
        "term": term,
        "spring": spring,
        "chess": course(term, "CHESS", 2),
        "go": course(spring, "GO", 5),
    }
    return c


def test_registration_before_the_window_is_opened_is_a_422(term):
    c, ids = term, term.ids
    body = {"student_id": "r1", "course_id": ids["chess"]}
    c.refused(
        f"/terms/{ids['term']}/registrations", body, 422, "outside-registration-window"
    )


def test_a_full_course_queues_and_a_withdrawal_promotes_the_first(term):
    c, ids = term, term.ids
    now = datetime.now(BEIJING)
    window = {
        "opens": (now - timedelta(hours=1)).isoformat(),
        "closes": (now + timedelta(days=1)).replace(tzinfo=None).isoformat(),
    }
    c.post(f"/terms/{ids['term']}/registration-window", window, status=200)
    path = f"/terms/{ids['term']}/registrations"
    for student in ("r1", "r2", "r3", "r4"):
        c.post(path, {"student_id": student, "course_id": ids["chess"]})

    c.refused(
        path, {"student_id": "r1", "course_id": ids["chess"]}, 422, "already-registered"
    )
    c.refused(
        path, {"student_id": "r3", "course_id": ids["chess"]}, 422, "already-registered"
    )
    c.refused(
        path,
        {"student_id": "r5", "course_id": ids["go"]},
        422,
        "course-of-another-term",
    )
    waiting = c.get(f"/courses/{ids['chess']}/waiting-list")
    assert [(w["student_id"], w["place"]) for w in waiting] == [("r3", 1), ("r4", 2)]
    balance = c.get(f"/schools/{ids['school']}/students/r1/balance")
    assert balance["charged"] != "0.00", "a seat is charged as any enrolment"

    today = datetime.now(BEIJING).date().isoformat()
    c.post(
        f"/courses/{ids['chess']}/enrolments/r1/withdrawal", {"on": today}, status=200
    )
    seen = c.get(f"/terms/{ids['term']}/registrations")
    status = {r["student_id"]: (r["status"], r["place"]) for r in seen["registrations"]}
    assert status == {
        "r1": ("withdrawn", None),
        "r2": ("enrolled", None),
        "r3": ("enrolled", None),
        "r4": ("waiting", 1),
    }
    assert [
        r["promoted"] for r in seen["registrations"] if r["student_id"] == "r3"
    ] == [True]
    assert seen["closes"] and not seen["closed_early"]

    c.post(
        f"/courses/{ids['chess']}/waiting-list/departures",
        {"student_id": "r4"},
        status=200,
    )
    assert c.get(f"/courses/{ids['chess']}/waiting-list") == []
    c.refused(
        f"/courses/{ids['chess']}/waiting-list/departures",
        {"student_id": "r4"},
        422,
        "not-waiting",
    )


def test_the_school_closes_registration_early(term):
    c, ids = term, term.ids
    now = datetime.now(BEIJING)
    window = {"opens": now.isoformat(), "closes": (now + timedelta(days=2)).isoformat()}
    c.post(f"/terms/{ids['spring']}/registration-window", window, status=200)
    c.post(f"/terms/{ids['spring']}/registration-window/closure", status=200)
    body = {"student_id": "r9", "course_id": ids["go"]}
    c.refused(
        f"/terms/{ids['spring']}/registrations",
        body,
        422,
        "outside-registration-window",
    )
    c.refused(
        f"/terms/{ids['spring']}/registration-window/closure",
        None,
        409,
        "registration-not-open",
    )
    assert c.get(f"/terms/{ids['spring']}/registrations")["closed_early"] is True


def test_leave_is_asked_approved_once_and_declined(term):
    c, ids = term, term.ids
    course = ids["chess"]
    asked = c.post(
        f"/courses/{course}/enrolments/r2/leave-requests",
        {"dates": ["2027-01-12", "2027-01-11"], "reason": "illness"},
    )
    other = c.post(
        f"/courses/{course}/enrolments/r2/leave-requests", {"dates": ["2027-01-14"]}
    )
    c.post(f"/leave-requests/{asked['id']}/approval", status=200)
    c.refused(
        f"/leave-requests/{asked['id']}/approval", None, 409, "leave-already-decided"
    )
    c.post(f"/leave-requests/{other['id']}/refusal", status=200)
    c.refused(
        f"/courses/{course}/enrolments/r2/leave-requests",
        {"dates": ["2027-01-13"], "reason": "my grandmother"},
        422,
        "invalid-request",
    )
    requests = c.get(f"/courses/{course}/leave-requests")
    assert [(r["dates"], r["status"], r["reason"]) for r in requests] == [
        (["2027-01-11", "2027-01-12"], "approved", "illness"),
        (["2027-01-14"], "declined", None),
    ]
    assert all(r["decided_by"] == "admin-401" and r["decided_at"] for r in requests)
    assert (
        c.get(f"/courses/{course}/leave-requests", status="declined")[0]["status"]
        == "declined"
    )


def test_a_guardian_registers_their_child_joins_a_waiting_list_and_asks_leave(
    term, empty
):
    c, ids = term, term.ids
    now = datetime.now(BEIJING)
    window = {"opens": now.isoformat(), "closes": (now + timedelta(days=1)).isoformat()}
    c.post(f"/terms/{ids['term']}/registration-window", window, status=200)
    teacher = c.post(
        f"/schools/{ids['school']}/teachers",
        {"code": "wu", "kind": "staff", "rate": "50.00"},
    )["id"]
    courses = {}
    for code, seats in (("ART", 5), ("ROBOT", 1)):
        body = {"code": code, "name": code, "category": "arts", "capacity": seats}
        courses[code] = c.post(
            f"/terms/{ids['term']}/courses", body | {"teacher_id": teacher}
        )["id"]
    path = f"/terms/{ids['term']}/registrations"
    c.post(path, {"student_id": "x1", "course_id": courses["ROBOT"]})  # now full
    family = {
        "name": "吴建国",
        "phone": "13912345678",
        "relation": "father",
        "children": ["g1"],
    }
    put = c.admin.put(
        f"/v1/schools/{ids['school']}/people/guardians/PC-401-G1", json=family
    )
    assert put.status_code == 200, put.text
    guardian = empty.client(empty.token("PC-401-G1", Role.GUARDIAN, schools=[SCHOOL]))
    seen = {"min_position": c.position}  # the courses and x1's seat, projected
    [open_term] = guardian.get("/v1/guardian/registration", params=seen).json()
    seats = {c["code"]: (c["capacity"], c["enrolled"]) for c in open_term["courses"]}
    assert open_term["term_id"] == ids["term"] and seats["ROBOT"] == (1, 1)

    for course in courses.values():
        answer = guardian.post(
            f"/v1{path}", json={"student_id": "g1", "course_id": course}
        )
        assert answer.status_code == 201, answer.text
        c.position = max(c.position, answer.json()["position"])
    stranger = guardian.post(
        f"/v1{path}", json={"student_id": "x2", "course_id": courses["ART"]}
    )
    assert stranger.status_code == 404
    asked = guardian.post(
        f"/v1/courses/{courses['ART']}/enrolments/g1/leave-requests",
        json={"dates": ["2027-01-12"], "reason": "appointment"},
    )
    assert asked.status_code == 201, asked.text
    c.position = max(c.position, asked.json()["position"])

    assert [
        w["student_id"] for w in c.get(f"/courses/{courses['ROBOT']}/waiting-list")
    ] == ["g1"]
    [request] = c.get(f"/courses/{courses['ART']}/leave-requests")
    assert (request["student_id"], request["requested_by"]) == ("g1", "PC-401-G1")
    seen = {"min_position": c.position}
    [child] = guardian.get("/v1/guardian/children", params=seen).json()
    assert child["student_id"] == "g1" and child["balance"]["charged"] != "0.00"
    outcome = {
        r["course_code"]: (r["status"], r["place"]) for r in child["registrations"]
    }
    assert outcome == {"ART": ("enrolled", None), "ROBOT": ("waiting", 1)}
    assert [r["status"] for r in child["leave_requests"]] == ["requested"]
    guardian.close()


def test_families_racing_for_the_last_seat_get_one_seat_and_places_in_order(
    term, empty
):
    c, ids = term, term.ids
    now = datetime.now(BEIJING)
    window = {"opens": now.isoformat(), "closes": (now + timedelta(days=1)).isoformat()}
    c.post(f"/terms/{ids['term']}/registration-window", window, status=200)
    teacher = c.post(
        f"/schools/{ids['school']}/teachers",
        {"code": "qi", "kind": "staff", "rate": "50.00"},
    )["id"]
    body = {"code": "LAST", "name": "Last seat", "category": "arts", "capacity": 1}
    course = c.post(f"/terms/{ids['term']}/courses", body | {"teacher_id": teacher})[
        "id"
    ]
    families = []
    for n in range(8):
        code, child = f"PC-401-R{n}", f"race-{n}"
        family = {
            "name": "赵建国",
            "phone": "13912345678",
            "relation": "father",
            "children": [child],
        }
        put = c.admin.put(
            f"/v1/schools/{ids['school']}/people/guardians/{code}", json=family
        )
        assert put.status_code == 200, put.text
        families.append(
            (empty.client(empty.token(code, Role.GUARDIAN, schools=[SCHOOL])), child)
        )
    ready, answers = threading.Barrier(len(families)), []

    def register(client, child) -> None:
        ready.wait()
        body = {"student_id": child, "course_id": course}
        answers.append(client.post(f"/v1/terms/{ids['term']}/registrations", json=body))

    racers = [threading.Thread(target=register, args=family) for family in families]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert sorted(a.status_code for a in answers) == [201] * 8, [
        a.text for a in answers
    ]
    c.position = max(a.json()["position"] for a in answers)
    seen = c.get(f"/terms/{ids['term']}/registrations")["registrations"]
    mine = [r for r in seen if r["course_code"] == "LAST"]
    assert sorted(r["status"] for r in mine) == ["enrolled"] + ["waiting"] * 7
    assert sorted(r["place"] for r in mine if r["place"]) == list(range(1, 8))
    for client, _ in families:
        client.close()
