"""A delivered share awaits the family: confirmed by the guardian or by its
silence for the term's working days, or held by a dispute until settled."""

from datetime import date, datetime, time
from uuid import UUID

import pytest

from domain.books import Books
from domain.course import Course
from domain.errors import (
    AlreadyDisputed,
    ConfirmationWindowClosed,
    InvalidSession,
    NotAwaitingConfirmation,
    NotConsumed,
    NothingToConfirm,
    SessionNotDelivered,
)
from domain.facts import Stamp
from domain.figures import AWAITING, CREDITED_BACK, DISPUTED, FEES_RELEASED, RELEASED
from domain.ledger import Holder, journal
from domain.payment import Notice, Payment
from infra.calendar import prc_working_days
from tests.builders import (
    ADMIN,
    BEIJING,
    BURSAR,
    a_course,
    a_term,
    day,
    deliver,
    enrolled,
    history,
    stamp,
    then,
)

PRC = prc_working_days()
DISPUTE = UUID(int=1)
EVE = date(2026, 9, 30)  # the eve of National Day week


def lines(event):
    return {(x.account, x.flow, x.debit, x.credit) for x in journal(event).lines}


def a_class(*students: str, **policy) -> Course:
    """Fee 1000 over 10 sessions: each share is 100."""
    course = a_course(a_term(**policy), fee=1000, planned_sessions=10)
    return enrolled(course, *students)


def delivered(course: Course, *days: date, present=("s1",)) -> Course:
    for on in days:
        deliver(course, on, present=present, pay=300)
    return history(course)


def hold(course: Course, student: str, on: date, *, when=None):
    course.hold(student, on, dispute_id=DISPUTE, stamp=stamp(when or on))


def settle(course: Course, student: str, on: date, *, credited: bool) -> None:
    course.settle_held(
        student, on, dispute_id=DISPUTE, credited=credited, stamp=stamp(on)
    )


# --- delivery ---------------------------------------------------------------


def test_a_delivery_leaves_consumed_shares_awaiting_the_family():
    course = history(a_class("s1", "s2"))
    course.approve_leave("s2", [day(1)], stamp=stamp())
    deliver(course, day(1), present=["s1"], pay=300)
    [_, delivered_] = then(course)
    c, released = course.id, f"released:{course.id}"
    assert delivered_.awaiting and list(delivered_.released) == ["s1"]
    assert lines(delivered_) == {
        (f"unearned:s1/{c}", "consumption", 100, 0),
        (f"awaiting:s1/{c}", "consumption", 0, 100),
        (f"unearned:s2/{c}", "cancellation", 100, 0),
        (f"receivable:s2/{c}", "cancellation", 0, 100),
        (released, "teacher_pay", 300, 0),
        (f"payable:teacher:{course.teacher_id}", "teacher_pay", 0, 300),
    }


def test_a_delivery_under_on_delivery_releases_shares_at_once():
    course = history(a_class("s1", release="on-delivery"))
    deliver(course, day(1), present=["s1"], pay=300)
    [delivered_] = then(course)
    c = course.id
    assert not delivered_.awaiting
    assert (f"unearned:s1/{c}", "consumption", 100, 0) in lines(delivered_)
    assert (f"released:{c}", "consumption", 0, 100) in lines(delivered_)
    assert course.awaiting_days("s1") == []


# --- the guardian confirms ----------------------------------------------------


def test_a_guardian_confirms_one_session_and_its_share_is_released():
    course = delivered(a_class("s1"), day(1), day(2))
    course.confirm("s1", day=day(2), stamp=stamp(day(3)))
    [confirmed] = then(course)
    assert isinstance(confirmed, Course.SharesConfirmed)
    assert (list(confirmed.days), confirmed.amount) == ([day(2)], 100)
    assert lines(confirmed) == {
        (f"awaiting:s1/{course.id}", "confirmation", 100, 0),
        (f"released:{course.id}", "confirmation", 0, 100),
    }
    assert course.awaiting_days("s1") == [day(1)]


def test_a_guardian_confirms_every_session_up_to_a_day():
    course = delivered(a_class("s1"), day(1), day(2), day(3))
    course.confirm("s1", through=day(2), stamp=stamp(day(3)))
    [confirmed] = then(course)
    assert (list(confirmed.days), confirmed.amount) == ([day(1), day(2)], 200)
    assert course.awaiting_days("s1") == [day(3)]


