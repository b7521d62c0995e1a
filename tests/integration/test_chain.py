"""The hash chain on real PostgreSQL: an untouched log verifies; an edited
payload, a deleted row, two swapped rows and a forged row are each caught at
their position."""

import hashlib

import psycopg
import pytest

from application import commands as c
from domain.errors import AlreadyExists
from infra import chain
from infra.chain import canonical, link
from tests.builders import BURSAR
from tests.integration.test_term_story import SEP, Story


@pytest.fixture(autouse=True, params=["in one process", "in parallel ranges"])
def ranges(request, monkeypatch):
    """Every verdict is the same whether the log is checked in one pass or as
    ranges checked side by side."""
    if request.param == "in parallel ranges":
        monkeypatch.setattr(chain, "PARALLEL_FROM", 4)
        monkeypatch.setattr(chain, "WORKERS", 3)


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def sql(system, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def test_an_untouched_log_verifies_to_its_last_position(story, system):
    verdict = system.chain.verify()
    assert verdict.intact and verdict.position == system.funds.head()
    assert verdict.events == len(sql(system, "SELECT 1 FROM funds_events"))
    assert verdict.head == system.chain.head()[1]


def test_the_chain_can_be_recomputed_outside_the_database(story, system):
    rows = sql(
        system,
        "SELECT notification_id, originator_id, originator_version, topic, state"
        " FROM funds_events ORDER BY notification_id",
    )
    head = b""
    for n, oid, version, topic, state in rows:
        head = link(head, canonical(n, oid.bytes, version, topic, bytes(state)))
    assert head == system.chain.head()[1]
    first = rows[0]
    assert (
        head
        != hashlib.sha256(
            canonical(first[0], first[1].bytes, *first[2:4], bytes(first[4]))
        ).digest()
    )


def test_an_edited_payload_is_found_at_its_position(story, system):
    target = sql(
        system,
        "SELECT notification_id FROM funds_events "
        "WHERE topic LIKE '%Payment.Received' LIMIT 1",
    )[0][0]
    sql(
        system,
        "UPDATE funds_events SET state = convert_to(replace("
        "convert_from(state, 'UTF8'), '30000', '3000'), 'UTF8')"
        " WHERE notification_id = %s",
        (target,),
    )
    verdict = system.chain.verify()
    assert not verdict.intact and verdict.position == target
    assert "no longer matches" in verdict.problem


def test_a_single_changed_byte_is_found(story, system):
    target = 7
    sql(
        system,
        "UPDATE funds_events SET state = set_byte(state, 3, get_byte(state, 3)"
        " # 1) WHERE notification_id = %s",
        (target,),
    )
    verdict = system.chain.verify()
    assert (verdict.intact, verdict.position) == (False, target)


def test_a_deleted_row_is_found_at_its_position(story, system):
    sql(system, "DELETE FROM funds_events WHERE notification_id = 9")
    verdict = system.chain.verify()
    assert (verdict.intact, verdict.position) == (False, 9)
    assert "deleted" in verdict.problem


def test_two_swapped_rows_are_found_at_the_first(story, system):
    sql(
        system, "UPDATE funds_events SET notification_id = -1 WHERE notification_id = 5"
    )
    sql(system, "UPDATE funds_events SET notification_id = 5 WHERE notification_id = 6")
    sql(
        system, "UPDATE funds_events SET notification_id = 6 WHERE notification_id = -1"
    )
    verdict = system.chain.verify()
    assert (verdict.intact, verdict.position) == (False, 5)
    assert "reordered" in verdict.problem


def test_a_forged_row_slipped_in_without_its_trigger_is_found(story, system):
    head = system.funds.head()
    sql(system, "ALTER TABLE funds_events DISABLE TRIGGER funds_chain_append")
    sql(
        system,
        "INSERT INTO funds_events (originator_id, originator_version, topic,"
        " state, notification_id) SELECT gen_random_uuid(), 1, topic, state, %s"
        " FROM funds_events WHERE notification_id = 3",
        (head + 1,),
    )
    sql(system, "ALTER TABLE funds_events ENABLE TRIGGER funds_chain_append")
    verdict = system.chain.verify()
    assert (verdict.intact, verdict.position) == (False, head + 1)
    assert "never saw" in verdict.problem


def test_a_forged_row_in_a_gap_of_the_log_is_found(story, system):
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "GAP-1", SEP[9]), BURSAR)
    with pytest.raises(AlreadyExists):  # the refused insert leaves a gap behind it
        story.do(c.RegisterSchool("D1", "S1", "School One"))
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "GAP-2", SEP[9]), BURSAR)
    ids = [
        r[0] for r in sql(system, "SELECT notification_id FROM funds_events ORDER BY 1")
    ]
    gap = next(n for n in range(1, ids[-1]) if n not in ids)
    sql(
        system,
        "INSERT INTO funds_events (originator_id, originator_version, topic,"
        " state, notification_id) SELECT gen_random_uuid(), 1, topic, state, %s"
        " FROM funds_events WHERE notification_id = 3",
        (gap,),
    )
    verdict = system.chain.verify()
    assert (verdict.intact, verdict.position) == (False, gap)
