"""A family's dispute: the school answers within the term's working days, a
rejection may be escalated to the regulator, and time settles what nobody
acted on."""

from datetime import date

import pytest

from domain.course import Course
from domain.dispute import NOT_ESCALATED, UNANSWERED, Dispute, Status
from domain.errors import (
    AnswerWindowClosed,
    Blank,
    DisputeNotPending,
    EscalatedToRegulator,
    EscalationWindowClosed,
    UnknownDisputeGrounds,
)
from domain.ledger import journal
from infra.calendar import prc_working_days
from tests.builders import a_course, deliver, enrolled, history, stamp, then

PRC = prc_working_days()
EVE = date(2026, 9, 30)  # the eve of National Day week
ANSWER_BY = date(2026, 10, 13)  # 5 working days on: 8, 9, 10 (Sat), 12, 13 Oct
EVIDENCE = "attendance sheet signed by the child"


def opened(on: date = EVE, grounds: str = "absent") -> Dispute:
    course = a_course()
    return Dispute.open(
        school_id=course.school_id,
        course_id=course.id,
        session_id=Course.session_id_for(course.id, on),
        day=on,
        student_id="s1",
        grounds=grounds,
        amount=450,
        answer_by=PRC.after(on, 5),
        stamp=stamp(on),
    )


def rejected(on: date = EVE) -> Dispute:
    dispute = opened()
    dispute.reject(EVIDENCE, PRC, 5, stamp=stamp(on))
    return history(dispute)


def escalated() -> Dispute:
    dispute = rejected()
    dispute.escalate(stamp=stamp(ANSWER_BY))
    return history(dispute)


def test_a_dispute_opens_on_known_grounds_with_an_answer_date():
    dispute = opened()
    [event] = then(dispute)
    assert isinstance(event, Dispute.Opened)
    assert (event.grounds, event.amount, event.answer_by) == ("absent", 450, ANSWER_BY)
    assert dispute.status is Status.OPEN and dispute.pending
    assert journal(event) is None  # the course holds the money, not the dispute


def test_a_dispute_on_unknown_grounds_is_refused():
    with pytest.raises(UnknownDisputeGrounds, match="not-held"):
        opened(grounds="too expensive")


def test_the_school_accepts_an_open_dispute_by_its_answer_date():
    dispute = history(opened())
    dispute.accept(stamp=stamp(ANSWER_BY))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Accepted)
    assert dispute.status is Status.ACCEPTED and dispute.credited
    assert not dispute.pending


def test_the_school_answers_no_later_than_its_answer_date():
    dispute = history(opened())
    late = stamp(date(2026, 10, 14))
    with pytest.raises(AnswerWindowClosed) as refused:
        dispute.accept(stamp=late)
    assert refused.value.context["rule"] == UNANSWERED
    with pytest.raises(AnswerWindowClosed):
        dispute.reject(EVIDENCE, PRC, 5, stamp=late)
    assert then(dispute) == []


def test_a_rejection_gives_the_family_working_days_to_escalate():
    dispute = history(opened())
    dispute.reject(EVIDENCE, PRC, 5, stamp=stamp(EVE))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Rejected)
    assert event.escalate_by == dispute.escalate_by == ANSWER_BY
    assert dispute.status is Status.REJECTED and dispute.pending


def test_a_rejection_states_its_evidence():
    dispute = history(opened())
    with pytest.raises(Blank):
        dispute.reject("  ", PRC, 5, stamp=stamp(EVE))


def test_a_dispute_is_answered_once():
    dispute = rejected()
    with pytest.raises(DisputeNotPending):
        dispute.accept(stamp=stamp(EVE))
    with pytest.raises(DisputeNotPending):
        dispute.reject(EVIDENCE, PRC, 5, stamp=stamp(EVE))


