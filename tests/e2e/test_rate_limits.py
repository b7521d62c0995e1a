"""Requests beyond a rate are a 429 problem saying when to try again."""

from uuid import uuid4

import pytest

from infra.database import ensure_database
from infra.tokens import Role
from tests.conftest import make_system
from tests.e2e.conftest import serve


@pytest.fixture(scope="module")
def strict(pg_server):
    database = ensure_database(pg_server, f"e2e_{uuid4().hex[:12]}")
    system = make_system(
        database,
        failed_auth_burst=5,
        failed_auth_rate=0.01,
        token_burst=10,
        token_rate=0.01,
    )
    yield from serve(system)


def test_an_address_guessing_tokens_is_stopped_before_any_lookup(strict):
    guesser = strict.client("fl_not-a-token")
    answers = [guesser.get("/v1/ledger/trial-balance").status_code for _ in range(8)]
    assert answers == [401] * 5 + [429] * 3
    refused = guesser.get("/v1/ledger/trial-balance")
    assert refused.headers["Retry-After"].isdigit()
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-requests")


def test_a_token_is_held_to_its_rate(strict):
    strict.system.limits.failures.kept.clear()  # this address guessed above
    client = strict.client(strict.token("busy", Role.REGULATOR, district="D"))
    answers = [client.get("/v1/ledger/trial-balance").status_code for _ in range(12)]
    assert answers.count(429) == 2 and 429 not in answers[:10]
