"""An event a read model cannot store stops that read model alone, at that
event, and says so; the others go on."""

from application import commands as c
from domain.course import Course
from domain.school import Term
from projections import funds as f
from tests.builders import ADMIN, BURSAR, stamp
from tests.integration.test_term_story import SEP, Story


def test_a_nul_in_a_stored_event_stops_only_the_read_models_that_store_it(
    system, clock
):
    story = Story(system, clock)
    story.play()
    term = system.funds.get(Term.id_for(story.school, "T"))
    bad = Course.open(
        term=term,
        code="NUL",
        name="a name PostgreSQL cannot store: \x00",
        category="arts",
        capacity=10,
        teacher_id=story.teacher,
        stamp=stamp(SEP[5], ADMIN),
    )
    where = system.funds.record([bad])  # written around the API, which refuses it
    paid = story.do(
        c.RecordPayment(story.school, "a", 500, "bank", "AFTER", SEP[6]), BURSAR
    )

    assert system.projector.catch_up() == paid
    failed = system.projector.failures()
    assert set(failed) == {"balances", "audit"}
    assert {row["position"] for row in failed.values()} == {where}
    positions = system.projector.positions()
    assert positions["balances"] == positions["audit"] == where - 1
    assert positions["ledger"] == positions["payroll"] == paid
    assert f.fund(system.queries, story.school).figures.bank == 133000 + 7000 + 500

    system.projector.only(["balances"]).reset()
    assert set(system.projector.failures()) == {"audit"}
