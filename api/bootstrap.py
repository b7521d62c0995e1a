"""The one place where the fund is wired together, for the API, CLI and tests."""

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from application.funds import Clock, Funds, PaySession, utc_now
from infra.chain import Chain
from infra.database import Database, open_database
from infra.logging import configure_logging
from infra.recorder import RequestKeys
from infra.settings import Settings
from infra.tokens import TokenStore
from projections.queries import Queries
from projections.runner import Progress, Projector
from projections.views import PROJECTIONS, SIDE_BY_SIDE

SYNC_SECONDS = 60.0  # without progress: a batch of a large log takes seconds


class CaughtUpBooks:
    """The application's view of the books: the read models a decision reads,
    first brought up to everything recorded about its school, so a refund or
    a payroll decides on all that was recorded before it, and does not wait
    for other schools' work. Projection processes may be doing that work
    already; this one takes what they leave (see ``Projector.catch_up``)."""

    projector: Projector

    def __init__(self, queries: Queries) -> None:
        self.queries = queries

    def sync(self, *read_models: str, school: UUID | None = None) -> Queries:
        """``school``: only what was recorded about it must be projected."""
        recorder = self.projector.app.recorder
        until = recorder.school_head(school) if school else None
        self.projector.only(read_models).catch_up(timeout=SYNC_SECONDS, until=until)
        return self.queries

    def credit(self, school_id: UUID, student_id: str) -> int:
        return self.sync("balances", school=school_id).credit(school_id, student_id)

    def free_cash(self, school_id: UUID) -> int:
        return self.sync("ledger", "balances", school=school_id).free_cash(school_id)

    def pay_sessions(self, school_id: UUID, through: date) -> list[PaySession]:
        rows = self.sync("payroll", school=school_id).pay_sessions(school_id, through)
        return [PaySession(**r) for r in rows]

    def term_surplus(self, term_id: UUID) -> int:
        return self.sync("ledger", "balances").term_surplus(term_id)


@dataclass
class System:
    database: Database
    funds: Funds
    projector: Projector
    queries: Queries
    tokens: TokenStore
    requests: RequestKeys
    chain: Chain
    books: CaughtUpBooks
    settings: Settings = field(default_factory=Settings)

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
        database,
        funds,
        projector,
        queries,
        TokenStore(datastore),
        requests,
        chain,
        books,
        settings,
    )


def project(settings: Settings, database: Database, names: Iterable[str], stop=None):
    """Projects the named read models in this process: up to the log's head,
    or until ``stop`` is set."""
    configure_logging("WARNING")
    system = bootstrap(settings, database=database)
    projector = system.projector.only(names)
    try:
        if stop is None:
            projector.catch_up()
        else:
            projector.run_forever(stop, poll=0.2)
    finally:
        system.close()


@contextmanager
def projecting_alongside(system: System) -> Iterator[None]:
    """Projects in processes of their own (as the rebuild splits the read
    models) while this one writes, so a bulk load uses every core; a
    decision that reads the books waits for the read models it reads, or
    brings them up itself when the processes are between batches."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [
        context.Process(
            target=project, args=(system.settings, system.database, group, stop)
        )
        for group in SIDE_BY_SIDE
    ]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def rebuild_side_by_side(
    system: System, names: Iterable[str] = (), progress: Progress | None = None
) -> int:
    """Empties the chosen read models and rebuilds them in two processes, the
    ledger in one and the others in the other (this process takes the first
    group); returns the position reached."""
    chosen = set(names) or {p.name for p in system.projector.projections}
    groups = [g for group in SIDE_BY_SIDE if (g := [n for n in group if n in chosen])]
    whole = system.projector.only(chosen)
    whole.reset()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max(1, len(groups) - 1), mp_context=context) as pool:
        helpers = [
            pool.submit(project, system.settings, system.database, group)
            for group in groups[1:]
        ]

        def report(done: int, head: int) -> None:
            if progress:
                progress(whole.position(), head)

        whole.only(groups[0]).catch_up(report)
        for helper in helpers:
            helper.result()
    return whole.catch_up(progress)
