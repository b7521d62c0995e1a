"""The demo's families: named, linked to their children in the log, rating
their children's courses; the school's satisfaction counts every rating."""

from datetime import date

from domain.school import School
from projections.satisfaction import satisfaction
from samples.people import record_people
from samples.pingcheng import load_sample
from samples.ratings import rate_courses


def test_the_sample_families_rate_their_childrens_courses(system, clock):
    load_sample(system.bus)
    system.projector.catch_up()
    clock.set(date(2026, 10, 20), 9)  # after the weeks rated
    guardians = record_people(system.bus, system.registry)
    rated = rate_courses(system.bus, system.registry, guardians["PC-101"])
    system.projector.catch_up()
    [school] = satisfaction(system.queries, [School.id_for("PC-101")], "school")
    assert rated > 200 and school.ratings == rated
    assert 0 < float(school.response_rate) <= 100
    assert 4.0 <= float(school.course_mean) <= 5.0
