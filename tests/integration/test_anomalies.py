"""Fraud and error detection against a generated term with known truth: each
rule finds exactly the cases injected, and a clean term has no findings."""

from contextlib import nullcontext
from datetime import date

import pytest
from psycopg.sql import SQL

from api.bootstrap import projecting_alongside
from projections.anomalies import RULES, anomalies
from projections.confirmations import dispute_counts
from samples.simulate import ANOMALIES, Plan, PlanError, simulate

LATER = date(2026, 12, 1)  # past every injected deadline


def found_by_rule(system, district: str) -> dict[str, list[str]]:
    system.projector.catch_up()
    schools = system.queries.schools_in(district)
    found: dict[str, list[str]] = {rule: [] for rule in RULES}
    for finding in anomalies(system.queries, schools, today=LATER):
        found[finding.rule].append(f"{finding.school_code}|{finding.subject}")
    return {rule: sorted(subjects) for rule, subjects in found.items()}


def test_every_pattern_of_the_design_has_a_rule():
    assert set(ANOMALIES) == set(RULES)


@pytest.mark.parametrize("alongside", [False, True], ids=["in-process", "alongside"])
def test_each_rule_finds_exactly_the_injected_cases(system, alongside):
    """Refunds and the payroll read caught-up books: projected by the writer
    itself, or by processes beside it that the writer waits for."""
    plan = Plan(schools=3, students=480, seed=11, anomalies=True, per_rule=2)
    with projecting_alongside(system) if alongside else nullcontext():
        truth = simulate(system.bus, plan)
    injected = truth.as_dict()["cases"]
    found = found_by_rule(system, "Simulated")
    assert all(len(cases) == 2 for cases in injected.values())
    assert found == injected


def test_a_clean_generated_term_of_several_schools_has_no_findings(system):
    simulate(system.bus, Plan(schools=3, students=480, seed=5))
    assert found_by_rule(system, "Simulated") == {rule: [] for rule in RULES}


def test_families_confirm_dispute_or_stay_silent_and_the_nights_settle_the_rest(
    system,
):
    """September's payroll is paid in October from what families confirmed
    and what their silence did; each school's disputes end as its bursar, the
    district or time left them."""
    simulate(system.bus, Plan(schools=2, students=160, seed=3))
    system.projector.catch_up()
    schools = system.queries.schools_in("Simulated")
    assert dispute_counts(system.queries, schools) == {
        "open": 0,
        "rejected": 0,
        "escalated": 0,
        "accepted": 4,  # one by each bursar, one unanswered in each school
        "upheld": 0,
        "released": 3,  # rejected and not escalated
        "dismissed": 1,  # escalated in the first school, decided by the district
    }
    settled = SQL("SELECT settled_by, count(*) AS n FROM family_shares GROUP BY 1")
    by = {row["settled_by"]: row["n"] for row in system.queries.rows(settled)}
    assert by["guardian"] > 0 and by["silence"] > by["guardian"]
    assert by["dispute"] == 8 and by[None] > 0  # the last days still await


@pytest.mark.parametrize(
    "plan, message",
    [
        (Plan(schools=0), "at least one school"),
        (Plan(schools=5, students=100), "cannot fill"),
        (Plan(days=0), "between 5 and 90"),
        (Plan(anomalies=True, days=10), "25 days"),
        (Plan(schools=2, students=200, anomalies=True, per_rule=3), "as many schools"),
        (Plan(students=600, teachers=1000), "cannot fill the courses"),
        (Plan(district="Xi"), "3 letters"),
    ],
)
def test_impossible_plans_are_refused_and_write_nothing(system, plan, message):
    head = system.funds.head()
    with pytest.raises(PlanError, match=message):
        simulate(system.bus, plan)
    assert system.funds.head() == head
