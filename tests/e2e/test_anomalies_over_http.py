"""An auditor asks for the findings of a generated district over real HTTP."""

from uuid import uuid4

import pytest

from domain.school import School
from infra.database import ensure_database
from infra.tokens import Role
from samples.simulate import ANOMALIES, Plan, simulate
from tests.conftest import make_system
from tests.e2e.conftest import serve

PLAN = Plan(schools=2, students=240, seed=2026, district="Yungang", anomalies=True)


@pytest.fixture(scope="module")
def yungang(pg_server):
    system = make_system(ensure_database(pg_server, f"e2e_{uuid4().hex[:12]}"))
    truth = simulate(system.bus, PLAN)
    system.projector.catch_up()
    for served in serve(system):
        token = served.token("auditor", Role.AUDITOR, district=PLAN.district)
        with served.client(token) as client:
            yield client, served, truth.as_dict()["cases"]


def cases(findings: list[dict]) -> list[str]:
    return sorted(f"{f['school_code']}|{f['subject']}" for f in findings)


def test_the_auditor_sees_exactly_what_was_injected(yungang):
    client, _, injected = yungang
    findings = client.get("/v1/audit/anomalies").json()
    for rule in ANOMALIES:
        assert cases([f for f in findings if f["rule"] == rule]) == injected[rule]
    assert all(f["evidence"] for f in findings)


def test_a_widely_disputed_course_names_the_disputes_its_school_lists(yungang):
    client, _, injected = yungang
    params = {"rule": "widely-disputed-course"}
    findings = client.get("/v1/audit/anomalies", params=params).json()
    assert cases(findings) == injected["widely-disputed-course"]
    for finding in findings:
        school = finding["school_id"]
        listed = client.get(f"/v1/schools/{school}/disputes", params={"limit": 500})
        disputes = {d["dispute_id"]: d for d in listed.json()["disputes"]}
        named = [e["id"] for e in finding["evidence"] if e["kind"] == "dispute"]
        assert len(named) >= 3 and set(named) <= set(disputes)
        assert len({disputes[d]["course_id"] for d in named}) == 1
        # the school's other disputes, one a course, are not part of it
        assert len(disputes) > len(named)


def test_findings_filter_by_rule_severity_and_school(yungang):
    client, _, injected = yungang
    ghosts = client.get("/v1/audit/anomalies", params={"rule": "ghost-teacher"})
    assert cases(ghosts.json()) == injected["ghost-teacher"]
    high = client.get("/v1/audit/anomalies", params={"severity": "high"}).json()
    assert high and {f["severity"] for f in high} == {"high"}
    school = School.id_for("YUN-001")
    one = client.get("/v1/audit/anomalies", params={"school_id": str(school)}).json()
    assert one and {f["school_code"] for f in one} == {"YUN-001"}


def test_an_unknown_rule_is_a_422_and_another_district_a_404(yungang):
    client, served, _ = yungang
    response = client.get("/v1/audit/anomalies", params={"rule": "ghost-bursar"})
    assert response.status_code == 422
    token = served.token("elsewhere", Role.AUDITOR, district="Pingcheng")
    with served.client(token) as outsider:
        school = School.id_for("YUN-001")
        response = outsider.get(
            "/v1/audit/anomalies", params={"school_id": str(school)}
        )
        assert response.status_code == 404
        assert outsider.get("/v1/audit/anomalies").json() == []


def test_reporting_a_term_surplus_clears_its_finding(yungang):
    client, served, _ = yungang
    params = {"rule": "term-surplus-unreported"}
    [finding, *_] = client.get("/v1/audit/anomalies", params=params).json()
    [term] = [e["id"] for e in finding["evidence"] if e["kind"] == "term"]
    bursar = served.token("bursar", Role.BURSAR, schools=[finding["school_code"]])
    with served.client(bursar) as c:
        reported = c.post(f"/v1/terms/{term}/surplus-report")
        assert reported.status_code == 200
        again = c.post(f"/v1/terms/{term}/surplus-report")
        assert again.status_code == 409, again.text
        assert again.json()["type"].endswith("/already-reported")
    params["min_position"] = reported.json()["position"]
    left = client.get("/v1/audit/anomalies", params=params).json()
    assert term not in {e["id"] for f in left for e in f["evidence"]}
