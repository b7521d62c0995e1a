from datetime import date
from uuid import NAMESPACE_URL, uuid5

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import Allocation
from domain.errors import (
    AllocationSpent,
    Blank,
    DuplicateAllocation,
    EnrolmentWithdrawn,
    InsufficientCredit,
    InsufficientSubsidy,
    InvalidAmount,
    InvalidTransition,
    NotAnEnrolment,
    OtherSchool,
    PaymentConflict,
    PaymentDoesNotAddUp,
    SameApprover,
)
from domain.facts import event_id
from domain.family import Family, Seat
from domain.money import format_fen, parse_yuan, session_share
from domain.payment import BY_PAYER, BY_RULE, Notice, Payment
from domain.refund import Refund, RefundStatus
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

C1, C2, C3 = (uuid5(NAMESPACE_URL, f"course-{n}") for n in (1, 2, 3))


def a_family(*seats: Seat, unallocated: int = 0, in_flight=None) -> Family:
    return Family("s1", seats, unallocated, in_flight or {})


def owing(course, owed, active=True) -> Seat:
    return Seat(course, active, owed=owed, credit=0)


def in_credit(course, credit, active=True) -> Seat:
    return Seat(course, active, owed=0, credit=credit)


TWO_COURSES = a_family(owing(C1, 36000), owing(C2, 36000))


def notice(amount=36000, student="s1", on=date(2026, 9, 1), reference="r1", lines=None):
    return Notice(a_school().id, student, amount, "wechat", reference, on, lines)


def a_payment(family=TWO_COURSES, **changes):
    return Payment.receive(notice(**changes), family=family, stamp=stamp(actor=BURSAR))


def a_refund(amount=1000, family=None, course_id=None):
    return Refund.request(
        school_id=a_school().id,
        student_id="s1",
        amount=amount,
        reason="withdrew",
        reference="RF1",
        course_id=course_id,
        family=family or a_family(in_credit(C1, 5000)),
        stamp=stamp(actor=BURSAR),
    )


@pytest.mark.parametrize("amount", [0, -100])
def test_a_payment_must_be_positive(amount):
    with pytest.raises(InvalidAmount, match="positive"):
        a_payment(amount=amount)


def test_a_payment_is_named_by_its_channel_reference():
    assert a_payment().id == Payment.id_for(a_school().id, "wechat", "r1")


def test_a_payment_pays_the_enrolments_its_lines_name():
    lines = (Allocation(C1, 36000), Allocation(C2, 36000))
    [received] = then(a_payment(amount=72000, lines=lines))
    assert (received.allocated_by, tuple(received.allocations)) == (BY_PAYER, lines)


def test_without_lines_the_oldest_unpaid_charge_is_paid_first():
    [received] = then(a_payment(amount=40000))
    assert received.allocated_by == BY_RULE
    assert list(received.allocations) == [Allocation(C1, 36000), Allocation(C2, 4000)]


def test_what_no_charge_is_left_for_stays_the_familys_unallocated():
    family = a_family(owing(C1, 1000), in_credit(C2, 500))
    [received] = then(a_payment(family=family, amount=3000))
    assert list(received.allocations) == [Allocation(C1, 1000), Allocation(None, 2000)]


def test_lines_must_add_up_to_the_payment():
    with pytest.raises(PaymentDoesNotAddUp, match="35000 fen, not the 36000"):
        a_payment(lines=(Allocation(C1, 35000),))


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ((Allocation(C3, 36000),), NotAnEnrolment),
        ((Allocation(C1, 18000), Allocation(C1, 18000)), DuplicateAllocation),
        ((Allocation(C1, 36000), Allocation(C2, 0)), InvalidAmount),
    ],
)
def test_lines_name_each_enrolment_of_the_family_once(lines, error):
    with pytest.raises(error):
        a_payment(lines=lines)


def test_a_line_for_a_course_the_student_left_is_refused():
    family = a_family(owing(C1, 36000, active=False), owing(C2, 36000))
    with pytest.raises(EnrolmentWithdrawn):
        a_payment(family=family, lines=(Allocation(C1, 36000),))


def test_a_redelivered_notification_with_the_same_content_is_the_same_payment():
    a_payment().check_same(notice())
    lines = (Allocation(C1, 36000),)
    a_payment(lines=lines).check_same(notice(lines=lines))


@pytest.mark.parametrize(
    "changed",
    [
        {"amount": 100},
        {"student": "s2"},
        {"on": date(2026, 9, 2)},
        {"lines": (Allocation(C1, 36000),)},
    ],
)
def test_the_same_reference_with_different_content_is_a_conflict(changed):
    with pytest.raises(PaymentConflict, match="r1"):
        a_payment().check_same(notice(**changed))


def test_a_reallocation_names_the_allocation_it_corrects_and_its_reason():
    payment = history(a_payment(lines=(Allocation(C1, 36000),)))
    paid = a_family(Seat(C1, True, 0, 0, held=36000), owing(C2, 36000))
    payment.reallocate(
        (Allocation(C2, 36000),),
        reason="meant for robotics",
        family=paid,
        stamp=stamp(actor=BURSAR),
    )
    [moved] = then(payment)
    assert list(moved.previous) == [Allocation(C1, 36000)]
    assert list(moved.allocations) == [Allocation(C2, 36000)]
    assert moved.reverses == event_id(payment.id, 1)


