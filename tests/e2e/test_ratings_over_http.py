"""Families rate the weeks of a course over HTTP, and the school and its
district read exact satisfaction figures."""

import pytest

from infra.tokens import Role

SCHOOL, DISTRICT = "PC-402", "Fenghe"


@pytest.fixture(scope="module")
def course(empty):
    """ART, taught by wu: a1, a2 and a3 present in the week of 23 November,
    a1 again on the 25th; a1 and a2 present on 30 November."""
    token = empty.token(
        "admin-402", Role.SCHOOL_ADMIN, schools=[SCHOOL], district=DISTRICT
    )
    admin = empty.client(token)

    def post(path: str, body: dict) -> str:
        response = admin.post(f"/v1{path}", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    school = post("/schools", {"district": DISTRICT, "code": SCHOOL, "name": "Art Rd"})
    policy = {"fee_per_term": "300.00", "fee_cap": "360.00", "planned_sessions": 10}
    term = post(
        f"/schools/{school}/terms",
        {"code": "T", "starts": "2026-09-01", "ends": "2027-01-15"} | policy,
    )
    teacher = post(
        f"/schools/{school}/teachers", {"code": "wu", "kind": "staff", "rate": "50.00"}
    )
    body = {"code": "ART", "name": "Art", "category": "arts", "capacity": 5}
    art = post(f"/terms/{term}/courses", body | {"teacher_id": teacher})
    for student in ("a1", "a2", "a3"):
        post(f"/courses/{art}/enrolments", {"student_id": student, "on": "2026-11-02"})
    for day, present in (
        ("2026-11-23", ["a1", "a2", "a3"]),
        ("2026-11-25", ["a1"]),
        ("2026-11-30", ["a1", "a2"]),
    ):
        times = {"starts": "15:30:00", "ends": "17:30:00", "teacher_id": teacher}
        post(f"/courses/{art}/sessions", times | {"day": day, "present": present})
    family = {"name": "吴建国", "phone": "13912345678", "relation": "father"}
    put = admin.put(
        f"/v1/schools/{school}/people/guardians/PC-402-G1",
        json=family | {"children": ["a1"]},
    )
    assert put.status_code == 200, put.text
    guardian = empty.client(empty.token("PC-402-G1", Role.GUARDIAN, schools=[SCHOOL]))
    yield {"school": school, "art": art, "teacher": teacher}, admin, guardian
    admin.close()
    guardian.close()


def rating(student: str, week: str, scores=(5, 4), **more) -> dict:
    return {
        "student_id": student,
        "week": week,
        "course_score": scores[0],
        "teacher_score": scores[1],
    } | more


def test_ratings_are_refused_and_counted_as_the_rules_say(course):
    ids, admin, guardian = course
    path = f"/v1/courses/{ids['art']}/ratings"

    def refused(client, body: dict, status: int, rule: str) -> None:
        response = client.post(path, json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/" + rule), response.text

    own = guardian.post(
        path, json=rating("a1", "2026-11-25", (5, 4), comment="loves the colours")
    )
    assert own.status_code == 201, own.text
    refused(guardian, rating("a2", "2026-11-25"), 404, "not-found")
    refused(guardian, rating("a1", "2026-11-23"), 409, "already-exists")
    refused(admin, rating("a3", "2026-11-30"), 422, "not-attended")
    refused(admin, rating("a1", "2026-12-07"), 422, "week-not-begun")
    refused(admin, rating("a2", "2026-11-23", (6, 4)), 422, "invalid-request")
    more = (rating("a2", "2026-11-24", (3, 2)), rating("a1", "2026-12-01", (4, 5)))
    positions = [admin.post(path, json=body).json()["position"] for body in more]
    assert all(positions)

    at = {"min_position": max(positions)}
    school = admin.get(f"/v1/schools/{ids['school']}/satisfaction", params=at)
    assert school.status_code == 200, school.text
    expected = {
        "ratings": 3,
        "course_mean": "4.00",
        "course_share_good": "66.7",
        "teacher_mean": "3.67",
        "teacher_share_good": "66.7",
        "attendances": 5,
        "response_rate": "60.0",
    }
    figures = school.json()
    [art], [wu] = figures["courses"], figures["teachers"]
    assert (art["key"], art["code"]) == (ids["art"], "ART")
    assert (wu["key"], wu["code"]) == (ids["teacher"], "wu")
    for found in (figures["totals"], art, wu):
        assert {k: found[k] for k in expected} == expected

    district = admin.get(f"/v1/districts/{DISTRICT}/satisfaction", params=at).json()
    [one] = district["schools"]
    assert one["code"] == SCHOOL and district["totals"]["key"] == DISTRICT
    assert {k: district["totals"][k] for k in expected} == expected
    elsewhere = admin.get("/v1/districts/Pingcheng/satisfaction")
    assert elsewhere.status_code == 404
