"""A served fund over real HTTP: uvicorn on a free port, projections running."""

import socket
import threading
import time
from dataclasses import dataclass, field
from uuid import uuid4

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.bootstrap import System
from infra.database import ensure_database
from infra.tokens import Role
from samples.pingcheng import load_sample
from tests.conftest import make_system


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    system: System
    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, subject: str, role: Role, district=None, schools=(), **wide) -> str:
        """``wide``: a city or province, for a regulator's or auditor's."""
        if subject not in self.tokens:
            _, self.tokens[subject] = self.system.tokens.create(
                subject=subject,
                role=role,
                district=district,
                schools=tuple(schools),
                **wide,
            )
        return self.tokens[subject]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


def serve(system: System):
    stop = threading.Event()
    projector = threading.Thread(
        target=system.projector.run_forever, args=(stop, 0.2), daemon=True
    )
    projector.start()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(system), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield Served(system, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        stop.set()
        thread.join()
        projector.join()
        system.close()


@pytest.fixture(scope="module")
def sample(pg_server):
    """The sample district, projected and served, for one test module."""
    system = make_system(ensure_database(pg_server, f"e2e_{uuid4().hex[:12]}"))
    load_sample(system.bus)
    system.projector.catch_up()
    yield from serve(system)


@pytest.fixture(scope="module")
def empty(pg_server):
    """An empty fund, served, for one test module."""
    system = make_system(ensure_database(pg_server, f"e2e_{uuid4().hex[:12]}"))
    yield from serve(system)
