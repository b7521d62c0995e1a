"""An auditor follows a payment to the sessions and salaries it paid for."""

from datetime import date

import pytest

from application import commands as c
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.refund import Refund
from projections.trace import trace_payment
from tests.builders import BURSAR, SECOND_BURSAR
from tests.integration.test_term_story import SEP, Story


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def test_a_payment_is_traced_to_each_session_share_its_roster_and_teacher(
    story, system
):
    run = PayrollRun.id_for(story.school, date(2026, 9, 1))
    story.do(c.DraftPayroll(story.school, date(2026, 9, 1)), BURSAR, SEP[30])
    story.do(c.ApprovePayroll(run), SECOND_BURSAR, SEP[30])
    story.do(
        c.PayPayroll(run, ((story.teacher, "PAY-LI-09"),), SEP[30]), BURSAR, SEP[30]
    )
    system.projector.catch_up()

    trace = trace_payment(system.queries, Payment.id_for(story.school, "wechat", "W1"))
    assert (trace.student_id, trace.amount, trace.deposit_entry is not None) == (
        "a",
        30000,
        True,
    )
    assert [(u.kind, u.amount, u.day) for u in trace.uses] == [
        ("session", 3000, SEP[1]),
        ("session", 3000, SEP[2]),
        ("session", 3000, SEP[3]),
    ]
    first = trace.uses[0].details
    assert first["present"] == ["a", "b", "c"] and first["teacher_code"] == "li"
    assert trace.uses[0].teacher_pay == 5000
    assert first["teacher_bank_reference"] == "PAY-LI-09"
    assert trace.remaining == 21000


def test_a_refunded_remainder_ends_the_trace(story, system):
    story.do(
        c.RequestRefund(story.school, "b", 7000, "withdrew", "RF-b"), BURSAR, SEP[5]
    )
    refund = Refund.id_for(story.school, "RF-b")
    story.do(c.ApproveRefund(refund), SECOND_BURSAR, SEP[6])
    story.do(c.PayRefund(refund, "BANK-77", SEP[7]), BURSAR, SEP[7])
    system.projector.catch_up()

    trace = trace_payment(system.queries, Payment.id_for(story.school, "bank", "B1"))
    assert [(u.kind, u.amount) for u in trace.uses] == [
        ("session", 3000),
        ("refund", 7000),
    ]
    assert trace.uses[1].details["bank_reference"] == "BANK-77"
    assert trace.remaining == 0


def test_later_payments_take_over_once_earlier_ones_are_used_up(story, system):
    story.do(c.RecordPayment(story.school, "b", 1000, "bank", "B2", SEP[8]), BURSAR)
    for day in (8, 9, 10, 11):
        story.deliver(SEP[day], "a")
    story.do(c.RecordPayment(story.school, "a", 500, "bank", "A2", SEP[9]), BURSAR)
    system.projector.catch_up()
    assert (
        trace_payment(system.queries, Payment.id_for(story.school, "bank", "A2")).uses
        == []
    )
    assert trace_payment(
        system.queries, Payment.id_for(story.school, "wechat", "W1")
    ).remaining == (30000 - 7 * 3000)
