"""A school's books, folded from events: the figures decisions read."""

from datetime import date

import pytest

from domain.allocation import Allocation
from domain.books import Books
from domain.errors import FundWouldBeUncovered
from domain.figures import HELD, OWED
from domain.ledger import Holder
from domain.payment import Notice, Payment
from domain.payroll import PayItem, PayrollRun, month_end
from tests.builders import (
    BURSAR,
    a_course,
    a_school,
    a_term,
    day,
    deliver,
    enrolled,
    stamp,
    then,
)
from tests.builders import (
    SECOND_BURSAR as SECOND,
)

SCHOOL = a_school()


def given(*aggregates) -> Books:
    books = Books(SCHOOL.id)
    for aggregate in aggregates:
        for event in then(aggregate):
            books.apply(event)
    return books


def paid(books: Books, student: str, amount: int, *lines: Allocation) -> Payment:
    reference, on = f"{student}-{amount}", date(2026, 9, 1)
    notice = Notice(SCHOOL.id, student, amount, "bank", reference, on, lines or None)
    family = books.family(student)
    return Payment.receive(notice, family=family, stamp=stamp(actor=BURSAR))


def test_one_courses_payment_is_held_for_that_course_alone():
    chess = enrolled(a_course(code="CHESS", fee=1000, planned_sessions=10), "s1")
    robots = enrolled(a_course(code="ROBOTS", fee=1000, planned_sessions=10), "s1")
    books = given(chess, robots)
    books.apply(*then(paid(books, "s1", 1000, Allocation(chess.id, 1000))))
    for n in (1, 2, 3):
        deliver(robots, day(n), present=["s1"])  # consumed, never paid
    for event in then(robots):
        books.apply(event)

    assert HELD.of(books.holders[Holder("s1", chess.id)]) == 1000
    assert HELD.of(books.holders[Holder("s1", robots.id)]) == 0
    assert OWED.of(books.holders[Holder("s1", robots.id)]) == 1000
    assert books.held == 1000 and books.bank == 1000


def test_a_payment_without_lines_pays_the_oldest_charge_then_the_next():
    chess = enrolled(a_course(code="CHESS", fee=1000), "s1")
    robots = enrolled(a_course(code="ROBOTS", fee=1000), "s1")
    books = given(chess, robots)
    [received] = then(paid(books, "s1", 1500))
    assert list(received.allocations) == [
        Allocation(chess.id, 1000),
        Allocation(robots.id, 500),
    ]
    books.apply(received)
    family = books.family("s1")
    assert [(s.owed, s.credit) for s in family.seats] == [(0, 0), (500, 0)]


def paid_out(books: Books, month: date) -> PayrollRun:
    """Pays the month's teachers at what their sessions accrued."""
    items = [
        PayItem(*(getattr(d, f) for f in PAY_FIELDS), d.accrued, d.accrued)
        for d in books.unsettled(month_end(month))
    ]
    on = month_end(month)
    run = PayrollRun.draft(
        school_id=SCHOOL.id, month=month, items=items, stamp=stamp(on, BURSAR)
    )
    unsettled = {i.delivery_id for i in items}
    run.approve(rate_setters=set(), unsettled=unsettled, stamp=stamp(on, SECOND))
    references = dict.fromkeys(run.teachers, "PAY-1")
    run.pay(bank_references=references, free_cash=books.free_cash, stamp=stamp(on))
    return run


PAY_FIELDS = ("teacher_id", "delivery_id", "session_id", "course_id", "day")
PAY_FIELDS += ("starts", "ends", "roster")


def test_a_reversal_the_fund_could_not_cover_is_refused():
    term = a_term(release="on-delivery")
    course = enrolled(a_course(term, fee=1000, planned_sessions=10), "s1")
    books = given(course)
    books.apply(*then(paid(books, "s1", 1000)))
    deliver(course, day(1), present=["s1"], pay=100)
    books.apply(*then(course))
    assert books.free_cash == 100  # the share the session released

    course.reverse_delivery(day(1), reason="wrong class", stamp=stamp(day(2)))
    books.check_covered_after(course.pending_events)  # the share is still there

    for event in then(paid_out(books, day(1))):
        books.apply(event)
    assert books.free_cash == 0
    with pytest.raises(FundWouldBeUncovered, match="0 fen are free"):
        books.check_covered_after(course.pending_events)


def test_deliveries_wait_for_a_payroll_until_one_settles_them():
    course = enrolled(a_course(fee=1000, planned_sessions=10), "s1")
    deliver(course, day(1), present=["s1"], pay=5000)
    deliver(course, day(40), present=["s1"], pay=5000)
    deliver(course, day(41), present=[], pay=5000)  # nobody came: no pay
    books = given(course)
    assert [d.day for d in books.unsettled(day(35))] == [day(1)]
    assert [d.day for d in books.unsettled(day(60))] == [day(1), day(40)]


def test_a_teachers_pay_is_in_flight_until_a_payroll_pays_it():
    term = a_term(release="on-delivery")
    course = enrolled(a_course(term, fee=1000, planned_sessions=10), "s1")
    books = given(course)
    books.apply(*then(paid(books, "s1", 1000)))
    deliver(course, day(1), present=["s1"], pay=100)
    books.apply(*then(course))
    assert books.pay_not_paid(course.teacher_id) == 100  # settled by no payroll

    drafted, approved, paid_event = then(paid_out(books, day(1)))
    books.apply(drafted)
    books.apply(approved)
    assert books.pay_not_paid(course.teacher_id) == 100  # approved, not paid
    books.apply(paid_event)
    assert books.pay_not_paid(course.teacher_id) == 0