def test_a_session_is_confirmed_once():
    course = delivered(a_class("s1"), day(1))
    course.confirm("s1", day=day(1), stamp=stamp(day(2)))
    with pytest.raises(NotAwaitingConfirmation, match="confirmed already"):
        course.confirm("s1", day=day(1), stamp=stamp(day(2)))


def test_confirming_up_to_a_day_with_nothing_awaiting_is_refused():
    course = delivered(a_class("s1"), day(5))
    with pytest.raises(NothingToConfirm):
        course.confirm("s1", through=day(4), stamp=stamp(day(5)))
    assert then(course) == []


def test_a_session_the_child_was_on_leave_for_is_not_confirmed():
    course = a_class("s1", "s2")
    course.approve_leave("s2", [day(1)], stamp=stamp())
    delivered(course, day(1))
    with pytest.raises(NotConsumed):
        course.confirm("s2", day=day(1), stamp=stamp(day(2)))


def test_a_session_not_delivered_is_not_confirmed():
    course = delivered(a_class("s1"), day(1))
    with pytest.raises(SessionNotDelivered):
        course.confirm("s1", day=day(2), stamp=stamp(day(2)))


def test_shares_released_on_delivery_await_no_confirmation():
    course = delivered(a_class("s1", release="on-delivery"), day(1))
    with pytest.raises(NotAwaitingConfirmation) as refused:
        course.confirm("s1", day=day(1), stamp=stamp(day(2)))
    assert refused.value.context["rule"] == "on-delivery"


# --- silence --------------------------------------------------------------------


def sessions(silence: Course.SilenceElapsed) -> dict[str, list[date]]:
    return {student: list(days) for student, days in silence.confirmed.items()}


def test_seven_working_days_of_silence_are_counted_on_the_prc_calendar():
    # 2026: 1-7 October off, Saturday 10 October worked: 7 days end on the 15th
    assert not PRC.works(date(2026, 10, 7)) and PRC.works(date(2026, 10, 10))
    course = delivered(a_class("s1"), EVE)
    assert course.deliveries[EVE].confirm_by == date(2026, 10, 15)
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 15)))
    assert then(course) == []
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 16)))
    [silence] = then(course)
    assert isinstance(silence, Course.SilenceElapsed)
    assert (silence.rule, silence.silence_days) == ("silence-confirms", 7)
    assert (silence.through, list(silence.days)) == (EVE, [EVE])
    assert sessions(silence) == {"s1": [EVE]}
    assert dict(silence.amounts) == {"s1": 100}
    assert lines(silence) == {
        (f"awaiting:s1/{course.id}", "confirmation", 100, 0),
        (f"released:{course.id}", "confirmation", 0, 100),
    }


def test_silence_confirms_each_session_whose_window_has_ended():
    eve_before = date(2026, 9, 29)  # its window ends on 14 October
    course = delivered(a_class("s1", "s2"), eve_before, EVE, present=["s1", "s2"])
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 15)))
    [silence] = then(course)
    assert (silence.through, list(silence.days)) == (eve_before, [eve_before])
    assert sessions(silence) == {"s1": [eve_before], "s2": [eve_before]}
    assert dict(silence.amounts) == {"s1": 100, "s2": 100}
    assert course.awaiting_days("s1") == [EVE]


def test_silence_skips_shares_confirmed_or_held():
    course = delivered(a_class("s1", "s2", "s3"), EVE, present=["s1", "s2", "s3"])
    course.confirm("s1", day=EVE, stamp=stamp(EVE))
    hold(course, "s2", EVE)
    history(course)
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 16)))
    [silence] = then(course)
    assert sessions(silence) == {"s3": [EVE]}
    assert dict(silence.amounts) == {"s3": 100}


def test_a_schools_closed_day_postpones_silence_by_a_day():
    closed = PRC.closing([date(2026, 10, 12)])
    course = a_class("s1")
    deliver(course, EVE, present=["s1"], calendar=closed)
    history(course)
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 16)))
    assert then(course) == []
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 17)))
    [silence] = then(course)
    assert list(silence.days) == [EVE]


