"""The sample district, served over real HTTP on the embedded PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest

from api.demo import DEMO_GUARDIAN
from domain.person import Kind, person_id_for
from domain.school import School
from infra.tokens import Role
from samples.people import record_people
from samples.pingcheng import DISTRICT, SimulatedClock, record_recent


@pytest.fixture(scope="module")
def served(sample):
    token = sample.token("regulator", Role.REGULATOR, district=DISTRICT)
    with sample.client(token) as client:
        yield client


def test_health_reports_the_read_models_caught_up(served):
    health = served.get("/health").json()
    assert health["status"] == "ok" and health["position"] == health["head"] > 0


def test_the_trial_balance_of_the_demo_is_balanced(served):
    body = served.get("/v1/ledger/trial-balance").json()
    assert body["balanced"] is True
    assert body["total_debit"] == body["total_credit"]
    assert float(body["total_debit"]) > 0


def test_the_district_view_lists_both_schools_covered(served):
    body = served.get(f"/v1/districts/{DISTRICT}/funds").json()
    assert [s["code"] for s in body["schools"]] == ["PC-101", "PC-102"]
    assert body["uncovered_schools"] == []
    for school in body["schools"]:
        assert school["covered"] is True and school["refunds_due"] == "0.00"
        assert (
            school["subsidy_received"],
            school["subsidy_used"],
            school["subsidy_unused"],
        ) == ("10000.00", "5000.00", "5000.00")


def test_the_leaver_was_refunded_exactly_what_was_unconsumed(served):
    school = School.id_for("PC-101")
    body = served.get(f"/v1/schools/{school}/students/PC-101-S005/balance").json()
    assert body["charged"] == "360.00" and body["paid"] == "360.00"
    assert body["refunded"] == body["refund_paid"] == body["cancelled"]
    assert body["owed"] == body["credit"] == body["held"] == "0.00"
    assert body["status"] == "settled"


def test_an_unknown_student_is_a_problem_not_a_crash(served):
    school = School.id_for("PC-101")
    response = served.get(f"/v1/schools/{school}/students/nobody/balance")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


def test_bad_input_is_a_422_problem(served):
    response = served.get("/v1/ledger/trial-balance", params={"as_of": "yesterday"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.as_of"


def test_the_openapi_document_is_served(served):
    paths = served.get("/openapi.json").json()["paths"]
    assert "/v1/ledger/trial-balance" in paths


def test_a_demo_payment_is_traced_to_the_sessions_and_salaries_it_paid(served):
    school = School.id_for("PC-101")
    params = {"channel": "wechat", "reference": "PC-101-S001-0901"}
    trace = served.get(f"/v1/schools/{school}/payments/trace", params=params).json()
    uses = trace["uses"]
    # the payment named Homework club 3A: only that course's sessions used it
    assert uses and all(u["kind"] == "session" for u in uses)
    assert {u["details"]["course_code"] for u in uses} == {"HW-3A"}
    used = sum(Decimal(u["amount"]) for u in uses)
    assert used + Decimal(trace["remaining"]) == Decimal(trace["amount"])
    september = [u for u in uses if u["day"] < "2026-10-01"]
    assert september and all(
        u["teacher_pay"] == "50.00"
        and u["details"]["teacher_bank_reference"] == "SAL-T01-09"
        and "PC-101-S001" in u["details"]["present"]
        for u in september
    )


def test_the_demo_guardian_confirms_one_recent_session_and_disputes_another(sample):
    """As ``fundledger demo`` leaves it on a day of the term: the sessions of
    the guardian's child's course on the last working days, each recorded on
    its evening, await the family."""
    system, school = sample.system, School.id_for("PC-101")
    clock, real = SimulatedClock(), system.funds.clock
    clock.set(date(2026, 11, 20), 19)  # a Friday, after the day's sessions
    system.funds.clock = clock
    try:
        guardians = record_people(system.bus, system.registry)
        assert guardians["PC-101"][0] == DEMO_GUARDIAN
        guardian_id = person_id_for(school, Kind.GUARDIAN, DEMO_GUARDIAN)
        days = record_recent(system.bus, system.registry.children_of(guardian_id))
        assert days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
        token = sample.token(DEMO_GUARDIAN, Role.GUARDIAN, schools=["PC-101"])
        with sample.client(token) as guardian:
            now = {"min_position": system.funds.head()}
            awaiting = guardian.get("/v1/guardian/shares", params=now).json()
            assert [
                (s["student_id"], s["course_code"], s["day"]) for s in awaiting
            ] == [("PC-101-S001", "HW-3A", str(day)) for day in days]
            # each recorded on its own evening: seven working days from each
            assert [s["confirm_by"] for s in awaiting] == [
                "2026-11-27",
                "2026-11-30",
                "2026-12-01",
            ]
            first, second, _ = awaiting
            course, child = first["course_id"], first["student_id"]
            confirmed = guardian.post(
                f"/v1/courses/{course}/confirmations",
                json={"student_id": child, "day": first["day"]},
            )
            assert confirmed.status_code == 201, confirmed.text
            disputed = guardian.post(
                f"/v1/courses/{course}/disputes",
                json={"student_id": child, "day": second["day"], "grounds": "absent"},
            )
            assert disputed.status_code == 201, disputed.text
            now = {"min_position": disputed.json()["position"]}
            states = {
                share["day"]: share["state"]
                for state in ("awaiting", "confirmed", "disputed")
                for share in guardian.get(
                    "/v1/guardian/shares", params=now | {"state": state}
                ).json()
                if share["day"] in {str(day) for day in days}
            }
        assert states == dict(
            zip(map(str, days), ("confirmed", "disputed", "awaiting"), strict=True)
        )
    finally:
        system.funds.clock = real
