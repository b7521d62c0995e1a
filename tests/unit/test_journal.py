from domain.course import Course
from domain.ledger import journal
from domain.payment import Payment
from tests.builders import (
    BURSAR,
    a_course,
    a_school,
    day,
    deliver,
    enrolled,
    stamp,
    then,
)


def lines(entry):
    return {(line.account, line.flow, line.debit, line.credit) for line in entry.lines}


def test_a_fee_charge_debits_the_receivable_and_credits_unearned():
    course = enrolled(a_course(fee=36000), "s1")
    [*_, enrolment] = then(course)
    assert lines(journal(enrolment)) == {
        ("receivable:s1", "charge", 36000, 0),
        ("unearned:s1", "charge", 0, 36000),
    }


def test_a_payment_debits_the_bank():
    payment = Payment.receive(
        school_id=a_school().id,
        student_id="s1",
        amount=500,
        channel="bank",
        reference="B",
        stamp=stamp(actor=BURSAR),
    )
    [received] = then(payment)
    assert lines(journal(received)) == {
        ("bank:supervised", "payment", 500, 0),
        ("receivable:s1", "payment", 0, 500),
    }


def test_a_delivery_releases_shares_credits_leave_and_accrues_teacher_pay():
    course = enrolled(a_course(fee=36000, planned_sessions=80), "s1", "s2")
    then(course)
    deliver(course, day(1), present=["s1"], pay=5000)
    [delivered] = then(course)
    released = f"released:{course.id}"
    teacher = f"payable:teacher:{course.teacher_id}"
    assert lines(journal(delivered)) == {
        ("unearned:s1", "consumption", 450, 0),
        (released, "consumption", 0, 450),
        ("unearned:s2", "cancellation", 450, 0),
        ("receivable:s2", "cancellation", 0, 450),
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
