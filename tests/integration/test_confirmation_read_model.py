"""Shares that await a family and the disputes about them, read back after
commands sent through the message bus: confirmed by the guardian or by
silence, held by disputes that the school answers, the regulator decides or
time settles, reversed with their delivery; rebuilt, the rows are the same."""

from datetime import date, time

import psycopg
import pytest

from application import commands as c
from domain.course import Course
from domain.dispute import NOT_ESCALATED, UNANSWERED, Dispute
from domain.facts import Actor
from domain.school import Term
from projections import confirmations as q
from tests.conftest import make_system
from tests.integration.test_term_story import SEP, Story

SHARE = 3000  # ¥300 over 10 sessions
REGULATOR = Actor("regulator-1", "regulator", None, "D1")


def guardian(story: Story, student: str) -> Actor:
    schools, students = frozenset({story.school}), frozenset({student})
    return Actor(f"guardian-{student}", "guardian", schools, None, students)


class Disputes:
    """The story's disputes, by family and session."""

    def __init__(self, story: Story) -> None:
        def of(student: str, day: date):
            return Dispute.id_for(Course.session_id_for(story.course, day), student)

        self.b1 = of("b", SEP[1])  # not answered in time: accepted
        self.a2 = of("a", SEP[2])  # rejected, escalated, upheld
        self.b2 = of("b", SEP[2])  # accepted
        self.b3 = of("b", SEP[3])  # rejected, not escalated: released


def play(story: Story) -> None:
    """Course C1 of school S1, on-confirmation: a, b pay, c is exempt."""
    a, b, course = guardian(story, "a"), guardian(story, "b"), story.course
    story.set_up()
    for day in (SEP[1], SEP[2], SEP[3]):
        story.deliver(day, "a", "b", "c")
    story.deliver(SEP[4], "a")  # b absent consumes nothing
    story.do(c.ConfirmShares(course, "a", SEP[1], earlier_too=True), a, SEP[3])
    story.do(c.OpenDispute(course, "b", SEP[1], "not-held"), b, SEP[3])
    story.do(c.OpenDispute(course, "a", SEP[2], "absent", "was ill"), a, SEP[3])
    story.do(c.OpenDispute(course, "b", SEP[2], "other-teacher"), b, SEP[4])
    story.do(c.OpenDispute(course, "b", SEP[3], "other"), b, SEP[4])
    ids = Disputes(story)
    story.do(c.AnswerDispute(ids.a2, False, "register signed"), on=SEP[4])
    story.do(c.AnswerDispute(ids.b2, True), on=SEP[4])
    story.do(c.AnswerDispute(ids.b3, False, "photo of the class"), on=SEP[7])
    story.do(c.EscalateDispute(ids.a2), a, SEP[7])
    story.do(c.DecideDispute(ids.a2, True, "no register that day"), REGULATOR, SEP[8])
    # reversed: once confirmed, never confirmed, and to be delivered again
    story.deliver(SEP[7], "a", "b")
    story.do(c.ConfirmShares(course, "a", SEP[7]), a, SEP[8])
    story.do(c.ReverseSession(course, SEP[7], "wrong course"), on=SEP[8])
    story.deliver(SEP[8], "a")
    story.do(c.ReverseSession(course, SEP[8], "no class that day"), on=SEP[8])
    story.do(c.ReverseSession(course, SEP[4], "b was there"), on=SEP[8])
    story.do(session(story, SEP[4], "a", "b"), on=SEP[8])


def session(story: Story, day: date, *present: str) -> c.DeliverSession:
    starts, ends = time(15, 30), time(17, 30)
    return c.DeliverSession(
        story.course, story.term, day, starts, ends, story.teacher, present
    )


def settle_by_time(story: Story, today: date) -> int:
    """The nightly run: candidates read from the read model, settled by the bus."""
    queries = story.system.queries
    story.system.projector.catch_up()
    courses = tuple(q.courses_awaiting(queries, today))
    return story.do(
        c.SettleByTime(courses, tuple(q.disputes_due(queries, today))), on=today
    )


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    play(story)
    return story


def shares(system, course) -> dict[tuple[str, date], tuple]:
    with psycopg.connect(system.database.conninfo) as conn:
        rows = conn.execute(
            "SELECT student_id, day, state, settled_by, rule, amount"
            " FROM family_shares WHERE course_id = %s",
            (course,),
        ).fetchall()
    return {(s, d): tuple(rest) for s, d, *rest in rows}


def dump(system) -> list[list[tuple]]:
    tables = {"family_shares": "course_id, student_id, day", "disputes": "dispute_id"}
    with psycopg.connect(system.database.conninfo) as conn:
        return [
            conn.execute(f"SELECT * FROM {name} ORDER BY {key}").fetchall()
            for name, key in tables.items()
        ]


def test_the_nightly_run_finds_what_time_settles(story, system):
    ids = Disputes(story)
    system.projector.catch_up()
    assert q.courses_awaiting(system.queries, SEP[15]) == [story.course]
    assert q.courses_awaiting(system.queries, SEP[3]) == []
    assert set(q.disputes_due(system.queries, SEP[15])) == {ids.b1, ids.b3}
    assert q.disputes_due(system.queries, SEP[10]) == []

    settle_by_time(story, SEP[15])
    system.projector.catch_up()
    assert q.disputes_due(system.queries, SEP[16]) == []
    # the shares left await until their last day, the 17th, has passed
    assert q.courses_awaiting(system.queries, SEP[17]) == []
    assert q.courses_awaiting(system.queries, SEP[18]) == [story.course]