def test_silence_confirms_a_share_once():
    course = delivered(a_class("s1"), EVE)
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 16)))
    history(course)
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 20)))
    assert then(course) == []
    with pytest.raises(NotAwaitingConfirmation):
        course.confirm("s1", day=EVE, stamp=stamp(date(2026, 10, 20)))


# --- disputes hold a share ---------------------------------------------------


def test_a_share_disputed_within_the_window_is_held():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE, when=date(2026, 10, 15))
    [held] = then(course)
    assert isinstance(held, Course.ShareHeld)
    assert (held.day, held.amount, held.dispute_id) == (EVE, 100, DISPUTE)
    assert lines(held) == {
        (f"awaiting:s1/{course.id}", "dispute", 100, 0),
        (f"disputed:s1/{course.id}", "dispute", 0, 100),
    }
    assert course.awaiting_days("s1") == []


def test_a_share_is_not_disputed_after_the_window():
    course = delivered(a_class("s1"), EVE)
    with pytest.raises(ConfirmationWindowClosed, match="2026-10-15"):
        hold(course, "s1", EVE, when=date(2026, 10, 16))
    assert then(course) == []


def test_a_session_recorded_late_can_still_be_disputed_once_recorded():
    course = a_class("s1")
    recorded = date(2026, 10, 20)
    late = Stamp(ADMIN, datetime.combine(recorded, time(19), BEIJING), day(7))
    course.deliver(
        term_id=course.term_id,
        starts=time(15, 30),
        ends=time(17, 30),
        teacher_id=course.teacher_id,
        teacher_pay=0,
        present=["s1"],
        calendar=PRC,
        stamp=late,
    )
    assert then(course)[-1].backfilled
    hold(course, "s1", day(7), when=recorded)


def test_a_share_is_disputed_once():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE)
    with pytest.raises(AlreadyDisputed):
        hold(course, "s1", EVE)
    with pytest.raises(AlreadyDisputed):
        course.confirm("s1", day=EVE, stamp=stamp(EVE))


def test_a_session_with_a_held_share_is_not_reversed():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE)
    history(course)
    with pytest.raises(InvalidSession, match="disputed this session"):
        course.reverse_delivery(EVE, reason="wrong class", stamp=stamp(EVE))


def test_a_held_share_settled_for_the_school_is_released():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE)
    history(course)
    settle(course, "s1", EVE, credited=False)
    [settled] = then(course)
    assert lines(settled) == {
        (f"disputed:s1/{course.id}", "confirmation", 100, 0),
        (f"released:{course.id}", "confirmation", 0, 100),
    }


def test_a_held_share_credited_back_is_cancelled_as_leave_is():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE)
    history(course)
    settle(course, "s1", EVE, credited=True)
    [settled] = then(course)
    c = course.id
    assert lines(settled) == {
        (f"disputed:s1/{c}", "consumption", 100, 0),
        (f"unearned:s1/{c}", "consumption", 0, 100),
        (f"unearned:s1/{c}", "cancellation", 100, 0),
        (f"receivable:s1/{c}", "cancellation", 0, 100),
    }


# --- the books: awaiting and disputed money is still the family's ----------


def given(*aggregates) -> Books:
    books = Books(aggregates[0].school_id)
    for aggregate in aggregates:
        for event in then(aggregate):
            journal(event)  # every entry balances
            books.apply(event)
    return books


def paid_in_full(course: Course, student: str = "s1") -> Books:
    books = given(course)
    on = course.term_starts
    notice = Notice(course.school_id, student, 1000, "bank", student, on, None)
    family = books.family(student)
    payment = Payment.receive(notice, family=family, stamp=stamp(actor=BURSAR))
    books.apply(*then(payment))
    return books


def figures(books: Books, course: Course) -> dict[str, int]:
    flows = books.holders[Holder("s1", course.id)]
    seat = books.family("s1").seat(course.id)
    return {
        "held": books.held_for("s1"),
        "free": books.free_cash,
        "credit": seat.credit,
        "awaiting": AWAITING.of(flows),
        "disputed": DISPUTED.of(flows),
        "released": RELEASED.of(flows),
        "credited_back": CREDITED_BACK.of(flows),
    }


