"""Liveness and readiness tell the truth, quickly."""

import re
import time

from application import commands as c
from domain.course import BEIJING
from domain.facts import Actor, Stamp
from domain.school import School


def test_a_served_fund_is_live_and_ready(sample):
    client = sample.client()
    assert client.get("/health/live").json() == {"status": "live"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["reasons"] == []
    assert client.get("/health").json()["status"] == "ok"


def test_a_failed_read_model_makes_the_service_not_ready(empty):
    """A read model stopped at an event it cannot store is named, with its
    position and error, and readiness says no within two seconds."""
    system = empty.system
    actor = Actor("admin", "school_admin", district="D")
    system.bus.handle(c.RegisterSchool("D", "H1", "Health school"), actor)
    school = system.funds.get(School.id_for("H1"))
    at = system.funds.clock()
    stamp = Stamp(actor, at, at.astimezone(BEIJING).date())
    school.trigger_event(  # what the API refuses, written around it
        School.BankAccountSet, school_id=school.id, account="CN\x00", **stamp.fields()
    )
    system.funds.record([school])
    client = empty.client()
    deadline = time.monotonic() + 10
    while client.get("/health").json()["status"] != "degraded":
        assert time.monotonic() < deadline, "the failure was never reported"
        time.sleep(0.2)
    started = time.monotonic()
    ready = client.get("/health/ready")
    assert time.monotonic() - started < 2
    assert ready.status_code == 503
    assert any("failed at position" in r for r in ready.json()["reasons"])
    assert re.search(
        r'fundledger_read_model_failed\{read_model="\w+"\} 1\.0', scraped(client)
    )


def scraped(client) -> str:
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_count_requests_by_route_and_refusals_by_rule(sample):
    """Counters are kept per process, so the test reads what its requests added."""
    client = sample.client()
    refusals = r'fundledger_refused_total\{rule="unauthenticated"\} ([\d.]+)'
    served = (
        r"fundledger_request_seconds_count"
        r'\{method="GET",route="/health/live",status="200"\} ([\d.]+)'
    )

    def count(pattern: str) -> float:
        found = re.search(pattern, scraped(client))
        return float(found[1]) if found else 0.0

    before = count(refusals), count(served)
    client.get("/health/live")
    refused = client.post("/v1/schools", json={"district": "D"})
    assert refused.json()["type"].endswith("/unauthenticated")
    assert (count(refusals), count(served)) == (before[0] + 1, before[1] + 1)
    text = scraped(client)
    assert re.search(r'fundledger_read_model_lag_events\{read_model="\w+"\} \d', text)
    assert re.search(r"fundledger_chain_verified_position \d", text)
    assert "fundledger_database_up 1.0" in text
