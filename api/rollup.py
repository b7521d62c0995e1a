"""The roll-up's wiring: its database, the districts it follows, and its
rounds while serving."""

import threading

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError

from infra import districts
from infra.database import Database, from_url, open_database
from infra.settings import Settings
from projections.rollup import Rollup

log = structlog.get_logger("rollup")


def rollup_database(settings: Settings) -> Database:
    """The database the districts file names as ``rollup``, or the home one."""
    named = districts.load(settings.home).rollup
    return from_url(named) if named else open_database(settings)


def open_rollup(settings: Settings, database: Database | None = None) -> Rollup:
    """Follows the districts of the settings file, read again every round,
    so a district added is followed from its first round."""
    home = settings.home

    def listed() -> list[districts.District]:
        return list(districts.load(home).districts)

    def locate(district: districts.District) -> Database:
        return districts.open_district(home, district, settings.database)

    datastore = (database or rollup_database(settings)).datastore(pool_size=2)
    return Rollup(datastore, listed, locate)


def keep_following(rollup: Rollup, every: float, stop: threading.Event) -> None:
    """A roll-up round every ``every`` seconds until ``stop`` is set; a round
    that fails (the roll-up's own database away) is tried again."""
    while not stop.is_set():
        try:
            rollup.follow()
        except (psycopg.Error, PersistenceError) as error:
            log.warning("the roll-up lost its database", error=str(error))
        stop.wait(every)
