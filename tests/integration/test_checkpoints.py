"""Verification goes on from the last checkpoint, and proofs are read from the
stored levels of the tree: an audit costs what is new, and says the same as
recomputing everything."""

import threading

import psycopg
import pytest

from application import commands as c
from domain.merkle import (
    consistency_proof,
    inclusion_proof,
    root,
    verify_consistency,
)
from infra.verified import Busy
from tests.builders import BURSAR
from tests.integration.test_digests import rewrite_event_and_chain
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def pay(story: Story, reference: str) -> None:
    payment = c.RecordPayment(story.school, "a", 100, "bank", reference, SEP[9])
    story.do(payment, BURSAR)


def sql(system, statement: str, params=None) -> None:
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute(statement, params)


def test_a_check_recomputes_only_the_events_after_the_last_checkpoint(story, system):
    first = system.verified.advance()
    assert first.intact and (first.since, first.position) == (0, system.funds.head())
    assert first.events == system.verified.checkpoint().size
    pay(story, "LATER-1")
    pay(story, "LATER-2")
    second = system.verified.advance()
    assert second.intact and second.since == first.position
    assert second.position == system.funds.head() and second.events == 2
    assert "checked after the checkpoint" in second.message
    again = system.verified.advance()
    assert (again.intact, again.events, again.position) == (True, 0, second.position)
    assert system.verified.checkpoint().head == system.chain.head()[1]


def test_an_edit_after_the_checkpoint_is_found_and_nothing_is_stored(story, system):
    system.verified.advance()
    before = system.verified.checkpoint()
    pay(story, "LATER-1")
    target = system.funds.head()
    sql(
        system,
        "UPDATE funds_events SET state = set_byte(state, 3, get_byte(state, 3) # 1)"
        " WHERE notification_id = %s",
        (target,),
    )
    verdict = system.verified.advance()
    assert (verdict.intact, verdict.position, verdict.since) == (
        False,
        target,
        before.position,
    )
    assert system.verified.checkpoint() == before


def test_a_history_rewritten_with_its_chain_before_the_checkpoint_is_found(
    story, system
):
    system.verified.advance()
    checkpoint = system.verified.checkpoint()
    rewrite_event_and_chain(system, position=5)
    verdict = system.verified.advance()
    assert not verdict.intact and verdict.position == checkpoint.position
    assert "rewritten" in verdict.problem


def test_an_edit_before_the_checkpoint_is_left_to_the_whole_verification(story, system):
    system.verified.advance()
    sql(
        system,
        "UPDATE funds_events SET state = set_byte(state, 3, get_byte(state, 3) # 1)"
        " WHERE notification_id = 7",
    )
    assert system.verified.advance().intact  # trusted: it was verified already
    whole = system.verified.verify_whole()
    assert (whole.intact, whole.position, whole.since) == (False, 7, 0)


def test_a_whole_verification_records_when_it_ran_and_runs_one_at_a_time(story, system):
    assert system.verified.whole_verified_at() is None
    verdict = system.verified.verify_whole()
    assert verdict.intact and verdict.position == system.funds.head()
    assert system.verified.whole_verified_at() is not None
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (0x5EA1_0002,))
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(Busy):
            system.verified.verify_whole()
    finally:
        release.set()
        holder.join()


def test_proofs_from_the_stored_tree_equal_proofs_from_every_leaf(story, system):
    """Every position and several sizes, in three advances, against the RFC
    functions over all the leaves recomputed from the chain table."""
    system.verified.advance()
    pay(story, "LATER-1")
    system.verified.advance()
    pay(story, "LATER-2")
    pay(story, "LATER-3")
    system.verified.advance()
    positions, leaves = zip(*system.chain.leaves(), strict=True)
    size = len(leaves)
    checked = 0
    for old_size in sorted({1, 2, 7, size // 2, size - 3, size - 1, size}):
        for index in range(0, old_size, max(1, old_size // 9)):
            found = system.verified.prove_inclusion(positions[index], old_size)
            assert found.index == index and found.leaf == leaves[index]
            assert found.root == root(leaves[:old_size])
            assert found.proof == inclusion_proof(leaves[:old_size], index)
            checked += 1
        extension = system.verified.prove_consistency(old_size)
        assert extension.proof == consistency_proof(leaves, old_size)
        assert verify_consistency(
            old_size, size, root(leaves[:old_size]), root(leaves), extension.proof
        )
        checked += 1
    assert checked >= 40
