"""A district's weeks: bank and held for families at each week's end, as the
figures define them at that moment, and the sessions delivered each week."""

from datetime import date, timedelta

from psycopg.sql import SQL

from domain.figures import BANK, HELD
from domain.school import School
from projections import funds as f
from projections.figures import columns
from projections.ledger import HOLDER
from projections.trends import fund_weeks, session_weeks
from samples.pingcheng import DISTRICT, load_sample

SCHOOLS = [School.id_for("PC-101"), School.id_for("PC-102")]
TODAY = date(2026, 12, 1)

# The figures of every holder from the journal's lines up to a day, floored
# per holder by the figures' own SQL, then added up.
AT_END_OF = SQL(f"""
    SELECT coalesce(sum(bank), 0) AS bank, coalesce(sum(held), 0) AS held FROM (
        SELECT {columns([BANK, HELD])} FROM (
            SELECT kind, flow, debit, credit, school_id, {HOLDER}
            FROM ledger_lines WHERE school_id = ANY(%s) AND effective <= %s
        ) x GROUP BY school_id, student_id, course_id
    ) y
""")


def test_each_weeks_bank_and_held_are_the_figures_at_its_end(system):
    load_sample(system.bus)
    system.projector.catch_up()

    weeks = fund_weeks(system.queries, SCHOOLS, TODAY)

    assert weeks[0].week == date(2026, 8, 31) and weeks[-1].week == date(2026, 11, 30)
    assert len(weeks) == 14
    moved = 0
    for week in weeks:
        sunday = week.week + timedelta(days=6)
        [expected] = system.queries.rows(AT_END_OF, (SCHOOLS, sunday))
        assert (week.bank, week.held) == (expected["bank"], expected["held"])
        moved += week.held != 0
    assert moved >= 5  # the sample term's weeks, not only empty ones
    funds = f.funds(system.queries, district=DISTRICT)
    now = sum((x.figures for x in funds), f.Figures())
    assert (weeks[-1].bank, weeks[-1].held) == (now.bank, now.held)


def test_sessions_are_counted_in_the_week_they_were_held(system):
    load_sample(system.bus)
    system.projector.catch_up()

    weeks = session_weeks(system.queries, SCHOOLS, TODAY)

    assert weeks[0].week == date(2026, 8, 31) and weeks[-1].week == date(2026, 11, 30)
    [total] = system.queries.rows(
        SQL("SELECT count(*) AS n FROM service_sessions WHERE NOT reversed"), ()
    )
    assert sum(w.sessions for w in weeks) == total["n"] > 0
    assert all(w.week.weekday() == 0 for w in weeks)