def after(books: Books, course: Course) -> Books:
    for event in then(course):
        journal(event)
        books.apply(event)
    return books


def test_a_share_awaiting_confirmation_is_still_held_for_the_family():
    course = a_class("s1")
    books = paid_in_full(course)
    deliver(course, day(1), present=["s1"], pay=0)
    after(books, course)
    assert figures(books, course) == {
        "held": 1000,
        "free": 0,
        "credit": 0,
        "awaiting": 100,
        "disputed": 0,
        "released": 0,
        "credited_back": 0,
    }


def test_a_confirmed_share_leaves_the_familys_held_money():
    course = a_class("s1")
    books = paid_in_full(course)
    deliver(course, day(1), present=["s1"], pay=0)
    course.confirm("s1", day=day(1), stamp=stamp(day(2)))
    after(books, course)
    assert (books.held_for("s1"), books.free_cash) == (900, 100)
    assert FEES_RELEASED.of(books.holders[Holder(None, course.id)]) == 100


def test_a_disputed_share_stays_held_and_is_not_free_cash():
    course = a_class("s1")
    books = paid_in_full(course)
    deliver(course, EVE, present=["s1"], pay=0)
    hold(course, "s1", EVE)
    after(books, course)
    found = figures(books, course)
    assert (found["held"], found["free"]) == (1000, 0)
    assert (found["awaiting"], found["disputed"]) == (0, 100)


def test_a_share_credited_back_stays_held_and_adds_to_the_familys_credit():
    course = a_class("s1")
    books = paid_in_full(course)
    deliver(course, EVE, present=["s1"], pay=0)
    hold(course, "s1", EVE)
    after(books, course)
    credit_before = figures(books, course)["credit"]
    settle(course, "s1", EVE, credited=True)
    after(books, course)
    found = figures(books, course)
    assert found["credit"] == credit_before + 100
    assert (found["held"], found["free"], found["credited_back"]) == (1000, 0, 100)
    assert (found["disputed"], found["released"]) == (0, 0)


def test_a_share_settled_for_the_school_leaves_the_familys_held_money():
    course = a_class("s1")
    books = paid_in_full(course)
    deliver(course, EVE, present=["s1"], pay=0)
    hold(course, "s1", EVE)
    settle(course, "s1", EVE, credited=False)
    after(books, course)
    found = figures(books, course)
    assert (found["held"], found["free"], found["released"]) == (900, 100, 100)
    assert found["credit"] == 0


def test_a_session_whose_dispute_released_the_share_reverses_to_before_it():
    course = a_class("s1", "s2")
    books = given(course)
    before = [balances(books, course, s) for s in ("s1", "s2")]
    deliver(course, EVE, present=["s1", "s2"])
    hold(course, "s1", EVE)
    settle(course, "s1", EVE, credited=False)
    course.reverse_delivery(EVE, reason="wrong class", stamp=stamp(EVE))
    after(books, course)
    assert [balances(books, course, s) for s in ("s1", "s2")] == before


def test_a_session_whose_dispute_credited_the_family_is_not_reversed():
    course = delivered(a_class("s1"), EVE)
    hold(course, "s1", EVE)
    settle(course, "s1", EVE, credited=True)
    history(course)
    with pytest.raises(InvalidSession, match="disputed this session"):
        course.reverse_delivery(EVE, reason="wrong class", stamp=stamp(EVE))


def balances(books: Books, course: Course, student: str) -> dict[str, int]:
    by_kind: dict[str, int] = {}
    for (kind, _), amount in books.holders[Holder(student, course.id)].items():
        by_kind[kind] = by_kind.get(kind, 0) + amount
    return {kind: amount for kind, amount in by_kind.items() if amount}


def test_a_share_awaiting_when_the_student_left_is_confirmed_after_they_return():
    course = delivered(a_class("s1"), EVE)
    course.withdraw("s1", stamp=stamp(date(2026, 10, 9)))
    course.enrol("s1", waived=False, stamp=stamp(date(2026, 10, 12)))
    history(course)
    assert course.awaiting_days("s1") == [EVE]
    course.confirm_by_silence(stamp=stamp(date(2026, 10, 16)))
    [silence] = then(course)
    assert dict(silence.amounts) == {"s1": 100}