def test_each_share_reads_back_as_it_was_settled(story, system):
    settle_by_time(story, SEP[15])
    system.projector.catch_up()
    assert shares(system, story.course) == {
        ("a", SEP[1]): ("confirmed", "guardian", None, SHARE),
        ("a", SEP[2]): ("credited", "dispute", None, SHARE),
        ("a", SEP[3]): ("confirmed", "silence", "silence-confirms", SHARE),
        ("a", SEP[4]): ("awaiting", None, None, SHARE),
        ("a", SEP[7]): ("reversed", "guardian", None, SHARE),
        ("a", SEP[8]): ("reversed", None, None, SHARE),
        ("b", SEP[1]): ("credited", "dispute", None, SHARE),
        ("b", SEP[2]): ("credited", "dispute", None, SHARE),
        ("b", SEP[3]): ("released", "dispute", None, SHARE),
        ("b", SEP[4]): ("awaiting", None, None, SHARE),
        ("b", SEP[7]): ("reversed", None, None, SHARE),
    }


def test_a_family_lists_its_shares_by_day_with_the_course(story, system):
    ids = Disputes(story)
    system.projector.catch_up()
    school = [story.school]
    held = q.shares_of(system.queries, school, ["b"], states=["disputed"])
    assert [(s.day, s.dispute_id, s.settled_at) for s in held] == [
        (SEP[1], ids.b1, None),
        (SEP[3], ids.b3, None),
    ]
    assert (held[0].course_code, held[0].course_name) == ("C1", "Chess")
    [a4] = q.shares_of(system.queries, school, ["a"], states=["awaiting"])[-1:]
    assert (a4.day, a4.confirm_by) == (SEP[4], SEP[17])  # recorded on the 8th
    both = q.shares_of(system.queries, school, ["a", "b"])
    assert len(both) == 11 and [s.day for s in both] == sorted(s.day for s in both)
    assert {s.student_id for s in q.shares_of(system.queries, school, ["a"])} == {"a"}
    assert q.shares_of(system.queries, school, []) == []
    assert q.shares_of(system.queries, school, ["c"]) == []  # exempt


def test_disputes_are_listed_by_status_oldest_first_a_page_at_a_time(story, system):
    ids = Disputes(story)
    settle_by_time(story, SEP[15])
    system.projector.catch_up()
    school = [story.school]

    first = q.disputes_of(system.queries, school, today=SEP[15], limit=3)
    rest = q.disputes_of(
        system.queries, school, today=SEP[15], limit=3, after=first[-1].after
    )
    # opened at the same instant two by two: the id breaks the tie
    oldest = sorted((ids.b1, ids.a2)) + sorted((ids.b2, ids.b3))
    assert [d.dispute_id for d in first + rest] == oldest
    assert [d.age_days for d in first + rest] == [12, 12, 11, 11]
    b1, a2 = sorted(first[:2], key=lambda d: d.dispute_id != ids.b1)
    assert (b1.status, b1.rule, b1.answer_by, b1.escalate_by) == (
        "accepted",
        UNANSWERED,
        SEP[10],
        None,
    )
    assert (b1.grounds, b1.amount, b1.course_code, b1.day) == (
        "not-held",
        SHARE,
        "C1",
        SEP[1],
    )
    assert (a2.status, a2.escalate_by, a2.actor, a2.role) == (
        "upheld",
        SEP[11],
        "regulator-1",
        "regulator",
    )
    [b3] = q.disputes_of(system.queries, school, today=SEP[15], status="released")
    assert (b3.dispute_id, b3.rule, b3.settled_at is not None) == (
        ids.b3,
        NOT_ESCALATED,
        True,
    )
    assert q.dispute_counts(system.queries, school) == {
        "open": 0,
        "rejected": 0,
        "escalated": 0,
        "accepted": 2,
        "upheld": 1,
        "released": 1,
        "dismissed": 0,
    }


def test_pending_disputes_are_counted_as_they_stand(story, system):
    system.projector.catch_up()
    counts = q.dispute_counts(system.queries, [story.school])
    assert (counts["open"], counts["rejected"], counts["upheld"]) == (1, 1, 1)
    [rejected] = q.disputes_of(
        system.queries, [story.school], today=SEP[8], status="rejected"
    )
    assert (rejected.escalate_by, rejected.actor, rejected.age_days) == (
        SEP[14],
        "admin-1",
        4,
    )


def test_shares_released_on_delivery_have_no_rows(story, system, clock):
    other = Story(system, clock)
    other.term = Term.id_for(story.school, "T0")
    other.course = Course.id_for(other.term, "C0")
    ends = date(2027, 1, 15)
    other.do(
        c.OpenTerm(
            story.school, "T0", SEP[1], ends, 30000, 36000, 10, release="on-delivery"
        )
    )
    other.do(c.OpenCourse(other.term, "C0", "Go", "science", 30, story.teacher))
    other.do(c.Enrol(other.course, "a", SEP[1]))
    other.deliver(SEP[9], "a")
    other.deliver(SEP[10], "a")
    other.do(c.ReverseSession(other.course, SEP[10], "recorded twice"), on=SEP[10])
    system.projector.catch_up()
    assert shares(system, other.course) == {}
    assert len(shares(system, story.course)) == 11


def test_a_rebuild_in_any_batches_gives_identical_rows(story, system, database):
    settle_by_time(story, SEP[15])
    system.projector.catch_up()
    expected = dump(system)
    assert [len(rows) for rows in expected] == [11, 4]

    system.projector.reset(["confirmations"])
    assert dump(system) == [[], []]
    system.projector.catch_up()
    assert dump(system) == expected

    one_by_one = make_system(database, projection_batch=1)
    try:
        one_by_one.projector.reset(["confirmations"])
        one_by_one.projector.catch_up()
        assert dump(one_by_one) == expected
    finally:
        one_by_one.close()
