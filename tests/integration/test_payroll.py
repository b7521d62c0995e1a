"""Teacher pay from delivered sessions: drafted, approved by a second person,
paid; explainable session by session; corrected only in a later run."""

from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from application import commands as c
from domain.course import Course
from domain.errors import (
    FundWouldBeUncovered,
    MissingBankReference,
    NothingToPay,
    PayrollStale,
    RateLocked,
    SameApprover,
)
from domain.facts import Actor
from domain.payroll import PayrollRun
from projections import funds as f
from tests.builders import ADMIN, BURSAR, SECOND_BURSAR
from tests.conftest import reset
from tests.integration.test_term_story import SEP, Story

SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)
HEAD = Actor("head-1", "bursar")


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def run_of(story, month: date):
    return PayrollRun.id_for(story.school, month)


def pay_month(story, month: date, on: date) -> None:
    run = run_of(story, month)
    story.do(c.DraftPayroll(story.school, month), BURSAR, on)
    story.do(c.ApprovePayroll(run), SECOND_BURSAR, on)
    refs = ((story.teacher, f"PAY-{month:%Y%m}"),)
    story.do(c.PayPayroll(run, refs, on), BURSAR, on)


def test_a_month_is_drafted_approved_by_another_and_paid(story, system):
    pay_month(story, SEPTEMBER, SEP[30])
    system.projector.catch_up()
    payroll = system.queries.payroll(run_id=run_of(story, SEPTEMBER))
    assert payroll.status == "paid" and payroll.total == 15000
    assert [(x.day, x.roster, x.amount) for x in payroll.lines] == [
        (SEP[1], 3, 5000),
        (SEP[2], 2, 5000),
        (SEP[3], 2, 5000),
    ]
    assert {x.bank_reference for x in payroll.lines} == {"PAY-202609"}
    fund = f.fund(system.queries, story.school).figures
    assert (fund.bank, fund.teacher_pay_due) == (140000 - 15000, 0)
    trial = system.queries.trial_balance([story.school])
    assert trial.total_debit == trial.total_credit


def test_the_drafter_cannot_approve(story, system):
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    head = system.funds.head()
    with pytest.raises(SameApprover, match="drafter"):
        story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), BURSAR, SEP[30])
    assert system.funds.head() == head


def test_whoever_set_a_rate_cannot_approve_the_pay_at_it(story, system):
    story.do(c.ChangeRate(story.teacher, 6000, SEP[2]), SECOND_BURSAR, SEP[4])
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    with pytest.raises(SameApprover, match="rate"):
        story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), SECOND_BURSAR, SEP[30])
    with pytest.raises(SameApprover, match="rate"):  # the admin set the first rate
        story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), ADMIN, SEP[30])
    story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), HEAD, SEP[30])


def test_a_payroll_drafted_before_a_correction_must_be_redrafted(story, system):
    story.deliver(SEP[7], "a")
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    story.do(c.ReverseSession(story.course, SEP[7], "wrong class"), ADMIN, SEP[30])
    with pytest.raises(PayrollStale, match="redraft"):
        story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), SECOND_BURSAR, SEP[30])
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), SECOND_BURSAR, SEP[30])


def test_of_two_rates_set_for_the_same_day_the_later_one_counts(story, system):
    story.do(c.ChangeRate(story.teacher, 8000, SEP[2]), ADMIN, SEP[4])
    story.do(c.ChangeRate(story.teacher, 6000, SEP[2]), ADMIN, SEP[4])
    pay_month(story, SEPTEMBER, SEP[30])
    system.projector.catch_up()
    payroll = system.queries.payroll(run_id=run_of(story, SEPTEMBER))
    assert [x.amount for x in payroll.lines] == [5000, 6000, 6000]


def test_pay_is_at_the_rate_in_force_on_each_day_and_accruals_are_trued_up(
    story, system
):
    story.do(c.ChangeRate(story.teacher, 6000, SEP[2]), ADMIN, SEP[4])
    pay_month(story, SEPTEMBER, SEP[30])
    system.projector.catch_up()
    payroll = system.queries.payroll(run_id=run_of(story, SEPTEMBER))
    assert [x.amount for x in payroll.lines] == [5000, 6000, 6000]
    assert [x.accrued for x in payroll.lines] == [5000, 5000, 5000]
    assert f.fund(system.queries, story.school).figures.teacher_pay_due == 0


def test_a_rate_cannot_change_pay_already_approved(story, system):
    pay_month(story, SEPTEMBER, SEP[30])
    head = system.funds.head()
    with pytest.raises(RateLocked, match="2026-09-30 is approved"):
        story.do(c.ChangeRate(story.teacher, 9000, SEP[15]), ADMIN, OCTOBER)
    assert system.funds.head() == head
    story.do(c.ChangeRate(story.teacher, 9000, OCTOBER), ADMIN, OCTOBER)


