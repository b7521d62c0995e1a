"""The one place where the fund is wired together, for the API, CLI and tests."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from application.funds import Clock, Funds, PaySession, utc_now
from infra.chain import Chain
from infra.database import Database, open_database
from infra.recorder import RequestKeys
from infra.settings import Settings
from infra.tokens import TokenStore
from projections.queries import Queries
from projections.runner import Projector
from projections.views import PROJECTIONS

SYNC_SECONDS = 10.0


class CaughtUpBooks:
    """The application's view of the books: the read models, first brought up
    to the log's head, so a refund or a payroll decides on everything
    recorded before it."""

    projector: Projector

    def __init__(self, queries: Queries) -> None:
        self.queries = queries

    def sync(self) -> Queries:
        self.projector.catch_up(timeout=SYNC_SECONDS)
        return self.queries

    def credit(self, school_id: UUID, student_id: str) -> int:
        return self.sync().credit(school_id, student_id)

    def free_cash(self, school_id: UUID) -> int:
        return self.sync().free_cash(school_id)

    def pay_sessions(self, school_id: UUID, through: date) -> list[PaySession]:
        return [PaySession(**r) for r in self.sync().pay_sessions(school_id, through)]

    def term_surplus(self, term_id: UUID) -> int:
        return self.sync().term_surplus(term_id)


@dataclass
class System:
    database: Database
    funds: Funds
    projector: Projector
    queries: Queries
    tokens: TokenStore
    requests: RequestKeys
    chain: Chain

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
    books = CaughtUpBooks(queries)
    env = database.library_env(
        settings.pool_size, settings.aggregate_cache, sole_writer=settings.sole_writer
    )
    funds = Funds(env, clock=clock, books=books)
    projector = Projector(
        funds,
        projections,
        conninfo=database.conninfo,
        batch_size=settings.projection_batch,
    )
    books.projector = projector
    recorder = funds.recorder
    requests = RequestKeys(datastore, recorder.events_table_name)
    chain = Chain(
        datastore, database.conninfo, recorder.events_table_name, recorder.chain_table
    )
    return System(
        database, funds, projector, queries, TokenStore(datastore), requests, chain
    )
