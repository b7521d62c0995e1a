"""An auditor finds payments by channel reference or family within their
schools, follows a piece of evidence to the event that recorded it, and
takes the latest digest kept."""

from datetime import UTC, datetime

import pytest
from psycopg.sql import SQL

from application import commands as c
from domain.course import Course
from domain.payment import Payment
from domain.school import School, Term
from infra.digests import create_keys, latest_kept, load_private, make_digest
from projections.auditing import event_recorded, payments_found, session_recorded
from tests.builders import BURSAR
from tests.integration.test_term_story import SEP, Story

ELSEWHERE = School.id_for("S2")  # a school of another auditor
_SESSION_ON = SQL(
    "SELECT session_id FROM service_sessions"
    " WHERE course_id = %(course)s AND day = %(day)s"
)


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    system.projector.catch_up()
    return story


def test_payments_are_found_by_reference_or_by_family_in_the_schools_only(
    story, system
):
    q, mine = system.queries, [story.school]
    [found] = payments_found(q, mine, reference="W1")
    assert (found.payment_id, found.student_id, found.amount, found.school_code) == (
        Payment.id_for(story.school, "wechat", "W1"),
        "a",
        30000,
        "S1",
    )
    story.do(c.RecordPayment(story.school, "a", 500, "bank", "A2", SEP[9]), BURSAR)
    system.projector.catch_up()
    family = payments_found(q, mine, student_id="a")
    assert [p.reference for p in family] == ["W1", "A2"]  # oldest first
    assert payments_found(q, [ELSEWHERE], reference="W1") == []
    assert payments_found(q, mine, reference="W1", student_id="b") == []
    assert payments_found(q, mine) == []  # nothing asked, nothing listed


def test_a_session_and_a_position_lead_to_the_event_that_recorded_them(story, system):
    q, mine = system.queries, [story.school]
    delivered = story.deliver(SEP[8], "a")
    system.projector.catch_up()
    course = Course.id_for(Term.id_for(story.school, "T"), "C1")
    session_id = _session_on(system, course, SEP[8])
    found = session_recorded(q, mine, session_id)
    assert (found.entity_id, found.position) == (course, delivered)
    assert session_recorded(q, [ELSEWHERE], session_id) is None
    at = event_recorded(q, mine, delivered)
    assert (at.entity_id, at.position) == (course, delivered)
    assert event_recorded(q, [ELSEWHERE], delivered) is None


def test_the_latest_digest_kept_is_the_one_of_the_longest_log(story, system, tmp_path):
    assert latest_kept(tmp_path / "digests") is None
    private, _ = create_keys(tmp_path / "keys", "a passphrase", datetime.now(UTC))
    key = load_private(private, "a passphrase")
    kept = tmp_path / "digests"
    kept.mkdir()
    first = make_digest(system.verified, key, datetime(2026, 9, 30, tzinfo=UTC))
    (kept / f"digest-{first.position}.json").write_text(first.to_json())
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "LATER", SEP[9]), BURSAR)
    later = make_digest(system.verified, key, datetime(2026, 10, 1, tzinfo=UTC))
    (kept / f"digest-{later.position}.json").write_text(later.to_json())
    (kept / "digest-999999.json").write_text("not a digest")
    assert latest_kept(kept) == later


def _session_on(system, course, day):
    rows = system.queries.rows(_SESSION_ON, {"course": course, "day": day})
    return rows[0]["session_id"]
