from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import (
    InsufficientCredit,
    InsufficientSubsidy,
    InvalidAmount,
    InvalidSetup,
    InvalidTransition,
    PaymentConflict,
    SameApprover,
)
from domain.money import format_fen, parse_yuan, session_share
from domain.payment import Payment
from domain.refund import Refund
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from tests.builders import (
    BURSAR,
    SECOND_BURSAR,
    a_course,
    a_school,
    history,
    stamp,
    then,
)


def a_payment(amount=36000, student="s1", on=date(2026, 9, 1), reference="r1"):
    return Payment.receive(
        school_id=a_school().id,
        student_id=student,
        amount=amount,
        channel="wechat",
        reference=reference,
        stamp=stamp(on, BURSAR),
    )


def a_refund(amount=1000, credit=5000):
    return Refund.request(
        school_id=a_school().id,
        student_id="s1",
        amount=amount,
        reason="withdrew",
        reference="RF1",
        credit=credit,
        stamp=stamp(actor=BURSAR),
    )


@pytest.mark.parametrize("amount", [0, -100])
def test_a_payment_must_be_positive(amount):
    with pytest.raises(InvalidAmount, match="positive"):
        a_payment(amount)


def test_a_payment_is_named_by_its_channel_reference():
    assert a_payment().id == Payment.id_for(a_school().id, "wechat", "r1")


def test_a_redelivered_notification_with_the_same_content_is_the_same_payment():
    a_payment().check_same(a_payment())


@pytest.mark.parametrize(
    "changed", [{"amount": 100}, {"student": "s2"}, {"on": date(2026, 9, 2)}]
)
def test_the_same_reference_with_different_content_is_a_conflict(changed):
    with pytest.raises(PaymentConflict, match="r1"):
        a_payment().check_same(a_payment(**changed))


def test_a_refund_cannot_exceed_the_familys_credit():
    with pytest.raises(InsufficientCredit, match="5000 fen of credit"):
        a_refund(amount=6000, credit=5000)


def test_a_refund_is_approved_by_someone_else():
    refund = history(a_refund())
    with pytest.raises(SameApprover):
        refund.approve(credit=5000, stamp=stamp(actor=BURSAR))
    refund.approve(credit=5000, stamp=stamp(actor=SECOND_BURSAR))
    [approved] = then(refund)
    assert (approved.actor, approved.amount) == ("bursar-2", 1000)


def test_approval_rechecks_the_credit():
    refund = history(a_refund(amount=1000, credit=5000))
    with pytest.raises(InsufficientCredit):
        refund.approve(credit=500, stamp=stamp(actor=SECOND_BURSAR))


def test_a_refund_is_paid_only_once_approved_and_only_once():
    refund = history(a_refund())
    with pytest.raises(InvalidTransition, match="requested"):
        refund.pay(bank_reference="B1", stamp=stamp(actor=BURSAR))
    refund.approve(credit=5000, stamp=stamp(actor=SECOND_BURSAR))
    refund.pay(bank_reference="B1", stamp=stamp(actor=BURSAR))
    with pytest.raises(InvalidTransition, match="paid"):
        refund.pay(bank_reference="B2", stamp=stamp(actor=BURSAR))


def test_a_subsidy_cannot_allocate_more_than_it_holds():
    school = a_school()
    grant = SubsidyGrant.receive(
        school_id=school.id,
        reference="G1",
        source="bureau",
        amount=10000,
        stamp=stamp(),
    )
    course = a_course()
    grant.allocate(
        course_id=course.id, course_school_id=school.id, amount=6000, stamp=stamp()
    )
    with pytest.raises(InsufficientSubsidy, match="4000 fen left"):
        grant.allocate(
            course_id=course.id,
            course_school_id=school.id,
            amount=6000,
            stamp=stamp(),
        )


def test_a_subsidy_goes_only_to_its_own_schools_courses():
    grant = SubsidyGrant.receive(
        school_id=a_school().id,
        reference="G1",
        source="bureau",
        amount=100,
        stamp=stamp(),
    )
    course = a_course()
    with pytest.raises(InvalidSetup, match="own school"):
        grant.allocate(
            course_id=course.id,
            course_school_id=a_school("S2").id,
            amount=50,
            stamp=stamp(),
        )


def test_a_rate_change_applies_from_its_date_and_never_before():
    teacher = Teacher.register(
        school_id=a_school().id,
        code="T1",
        kind="external",
        rate=10000,
        stamp=stamp(date(2026, 9, 1)),
    )
    teacher.change_rate(12000, stamp=stamp(date(2026, 10, 1)))
    assert teacher.rate_on(date(2026, 9, 30)) == 10000
    assert teacher.rate_on(date(2026, 10, 1)) == 12000


def test_amounts_in_yuan_are_parsed_exactly_and_refused_otherwise():
    assert parse_yuan("360") == 36000
    assert parse_yuan("0.5") == 50
    assert parse_yuan("123.45") == 12345
    for bad in ("1.234", "abc", "1e3", "", "¥5"):
        with pytest.raises(InvalidAmount):
            parse_yuan(bad)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_formatting_and_parsing_fen_round_trip(fen):
    assert parse_yuan(format_fen(fen)) == fen


@given(st.integers(0, 10**8), st.integers(1, 200))
def test_session_shares_sum_exactly_to_the_fee(fee, planned):
    shares = [session_share(fee, planned, n) for n in range(1, planned + 3)]
    assert sum(shares) == fee
    assert all(s >= 0 for s in shares)