def test_a_session_reversed_after_payment_is_taken_back_in_a_later_run(story, system):
    story.deliver(SEP[7], "a")
    pay_month(story, SEPTEMBER, SEP[30])
    story.do(c.ReverseSession(story.course, SEP[7], "wrong class"), ADMIN, OCTOBER)
    story.deliver(date(2026, 10, 8), "a")
    story.deliver(date(2026, 10, 9), "a")
    pay_month(story, OCTOBER, date(2026, 10, 31))
    system.projector.catch_up()
    october = system.queries.payroll(run_id=run_of(story, OCTOBER))
    assert sorted(x.amount for x in october.lines) == [-5000, 5000, 5000]
    assert october.total == 5000
    assert f.fund(system.queries, story.school).figures.teacher_pay_due == 0


def test_a_payroll_cannot_pay_out_money_held_for_families(system, clock):
    story = Story(system, clock)
    story.set_up()
    story.do(c.RecordPayment(story.school, "a", 3000, "bank", "B-a", SEP[1]), BURSAR)
    story.deliver(SEP[1], "a")  # a's 3,000 awaits a until the 10th
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[4])
    story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), SECOND_BURSAR, SEP[4])
    run, refs = run_of(story, SEPTEMBER), ((story.teacher, "PAY-1"),)
    with pytest.raises(MissingBankReference, match="bank reference"):
        story.do(c.PayPayroll(run, (), SEP[4]), BURSAR, SEP[4])
    with pytest.raises(FundWouldBeUncovered, match="release 0 fen for pay"):
        story.do(c.PayPayroll(run, refs, SEP[4]), BURSAR, SEP[4])  # still a's
    head = system.funds.head()
    with pytest.raises(FundWouldBeUncovered, match="3000 fen for pay"):
        story.do(c.PayPayroll(run, refs, SEP[30]), BURSAR, SEP[30])  # a was silent
    assert system.funds.head() == head  # and what silence confirmed is not kept
    story.do(c.ReceiveSubsidy(story.school, "G1", "bureau", 2000, SEP[30]), BURSAR)
    story.do(c.PayPayroll(run, refs, SEP[30]), BURSAR, SEP[30])


def test_a_payroll_paid_before_the_nightly_run_records_the_silence_it_counts_on(
    system, clock
):
    story = Story(system, clock)
    story.set_up()
    story.do(c.RecordPayment(story.school, "a", 9000, "bank", "B-a", SEP[1]), BURSAR)
    story.deliver(SEP[1], "a")
    story.deliver(SEP[2], "a")
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    story.do(c.ApprovePayroll(run_of(story, SEPTEMBER)), SECOND_BURSAR, SEP[30])
    run, refs = run_of(story, SEPTEMBER), ((story.teacher, "PAY-1"),)
    grant = c.ReceiveSubsidy(story.school, "G1", "bureau", 5000, SEP[30])
    story.do(grant, BURSAR)  # 5,000 free, and a's 6,000 once silence counts
    position = story.do(c.PayPayroll(run, refs, SEP[30]), BURSAR, SEP[30])
    events = [
        system.funds.mapper.to_domain_event(n)
        for n in system.funds.recorder.select_notifications(start=1, limit=1000)
    ]
    [silence] = [e for e in events if isinstance(e, Course.SilenceElapsed)]
    assert (silence.rule, list(silence.days)) == ("silence-confirms", [SEP[1], SEP[2]])
    assert dict(silence.amounts) == {"a": 6000} and silence.actor == BURSAR.id
    saved_together = {type(e).__qualname__ for e in events[-2:]}
    assert saved_together == {"PayrollRun.Paid", "Course.SilenceElapsed"}
    assert position == system.funds.head()


def test_nothing_to_pay_is_a_clear_refusal(system, clock):
    story = Story(system, clock)
    story.set_up()
    with pytest.raises(NothingToPay, match="no pay"):
        story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])


rates = st.lists(
    st.tuples(st.integers(2, 28), st.integers(0, 20000)), min_size=0, max_size=3
)
days = st.sets(st.integers(1, 30), min_size=1, max_size=12)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rates=rates, days=days)
@example(rates=[(2, 2), (2, 1)], days={2})
@example(rates=[(2, 1), (2, 0)], days={2})
def test_a_payroll_equals_sessions_times_the_rate_in_force(system, clock, rates, days):
    reset(system)
    story = Story(system, clock)
    story.set_up()
    for day, rate in rates:
        story.do(c.ChangeRate(story.teacher, rate, SEP[day]), ADMIN, SEP[1])
    for day in sorted(days):
        story.deliver(SEP[day], "a")

    def in_force(day: int) -> int:
        # a stable sort: of two rates set for one day, the later one counts
        changes = [(1, 5000), *sorted(rates, key=lambda r: r[0])]
        return [r for since, r in changes if since <= day][-1]

    expected = sum(in_force(day) for day in days)
    if expected == 0:
        return
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    system.projector.catch_up()
    assert system.queries.payroll(run_id=run_of(story, SEPTEMBER)).total == expected
