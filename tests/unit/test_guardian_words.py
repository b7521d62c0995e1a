"""Every code a guardian's pages show has words: leave reasons, course
categories, and the refusals of leave, ratings and registration."""

from api.console.words import CATEGORIES, LEAVE_REASONS, family_refusal
from domain import errors as e
from domain.course import Category
from domain.leave import LeaveReason


def test_every_leave_reason_and_category_has_a_label():
    assert set(LEAVE_REASONS) == set(LeaveReason)
    assert set(CATEGORIES) == set(Category)


def test_a_family_refusal_says_the_rule_in_the_family_s_words():
    assert family_refusal(e.AlreadyExists("x")) == "This was recorded already."
    waiting = "Your child is not on this waiting list."
    assert family_refusal(e.NotWaiting("x")) == waiting
    assert family_refusal(e.NotAwaitingConfirmation("x")) == (
        "This session no longer awaits your confirmation."
    )