def test_the_family_escalates_a_rejection_by_its_escalation_date():
    dispute = rejected()
    dispute.escalate(stamp=stamp(ANSWER_BY))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Escalated)
    assert dispute.status is Status.ESCALATED and dispute.pending


def test_a_rejection_is_not_escalated_after_its_escalation_date():
    dispute = rejected()
    with pytest.raises(EscalationWindowClosed) as refused:
        dispute.escalate(stamp=stamp(date(2026, 10, 14)))
    assert refused.value.context["rule"] == NOT_ESCALATED


def test_only_a_rejected_dispute_is_escalated():
    with pytest.raises(DisputeNotPending):
        history(opened()).escalate(stamp=stamp(EVE))
    with pytest.raises(DisputeNotPending):
        escalated().escalate(stamp=stamp(ANSWER_BY))


def test_the_school_does_not_answer_an_escalated_dispute():
    dispute = escalated()
    with pytest.raises(EscalatedToRegulator) as refused:
        dispute.accept(stamp=stamp(ANSWER_BY))
    assert refused.value.status == 403
    with pytest.raises(EscalatedToRegulator):
        dispute.reject(EVIDENCE, PRC, 5, stamp=stamp(ANSWER_BY))


@pytest.mark.parametrize(
    ("upheld", "status", "credited"),
    [(True, Status.UPHELD, True), (False, Status.DISMISSED, False)],
)
def test_the_regulator_decides_an_escalated_dispute(upheld, status, credited):
    dispute = escalated()
    dispute.decide(upheld=upheld, stamp=stamp(date(2026, 11, 2)))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Decided) and event.upheld is upheld
    assert (dispute.status, dispute.credited, dispute.pending) == (
        status,
        credited,
        False,
    )


def test_the_regulator_decides_only_what_is_escalated():
    for dispute in (history(opened()), rejected()):
        with pytest.raises(DisputeNotPending):
            dispute.decide(upheld=True, stamp=stamp(ANSWER_BY))


def test_an_unanswered_dispute_lapses_into_acceptance():
    dispute = history(opened())
    assert not dispute.lapse(stamp=stamp(ANSWER_BY))
    assert dispute.lapse(stamp=stamp(date(2026, 10, 14)))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Lapsed)
    assert (event.rule, event.deadline) == (UNANSWERED, ANSWER_BY)
    assert dispute.status is Status.ACCEPTED and dispute.credited


def test_a_rejection_not_escalated_lapses_into_release():
    dispute = rejected()
    assert not dispute.lapse(stamp=stamp(ANSWER_BY))
    assert dispute.lapse(stamp=stamp(date(2026, 10, 14)))
    [event] = then(dispute)
    assert (event.rule, event.deadline) == (NOT_ESCALATED, ANSWER_BY)
    assert dispute.status is Status.RELEASED and not dispute.credited


def test_an_escalated_or_settled_dispute_never_lapses():
    accepted = history(opened())
    accepted.accept(stamp=stamp(EVE))
    history(accepted)
    for dispute in (escalated(), accepted):
        assert not dispute.lapse(stamp=stamp(date(2027, 1, 15)))
        assert then(dispute) == []


def test_a_lapsed_dispute_credits_the_held_share_back_on_the_course():
    course = enrolled(a_course(fee=1000, planned_sessions=10), "s1")
    deliver(course, EVE, present=["s1"])
    dispute = history(opened())
    course.hold("s1", EVE, dispute_id=dispute.id, stamp=stamp(EVE))
    history(course)
    dispute.lapse(stamp=stamp(date(2026, 10, 14)))
    course.settle_held(
        "s1",
        EVE,
        dispute_id=dispute.id,
        credited=dispute.credited,
        stamp=stamp(date(2026, 10, 14)),
    )
    [settled] = then(course)
    assert isinstance(settled, Course.HeldShareSettled)
    assert (settled.amount, settled.credited) == (100, True)
    assert journal(settled) is not None  # balanced
    assert course.seats["s1"].disputed == 0
