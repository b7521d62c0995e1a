"""Working days as the PRC calendar has them (the State Council's holidays
and the weekend days worked in their place) and a school's closed days."""

from datetime import date

import pytest

from domain.workdays import WorkingDays
from infra.calendar import prc_working_days

PRC = prc_working_days()


def test_seven_working_days_after_the_eve_of_national_day_end_on_the_15th():
    # 2026: 1-7 October off; Saturday 10 October worked in their place
    assert not PRC.works(date(2026, 10, 1)) and PRC.works(date(2026, 10, 10))
    assert PRC.after(date(2026, 9, 30), 7) == date(2026, 10, 15)


def test_the_spring_festival_week_is_not_counted_and_its_saturdays_are():
    # 2026: 15-23 February off; Saturdays 14 and 28 February worked
    assert PRC.works(date(2026, 2, 14)) and PRC.works(date(2026, 2, 28))
    assert PRC.after(date(2026, 2, 13), 7) == date(2026, 3, 2)
    assert PRC.between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_a_schools_closed_days_are_not_working_days_either():
    closed = PRC.closing([date(2026, 11, 19), date(2026, 11, 20)])
    assert PRC.after(date(2026, 11, 18), 2) == date(2026, 11, 20)
    assert closed.after(date(2026, 11, 18), 2) == date(2026, 11, 24)


def test_no_working_days_after_a_day_is_that_day():
    weekdays = WorkingDays(lambda day: day.weekday() < 5)
    assert weekdays.after(date(2026, 11, 21), 0) == date(2026, 11, 21)
    assert weekdays.after(date(2026, 11, 20), 1) == date(2026, 11, 23)
    with pytest.raises(ValueError):
        weekdays.after(date(2026, 11, 20), -1)
