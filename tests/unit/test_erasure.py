"""Erasing a person's personal data: asked for by the school, approved by
someone else, refused while the person has money in flight."""

from datetime import date

import pytest

from domain.books import Books
from domain.errors import InvalidTransition, MoneyInFlight, SameApprover
from domain.facts import Actor
from domain.payment import Notice, Payment
from domain.person import Erasure, Kind, person_id_for
from tests.builders import (
    ADMIN,
    BURSAR,
    a_course,
    a_school,
    day,
    deliver,
    enrolled,
    history,
    stamp,
    then,
)

SCHOOL = a_school()
REGULATOR = Actor("regulator-1", "regulator")


def asked(kind: Kind = Kind.STUDENT, ref: str = "s1") -> Erasure:
    return history(
        Erasure.request(school_id=SCHOOL.id, kind=kind, ref=ref, stamp=stamp())
    )


def books_of(*aggregates) -> Books:
    books = Books(SCHOOL.id)
    for aggregate in aggregates:
        for event in then(aggregate):
            books.apply(event)
    return books


def test_an_erasure_is_asked_for_the_person_the_log_knows():
    erasure = Erasure.request(
        school_id=SCHOOL.id, kind=Kind.STUDENT, ref="s1", stamp=stamp()
    )
    [requested] = then(erasure)
    assert requested.person_id == person_id_for(SCHOOL.id, Kind.STUDENT, "s1")
    assert (requested.kind, requested.ref, requested.actor) == (
        "student",
        "s1",
        "admin-1",
    )


def test_someone_else_approves_it_when_no_money_is_in_flight():
    erasure = asked()
    erasure.approve(in_flight=0, stamp=stamp(actor=REGULATOR))
    [approved] = then(erasure)
    assert approved.person_id == erasure.person_id and approved.actor == "regulator-1"


def test_the_person_who_asked_may_not_approve():
    with pytest.raises(SameApprover):
        asked().approve(in_flight=0, stamp=stamp(actor=ADMIN))


def test_an_erasure_is_approved_once():
    erasure = asked()
    erasure.approve(in_flight=0, stamp=stamp(actor=REGULATOR))
    with pytest.raises(InvalidTransition):
        erasure.approve(in_flight=0, stamp=stamp(actor=REGULATOR))


def test_a_family_with_money_in_the_fund_is_not_erased():
    erasure = asked()
    with pytest.raises(MoneyInFlight) as refused:
        erasure.approve(in_flight=12000, stamp=stamp(actor=REGULATOR))
    assert refused.value.context == {"in_flight": 12000}
    assert then(erasure) == []


def test_a_familys_money_in_flight_is_what_the_fund_holds_for_it():
    course = enrolled(a_course(fee=1000, planned_sessions=2), "s1", "s2")
    books = books_of(course)
    notice = Notice(SCHOOL.id, "s1", 1000, "bank", "R1", date(2026, 9, 1), None)
    payment = Payment.receive(
        notice, family=books.family("s1"), stamp=stamp(actor=BURSAR)
    )
    for event in then(payment):
        books.apply(event)
    assert books.held_for("s1") == 1000  # paid, nothing consumed
    assert books.held_for("s2") == 0  # owes, holds nothing
    for n in (1, 2):
        deliver(course, day(n), present=["s1", "s2"])
    for event in then(course):
        books.apply(event)
    assert books.held_for("s1") == 1000  # consumed, awaiting the family
    course.confirm("s1", through=day(2), stamp=stamp(day(3)))
    for event in then(course):
        books.apply(event)
    assert books.held_for("s1") == 0  # all consumed and confirmed


def test_a_teachers_pay_not_paid_is_in_flight():
    course = enrolled(a_course(fee=1000, planned_sessions=2), "s1")
    deliver(course, day(1), present=["s1"], pay=5000)
    deliver(course, day(2), present=[], pay=5000)  # nobody came: no pay
    books = books_of(course)
    assert books.pay_not_paid(course.teacher_id) == 5000
