"""Signed digests a regulator keeps, and the proofs checked against them."""

import json
from datetime import UTC, datetime

import psycopg
import pytest

from api.schemas import ProofPublic
from application import commands as c
from infra.chain import canonical, link
from infra.digests import (
    Digest,
    DigestError,
    check_against,
    check_inclusion,
    check_signature,
    create_keys,
    load_key_set,
    load_private,
    make_digest,
)
from infra.verified import TreeError
from tests.builders import BURSAR
from tests.integration.test_term_story import SEP, Story

NOW = datetime(2026, 9, 30, 12, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


@pytest.fixture
def keys(tmp_path):
    private, published = create_keys(tmp_path, PASSPHRASE, CREATED)
    return load_private(private, PASSPHRASE), load_key_set(published)


def test_a_digest_is_signed_and_the_untouched_log_extends_it(story, system, keys):
    private, public = keys
    digest = make_digest(system.verified, private, NOW)
    check_signature(digest, public)
    assert digest.position == system.funds.head()
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "LATER", SEP[9]), BURSAR)
    found = check_against(system.chain, Digest.from_json(digest.to_json()), public)
    assert found.intact and found.new_size == digest.size + 1


def test_a_history_rewritten_with_its_chain_is_caught_by_the_digest(
    story, system, keys
):
    private, public = keys
    digest = make_digest(system.verified, private, NOW)
    rewrite_event_and_chain(system, position=5)
    assert system.chain.verify().intact  # the chain alone was fooled
    found = check_against(system.chain, digest, public)
    assert not found.intact and "rewritten" in found.message


def test_a_forged_signature_or_another_key_is_refused(story, system, keys, tmp_path):
    private, public = keys
    digest = make_digest(system.verified, private, NOW)
    forged = Digest(**digest.__dict__ | {"merkle_root": "00" * 32})
    with pytest.raises(DigestError, match="signature"):
        check_signature(forged, public)
    _, other = create_keys(tmp_path / "other", PASSPHRASE, CREATED)
    with pytest.raises(DigestError, match="not in the key set"):
        check_signature(digest, load_key_set(other))


def test_an_inclusion_proof_checks_against_a_digest_without_the_database(
    story, system, keys
):
    private, _ = keys
    digest = json.loads(make_digest(system.verified, private, NOW).to_json())
    for position in (1, 5, system.funds.head()):
        found = system.verified.prove_inclusion(position, digest["size"])
        proof = ProofPublic.of(found).model_dump()  # as served
        assert check_inclusion(proof, digest)
        tampered = proof | {"leaf": ("ff" + proof["leaf"][2:])}
        assert not check_inclusion(tampered, digest)
        if proof["proof"]:
            flipped = [
                ("00" if p[:2] != "00" else "11") + p[2:] for p in proof["proof"]
            ]
            assert not check_inclusion(proof | {"proof": flipped}, digest)


def test_a_proof_past_the_end_of_the_log_is_refused(story, system):
    system.verified.advance()
    with pytest.raises(TreeError, match="no event at position"):
        system.verified.prove_inclusion(system.funds.head() + 5)
    with pytest.raises(TreeError, match="holds"):
        system.verified.prove_inclusion(1, size=10_000)


def rewrite_event_and_chain(system, *, position: int) -> None:
    """What someone with database access would do: edit an event, then rebuild
    the chain table so the chain agrees with the edit."""
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute(
            "UPDATE funds_events SET state = convert_to(replace(convert_from(state,"
            " 'UTF8'), 'School One', 'School 1'), 'UTF8') WHERE notification_id <= %s",
            (position,),
        )
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM funds_events ORDER BY notification_id"
        ).fetchall()
        previous = b""
        for n, oid, version, topic, state in rows:
            content = canonical(n, oid.bytes, version, topic, bytes(state))
            previous = link(previous, content)
            conn.execute(
                "UPDATE funds_chain SET hash = %s, leaf = sha256(%s)"
                " WHERE position = %s",
                (previous, content, n),
            )
