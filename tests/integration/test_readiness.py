"""Readiness without the projections running: an event waits, and past the
limit the service says it is not ready, and why."""

import json
from datetime import date

from api.routes.health import ready
from application import commands as c
from domain.facts import Actor


def test_an_event_waiting_for_the_read_models_makes_the_service_not_ready(
    system, clock
):
    actor = Actor("admin", "school_admin", district="D")
    clock.set(date(2026, 9, 1), 8)
    system.bus.handle(c.RegisterSchool("D", "R1", "Ready school"), actor)
    clock.set(date(2026, 9, 1), 9)  # an hour on, nothing has projected it
    answer = ready(system)
    assert answer.status_code == 503
    [reason] = json.loads(answer.body)["reasons"]
    assert "waited 3600 s" in reason

    system.projector.catch_up()
    assert ready(system).status_code == 200