CLAIMED = {uuid5(NAMESPACE_URL, "refund"): (Allocation(C1, 36000),)}


@pytest.mark.parametrize(
    ("source", "in_flight"),
    [
        (Seat(C1, True, 0, 0, held=10000), {}),
        (Seat(C1, False, 0, 36000, held=36000), CLAIMED),
    ],
    ids=["consumed", "claimed by a refund"],
)
def test_money_consumed_or_claimed_does_not_move(source, in_flight):
    """Of ¥360 paid to C1, ¥260 were consumed; or C1 was left and a refund of
    all of it is asked for: either way it cannot pay C2 instead."""
    family = a_family(source, owing(C2, 36000), in_flight=in_flight)
    payment = history(a_payment(lines=(Allocation(C1, 36000),)))
    with pytest.raises(AllocationSpent):
        payment.reallocate(
            (Allocation(C2, 36000),), reason="misread", family=family, stamp=stamp()
        )
    assert then(payment) == []


def test_what_no_charge_holds_is_refunded_once_not_moved_and_refunded_again():
    """The family's unallocated ¥10 was refunded: the payment that brought it
    cannot be moved onto an enrolment to be refunded again."""
    payment = history(a_payment(family=a_family(owing(C1, 0)), amount=1000))
    refunded = a_family(Seat(C1, True, 0, 0), unallocated=0)
    with pytest.raises(AllocationSpent, match="the family"):
        payment.reallocate(
            (Allocation(C1, 1000),), reason="misread", family=refunded, stamp=stamp()
        )


def test_a_reallocation_without_a_reason_is_refused():
    payment = history(a_payment())
    with pytest.raises(Blank, match="reason"):
        payment.reallocate(
            (Allocation(C2, 36000),), reason=" ", family=TWO_COURSES, stamp=stamp()
        )


def test_a_refund_cannot_exceed_the_familys_credit():
    with pytest.raises(InsufficientCredit, match="5000 fen of credit"):
        a_refund(amount=6000)


def test_a_refund_draws_on_unallocated_money_first_then_enrolments_in_order():
    family = a_family(in_credit(C1, 3000), in_credit(C2, 4000), unallocated=1000)
    [requested] = then(a_refund(amount=6000, family=family))
    assert list(requested.lines) == [
        Allocation(None, 1000),
        Allocation(C1, 3000),
        Allocation(C2, 2000),
    ]


def test_a_refund_of_one_enrolment_draws_on_its_credit_only():
    family = a_family(in_credit(C1, 3000), in_credit(C2, 4000))
    [requested] = then(a_refund(amount=4000, family=family, course_id=C2))
    assert list(requested.lines) == [Allocation(C2, 4000)]
    with pytest.raises(InsufficientCredit, match="in that course"):
        a_refund(amount=3500, family=family, course_id=C1)


def test_credit_asked_for_by_a_refund_in_flight_is_not_there_to_ask_again():
    asked = {uuid5(NAMESPACE_URL, "other"): (Allocation(C1, 4000),)}
    family = a_family(in_credit(C1, 5000), in_flight=asked)
    assert family.credit == 1000
    with pytest.raises(InsufficientCredit, match="1000 fen of credit"):
        a_refund(amount=2000, family=family)


def test_a_refund_is_approved_by_someone_else():
    refund = history(a_refund())
    family = a_family(in_credit(C1, 5000), in_flight={refund.id: refund.lines})
    with pytest.raises(SameApprover):
        refund.approve(family=family, stamp=stamp(actor=BURSAR))
    refund.approve(family=family, stamp=stamp(actor=SECOND_BURSAR))
    [approved] = then(refund)
    assert (approved.actor, approved.amount) == ("bursar-2", 1000)
    assert list(approved.lines) == [Allocation(C1, 1000)]


def test_approval_rechecks_the_credit():
    refund = history(a_refund(amount=1000))
    spent = a_family(in_credit(C1, 500), in_flight={refund.id: refund.lines})
    with pytest.raises(InsufficientCredit):
        refund.approve(family=spent, stamp=stamp(actor=SECOND_BURSAR))


def test_a_refund_is_paid_only_once_approved_and_only_once():
    refund = history(a_refund())
    family = a_family(in_credit(C1, 5000))
    with pytest.raises(InvalidTransition, match="requested"):
        refund.pay(bank_reference="B1", stamp=stamp(actor=BURSAR))
    refund.approve(family=family, stamp=stamp(actor=SECOND_BURSAR))
    refund.pay(bank_reference="B1", stamp=stamp(actor=BURSAR))
    with pytest.raises(InvalidTransition, match="paid"):
        refund.pay(bank_reference="B2", stamp=stamp(actor=BURSAR))


def test_a_refund_not_yet_approved_can_be_cancelled_and_then_nothing_more():
    refund = history(a_refund())
    refund.cancel(stamp=stamp(actor=SECOND_BURSAR))
    assert refund.status == RefundStatus.CANCELLED
    with pytest.raises(InvalidTransition, match="cancelled"):
        refund.approve(family=a_family(in_credit(C1, 5000)), stamp=stamp())


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
    with pytest.raises(OtherSchool, match="own school"):
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
