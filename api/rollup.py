"""The roll-up's wiring: its database, and the districts it follows."""

from eventsourcing.postgres import PostgresDatastore

from infra import districts
from infra.database import POOL_WAIT, Database, from_url, open_database
from infra.settings import Settings
from projections.rollup import Rollup


def rollup_database(settings: Settings) -> Database:
    """The database the districts file names as ``rollup``, or the home one."""
    named = districts.load(settings.home).rollup
    return from_url(named) if named else open_database(settings)


def datastore_of(database: Database, pool_size: int = 2) -> PostgresDatastore:
    return PostgresDatastore(
        dbname=database.dbname,
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_timeout=POOL_WAIT,
    )


def open_rollup(settings: Settings, database: Database | None = None) -> Rollup:
    """Follows the districts of the settings file, read again every round,
    so a district added is followed from its first round."""
    home = settings.home

    def listed() -> list[districts.District]:
        return list(districts.load(home).districts)

    def locate(district: districts.District) -> Database:
        return districts.open_district(home, district, settings.database)

    datastore = datastore_of(database or rollup_database(settings))
    return Rollup(datastore, listed, locate)
