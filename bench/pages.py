"""The console's home page of each role on the benchmark's log: the server's
time to answer (p50, p99, in process, no network) and the page's weight
with the assets it loads. A regulator's home covers the largest district."""

import re
from functools import partial

from api.app import create_app
from api.bootstrap import System
from api.console.signin import HOMES
from api.console.web import SESSION
from bench.common import Result, percentile, timed
from infra.tokens import Role
from projections import funds as f
from samples.people import name_generated

GOAL_MS, GOAL_KIB = 150.0, 300.0
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def run(system: System, district: str, quick: bool) -> list[Result]:
    school = f.funds(system.queries, district=district)[0]
    # The school's people named, as a school records them: its guardians
    # with their children, the names bursars and admins see.
    name_generated(system.bus, system.registry, system.queries, [school.school_id], 7)
    system.projector.catch_up()
    from fastapi.testclient import TestClient  # here: spawned workers skip it

    client = TestClient(create_app(system))
    results = []
    for role, home in HOMES.items():
        client.cookies.set(SESSION, _session(system, role, district, school))
        page = client.get(home)
        page.raise_for_status()
        weight = len(page.content) + sum(
            len(client.get(asset).content) for asset in set(ASSET.findall(page.text))
        )
        load = partial(client.get, home)
        samples = [timed(load) for _ in range(20 if quick else 200)]
        name = f"page.{role.value}"
        results += [
            Result(f"{name}.p50", percentile(samples, 50), "ms", "goal p99", GOAL_MS),
            Result(f"{name}.p99", percentile(samples, 99), "ms", "goal p99", GOAL_MS),
            Result(f"{name}.weight", weight / 1024, "KiB", "goal", GOAL_KIB),
        ]
    return results


def _session(system: System, role: Role, district: str, school: f.Fund) -> str:
    regulates = role in (Role.REGULATOR, Role.AUDITOR)
    grant, _ = system.tokens.create(
        subject=f"{school.code}-G001" if role is Role.GUARDIAN else f"bench-{role}",
        role=role,
        district=district if regulates or role is Role.SCHOOL_ADMIN else None,
        schools=() if regulates else (school.code,),
    )
    return system.sessions.open(grant.token_id)
