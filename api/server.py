"""The ASGI application for a multi-worker server: each worker wires its own."""

from fastapi import FastAPI

from api.app import create_app
from api.bootstrap import bootstrap
from infra.logging import configure_logging


def app() -> FastAPI:
    configure_logging()
    return create_app(bootstrap())
