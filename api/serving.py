"""Serving: the API with its projections and scheduler beside it, for one
database or for every district with the roll-up following them."""

import threading
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial

import psycopg
import structlog
import uvicorn
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from api.app import create_app
from api.bootstrap import System, rebuild_side_by_side
from api.districts import Districts
from api.rollup import keep_following, open_rollup
from api.scheduler import scheduler_for
from api.server import supervising
from infra.database import Supervisor
from infra.logging import configure_logging
from infra.settings import Settings
from projections.rollup import Rollup
from projections.runner import Projector

console = Console(stderr=True, soft_wrap=True)
log = structlog.get_logger("serving")
ROLLUP_EVERY = 5.0  # seconds between the roll-up's rounds while serving


class Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} events/s" if task.speed else "")


def project_with_progress(
    system: System, label: str, rebuild: tuple[str, ...] | None = None
) -> int:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} events"),
        Rate(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=system.funds.head())

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if rebuild is None:
            position = system.projector.catch_up(progress)
        else:
            position = rebuild_side_by_side(system, rebuild, progress)
        bar.update(task, completed=position, total=position)
    return position


def keep_projecting(projector: Projector, stop: threading.Event) -> None:
    """Projects until ``stop`` is set, listening again after the database went
    away: its connection does not survive a restart."""
    while not stop.is_set():
        try:
            projector.run_forever(stop)
        except (psycopg.Error, PersistenceError) as error:
            log.warning("projections lost the database", error=str(error))
            stop.wait(1.0)


@contextmanager
def alongside(*jobs: Callable[[threading.Event], None]) -> Iterator[None]:
    """Runs each job in a thread of its own until the block ends."""
    stop = threading.Event()
    threads = [threading.Thread(target=job, args=(stop,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def background(system: System, *, projections: bool, scheduler: bool) -> list:
    jobs = [partial(keep_projecting, system.projector)] if projections else []
    return jobs + ([scheduler_for(system).run_forever] if scheduler else [])


def serve_api(
    settings: Settings,
    system: System,
    *,
    projections: bool = True,
    scheduler: bool = True,
    districts: Districts | None = None,
    rollup: Rollup | None = None,
):
    @asynccontextmanager
    async def lifespan(app):
        with alongside(
            *background(system, projections=projections, scheduler=scheduler)
        ):
            yield

    configure_logging("INFO")
    app = create_app(system, districts)
    app.router.lifespan_context = lifespan
    if rollup is not None:
        app.state.rollup = rollup.datastore
    with supervising(settings, system):
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


class EachDistrict:
    """Projects each district's log and runs its scheduler, from the moment
    its System is opened, and watches its database: while it does not answer
    its pools refuse at once, and when it answers again their connections are
    replaced (a district's server is not restarted from here: it may be on
    another machine, and its stop shows in the roll-up as stale)."""

    def __init__(self, *, projections: bool, scheduler: bool) -> None:
        self.projections, self.scheduler = projections, scheduler
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.watching: list[Supervisor] = []

    def __call__(self, name: str, system: System) -> None:
        datastores = (system.queries.datastore, system.funds.recorder.datastore)
        self.watching.append(Supervisor(system.database, datastores).__enter__())
        jobs = background(
            system, projections=self.projections, scheduler=self.scheduler
        )
        for n, job in enumerate(jobs):
            thread = threading.Thread(
                target=job, args=(self.stop,), name=f"{name}-{n}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for watching in self.watching:
            watching.__exit__(None, None, None)


def serve_districts(
    settings: Settings,
    system: System,
    *,
    projections: bool = True,
    scheduler: bool = True,
    served: Districts | None = None,
    rollup_every: float = ROLLUP_EVERY,
) -> None:
    """Serves every district of the settings file, each projected and watched
    by its own threads, and follows them all in the roll-up."""
    each = EachDistrict(projections=projections, scheduler=scheduler)
    served = served or Districts(settings)
    served.opened = each
    for name, opened in list(served.systems.items()):
        each(name, opened)
    if silent := served.open_all():
        console.print(f"Not answering, opened when they do: {', '.join(silent)}")
    console.print(f"Serving districts {', '.join(served.names())}")
    rollup = open_rollup(settings)
    try:
        with alongside(partial(keep_following, rollup, rollup_every)):
            serve_api(
                settings,
                system,
                projections=False,
                scheduler=False,
                districts=served,
                rollup=rollup,
            )
    finally:
        each.close()
        rollup.close()
        served.close()
