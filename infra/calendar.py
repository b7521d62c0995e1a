"""The PRC working-day calendar from the maintained `holidays` package: the
State Council's public holidays and the weekend days worked in their place."""

from functools import cache

import holidays

from domain.workdays import WorkingDays


@cache
def _china() -> holidays.HolidayBase:
    return holidays.China(years=range(2000, 2101))


def prc_working_days() -> WorkingDays:
    return WorkingDays(_china().is_working_day)
