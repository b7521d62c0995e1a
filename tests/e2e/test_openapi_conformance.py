"""Schemathesis against the app's own OpenAPI, over real HTTP: generated
requests never get a 5xx, and every response matches the documented schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from infra.tokens import Role
from tests.e2e.test_authorization_matrix import INSIDE

MONEY = ("/payments", "/refunds", "/subsidies", "/allocations", "/approval", "/payment")
MONEY += ("/payroll", "/reallocation", "/cancellation")
EXAMPLES_PER_OPERATION = 16
SLOW_MACHINE_SECONDS = 60  # an abandoned request would keep its connection busy
# A schema-valid request may still break a business rule (a term ending before
# it starts): that is a 422 problem by design, not a schema failure.
RULES = [positive_data_acceptance]


def role_for(method: str, path: str) -> str:
    if method == "GET":
        return "read"
    return "money" if path.endswith(MONEY) else "setup"


def exercise(operation, token: str, calls: list[int]) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}

    # half the cases name real things, so bodies reach the domain rules
    @given(case=operation.as_strategy(), real=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case, real):
        if case.path_parameters and real:
            inside = INSIDE.values()
            case.path_parameters = {k: inside[k] for k in case.path_parameters}
        response = case.call_and_validate(
            headers=headers, excluded_checks=RULES, timeout=SLOW_MACHINE_SECONDS
        )
        calls.append(response.status_code)

    try:
        check()
    except Exception as failure:  # every operation's failure is reported
        return [f"{operation.method.upper()} {operation.path}: {failure}"]
    return []


def test_generated_requests_get_documented_answers_and_never_a_5xx(sample):
    tokens = {
        "read": sample.token("st-regulator", Role.REGULATOR, district="Pingcheng"),
        "money": sample.token("st-bursar", Role.BURSAR, schools=["PC-101"]),
        "setup": sample.token("st-admin", Role.SCHOOL_ADMIN, schools=["PC-101"]),
    }
    schema = schemathesis.openapi.from_url(f"{sample.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: list[int] = []
    failures = []
    for operation in operations:
        token = tokens[role_for(operation.method.upper(), operation.path)]
        failures.extend(exercise(operation, token, calls))
    assert failures == []
    assert len(operations) >= 25 and len(calls) >= 300
