"""`fundledger rollup`: the city and province roll-up of every district."""

import threading
from typing import Annotated

import typer
from rich.console import Console

from api.rollup import keep_following, open_rollup
from infra.logging import configure_logging
from infra.settings import Settings

cli = typer.Typer(help="The city and province roll-up of every district.")
console = Console(stderr=True, soft_wrap=True)


def report(errors: dict[str, str | None]) -> None:
    for name, error in errors.items():
        console.print(f"{name}: stale, {error}" if error else f"{name}: followed")


@cli.command("follow")
def follow(
    forever: Annotated[
        bool, typer.Option("--forever", help="a round every --every seconds")
    ] = False,
    every: Annotated[float, typer.Option(min=0.1)] = 5.0,
) -> None:
    """Follow every district from the position the roll-up reflects."""
    configure_logging("WARNING")
    rollup = open_rollup(Settings())
    try:
        report(rollup.follow())
        if forever:
            keep_following(rollup, every, threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        rollup.close()


@cli.command("rebuild")
def rebuild() -> None:
    """Empty the roll-up and follow every district from position 0."""
    configure_logging("WARNING")
    rollup = open_rollup(Settings())
    try:
        report(rollup.rebuild())
    finally:
        rollup.close()
