"""The fundledger command line."""

import threading
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from api.app import create_app
from api.bootstrap import System, bootstrap
from application.sample import load_sample
from infra.logging import configure_logging
from infra.settings import Settings

cli = typer.Typer(help="Supervised funds of school after-school services.")
console = Console(stderr=True)
log = structlog.get_logger("cli")


def start() -> tuple[Settings, System]:
    configure_logging()
    settings = Settings()
    return settings, bootstrap(settings)


def project_with_progress(
    system: System, label: str, rebuild: tuple[str, ...] | None = None
) -> int:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} events"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=system.funds.head())

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if rebuild is None:
            position = system.projector.catch_up(progress)
        else:
            position = system.projector.rebuild(rebuild, progress)
        bar.update(task, completed=position, total=position)
    return position


def serve_api(settings: Settings, system: System) -> None:
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(app):
        runner = threading.Thread(
            target=system.projector.run_forever, args=(stop,), daemon=True
        )
        runner.start()
        yield
        stop.set()
        runner.join(timeout=5)

    app = create_app(system)
    app.router.lifespan_context = lifespan
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


@cli.command()
def demo() -> None:
    """Load the sample district (once), project it, and serve the API."""
    settings, system = start()
    if system.funds.head() == 0:
        console.print("Loading the sample term: 2 schools, 300 students, 6 weeks…")
        load_sample(system.funds)
    project_with_progress(system, "Projecting")
    base = f"http://{settings.host}:{settings.port}"
    console.print(
        f"\n[bold]fundledger[/] is serving the Pingcheng sample district at {base}\n"
        f"  API documentation   {base}/docs\n"
        f"  District funds      {base}/v1/districts/Pingcheng/funds\n"
        f"  Trial balance       {base}/v1/ledger/trial-balance\n"
        "Press Ctrl-C to stop.\n"
    )
    serve_api(settings, system)


@cli.command()
def serve() -> None:
    """Serve the API, with the projections running in the same process."""
    settings, system = start()
    serve_api(settings, system)


@cli.command()
def project() -> None:
    """Run the projections as their own process, until interrupted."""
    _, system = start()
    stop = threading.Event()
    log.info("projecting", position=system.projector.position())
    try:
        system.projector.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()


@cli.command()
def rebuild(
    projection: Annotated[
        list[str] | None, typer.Option(help="rebuild only this read model")
    ] = None,
) -> None:
    """Empty the read models and rebuild them from position 0."""
    _, system = start()
    names = tuple(projection or ())
    known = {p.name for p in system.projector.projections}
    if unknown := set(names) - known:
        console.print(
            f"No read model named {', '.join(sorted(unknown))}; "
            f"there are: {', '.join(sorted(known))}."
        )
        raise typer.Exit(2)
    position = project_with_progress(system, "Rebuilding", names)
    console.print(f"Rebuilt up to position {position:,}.")


def main() -> None:
    cli()
