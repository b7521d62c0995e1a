"""A family's confirmation and its dispute of the same share, sent at the
same instant through two applications: exactly one is recorded, the other is
refused, and the share is in one state on the books."""

import threading

from application import commands as c
from domain.errors import DomainError
from domain.figures import AWAITING, DISPUTED, RELEASED
from domain.ledger import Holder
from tests.conftest import make_system
from tests.integration.test_term_story import SEP, Story

TRIES = 10  # a session a try: the 1st to the 10th of September
SHARE = 3000


def at_once(*sends) -> list[str]:
    """Each command through its own application; what became of each."""
    start, outcome = threading.Barrier(len(sends)), ["?"] * len(sends)

    def send(n: int, bus, command, actor) -> None:
        start.wait()
        try:
            bus.handle(command, actor)
            outcome[n] = "recorded"
        except DomainError as refusal:
            outcome[n] = refusal.code

    threads = [threading.Thread(target=send, args=(n, *s)) for n, s in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def test_a_share_confirmed_and_disputed_at_once_is_one_or_the_other(database, clock):
    story, rival = (
        Story(make_system(database, clock), clock),
        make_system(database, clock),
    )
    try:
        story.set_up()
        family = story.guardian("a")
        won = []
        for day in (SEP[n] for n in range(1, TRIES + 1)):
            story.deliver(day, "a")
            clock.set(day, 20)
            confirm = c.ConfirmShares(story.course, "a", day)
            dispute = c.OpenDispute(story.course, "a", day, "absent")
            outcome = at_once(
                (story.system.bus, confirm, family), (rival.bus, dispute, family)
            )
            assert sorted(outcome) in (
                ["not-awaiting-confirmation", "recorded"],  # confirmed first
                ["already-disputed", "recorded"],  # disputed first
                ["books-changed", "recorded"],
            ), outcome
            won.append("confirmed" if outcome[0] == "recorded" else "disputed")
        with story.system.bus.bookkeeper.open(story.school) as books:
            flows = books.holders[Holder("a", story.course)]
        assert AWAITING.of(flows) == 0
        assert DISPUTED.of(flows) == SHARE * won.count("disputed")
        assert RELEASED.of(flows) == SHARE * won.count("confirmed")
    finally:
        story.system.close()
        rival.close()
