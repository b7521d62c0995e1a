"""The one place where the fund is wired together, for the API, CLI and tests."""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from application.funds import Clock, Funds, utc_now
from infra.database import Database, open_database
from infra.recorder import RequestKeys
from infra.settings import Settings
from infra.tokens import TokenStore
from projections.queries import Queries
from projections.runner import Projector
from projections.views import PROJECTIONS

REFUND_SYNC_SECONDS = 10.0


@dataclass
class System:
    database: Database
    funds: Funds
    projector: Projector
    queries: Queries
    tokens: TokenStore
    requests: RequestKeys

    def close(self) -> None:
        self.funds.close()
        self.queries.datastore.close()


def bootstrap(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
) -> System:
    settings = settings or Settings()
    database = database or open_database(settings)
    datastore = PostgresDatastore(
        dbname=database.dbname,
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
    )
    projections = []
    for cls in PROJECTIONS:
        view = cls.view_class(datastore, tracking_table_name=f"{cls.name}_tracking")
        view.create_table()
        projections.append(cls(view))
    queries = Queries(datastore)

    def credit(school_id: UUID, student_id: str) -> int:
        projector.catch_up(timeout=REFUND_SYNC_SECONDS)
        return queries.credit(school_id, student_id)

    funds = Funds(database.library_env(settings.pool_size), clock=clock, credit=credit)
    projector = Projector(
        funds,
        projections,
        conninfo=database.conninfo,
        batch_size=settings.projection_batch,
    )
    requests = RequestKeys(datastore, funds.recorder.events_table_name)
    return System(database, funds, projector, queries, TokenStore(datastore), requests)
