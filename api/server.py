"""The ASGI application for a multi-worker server: each worker wires its own."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.app import create_app
from api.bootstrap import System, bootstrap
from infra.database import Supervisor, supervisor
from infra.logging import configure_logging
from infra.settings import Settings


def supervising(settings: Settings, system: System) -> Supervisor:
    """A supervisor of the database this process uses, and of its pools."""
    datastores = (system.queries.datastore, system.funds.recorder.datastore)
    return supervisor(settings, system.database, datastores)


def app() -> FastAPI:
    configure_logging()
    settings = Settings()
    system = bootstrap(settings)
    app = create_app(system)

    @asynccontextmanager
    async def lifespan(app):
        with supervising(settings, system) as watching:
            yield
        if watching.embedded:
            # uvicorn ends its workers by raising the signal again, which
            # skips the handlers that would have let go of the server at exit
            watching.embedded.release()

    app.router.lifespan_context = lifespan
    return app
