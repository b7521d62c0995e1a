from datetime import date

from domain.allocation import Allocation
from domain.course import Course
from domain.family import Family, Seat
from domain.ledger import holder_of, journal
from domain.payment import Notice, Payment
from domain.refund import Refund
from tests.builders import (
    BURSAR,
    SECOND_BURSAR,
    a_course,
    a_school,
    a_term,
    day,
    deliver,
    enrolled,
    stamp,
    then,
)


def lines(entry):
    return {(line.account, line.flow, line.debit, line.credit) for line in entry.lines}


def test_a_fee_charge_debits_the_enrolments_receivable_and_credits_unearned():
    course = enrolled(a_course(fee=36000), "s1")
    [*_, enrolment] = then(course)
    assert lines(journal(enrolment)) == {
        (f"receivable:s1/{course.id}", "charge", 36000, 0),
        (f"unearned:s1/{course.id}", "charge", 0, 36000),
    }


def a_payment(amount: int, lines_=None) -> Payment:
    c1, c2 = a_course(code="C1"), a_course(code="C2")
    family = Family("s1", (Seat(c1.id, True, 300, 0), Seat(c2.id, True, 300, 0)), 0)
    school = a_school().id
    notice = Notice(school, "s1", amount, "bank", "B", date(2026, 9, 1), lines_)
    return Payment.receive(notice, family=family, stamp=stamp(actor=BURSAR))


def test_a_payment_debits_the_bank_and_credits_each_enrolment_it_pays():
    c1, c2 = a_course(code="C1").id, a_course(code="C2").id
    [received] = then(a_payment(700))
    assert lines(journal(received)) == {
        ("bank:supervised", "payment", 700, 0),
        (f"receivable:s1/{c1}", "payment", 0, 300),
        (f"receivable:s1/{c2}", "payment", 0, 300),
        ("unallocated:s1", "payment", 0, 100),
    }


def test_a_reallocation_moves_money_between_enrolments_and_names_the_original():
    c1, c2 = a_course(code="C1").id, a_course(code="C2").id
    payment = a_payment(500, (Allocation(c1, 300), Allocation(c2, 200)))
    [received] = then(payment)
    family = Family("s1", (Seat(c1, True, 0, 0, 300), Seat(c2, True, 100, 0, 200)), 0)
    payment.reallocate(
        (Allocation(c1, 200), Allocation(c2, 300)),
        reason="misread",
        family=family,
        stamp=stamp(actor=BURSAR),
    )
    [moved] = then(payment)
    entry = journal(moved)
    assert entry.reverses == journal(received).entry_id
    assert lines(entry) == {
        (f"receivable:s1/{c1}", "payment", 100, 0),
        (f"receivable:s1/{c2}", "payment", 0, 100),
    }


def test_an_approved_refund_moves_credit_where_its_lines_draw_it_from():
    c1 = a_course(code="C1").id
    family = Family("s1", (Seat(c1, False, 0, 800),), 200)
    refund = Refund.request(
        school_id=a_school().id,
        student_id="s1",
        amount=1000,
        reason="left",
        reference="R",
        family=family,
        stamp=stamp(actor=BURSAR),
    )
    then(refund)
    refund.approve(family=family, stamp=stamp(actor=SECOND_BURSAR))
    [approved] = then(refund)
    assert lines(journal(approved)) == {
        ("unallocated:s1", "refund", 200, 0),
        (f"receivable:s1/{c1}", "refund", 800, 0),
        ("payable:refund:s1", "refund", 0, 1000),
    }


def test_every_account_names_whose_money_it_is():
    course = a_course()
    assert holder_of(f"unearned:s1/{course.id}") == ("s1", course.id)
    assert holder_of("payable:refund:s1") == ("s1", None)
    assert holder_of(f"released:{course.id}") == (None, course.id)
    assert holder_of("bank:supervised") == (None, None)


def test_a_delivery_releases_shares_credits_leave_and_accrues_teacher_pay():
    term = a_term(release="on-delivery")
    course = enrolled(a_course(term, fee=36000, planned_sessions=80), "s1", "s2")
    then(course)
    deliver(course, day(1), present=["s1"], pay=5000)
    [delivered] = then(course)
    released = f"released:{course.id}"
    teacher = f"payable:teacher:{course.teacher_id}"
    assert lines(journal(delivered)) == {
        (f"unearned:s1/{course.id}", "consumption", 450, 0),
        (released, "consumption", 0, 450),
        (f"unearned:s2/{course.id}", "cancellation", 450, 0),
        (f"receivable:s2/{course.id}", "cancellation", 0, 450),
        (released, "teacher_pay", 5000, 0),
        (teacher, "teacher_pay", 0, 5000),
    }


def test_a_reversal_mirrors_the_original_entry_and_references_it():
    course = enrolled(a_course(), "s1", "s2")
    deliver(course, day(1), present=["s1"])
    [*_, delivered] = then(course)
    course.reverse_delivery(day(1), reason="wrong roster", stamp=stamp(day(1)))
    [reversal] = then(course)
    original, mirror = journal(delivered), journal(reversal)
    assert isinstance(reversal, Course.DeliveryReversed)
    assert mirror.reverses == original.entry_id
    assert lines(mirror) == {(a, f, c, d) for a, f, d, c in lines(original)}


def test_facts_without_money_have_no_entry():
    course = a_course()
    [opened] = then(course)
    assert journal(opened) is None
