"""The FastAPI application: thin routes over the fund's handlers and queries."""

import re
import time
from uuid import uuid4

import structlog
from fastapi import FastAPI, Request
from structlog.contextvars import bound_contextvars

from api.bootstrap import System
from api.deps import SystemDep
from api.errors import install_error_handlers, problem
from api.routes import funds, ledger, money, register, setup
from api.schemas import Health

log = structlog.get_logger("api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(system: System) -> FastAPI:
    app = FastAPI(
        title="fundledger",
        summary="Supervised funds of school after-school services",
        version="0.1.0",
    )
    app.state.system = system
    install_error_handlers(app)
    for module in (setup, register, money, funds, ledger):
        app.include_router(module.router)

    @app.get("/health", tags=["health"])
    def health(system: SystemDep) -> Health:
        """Liveness, and how far the read models have caught up with the log."""
        head = system.funds.head()
        return Health(status="ok", position=system.projector.position(), head=head)

    @app.middleware("http")
    async def log_request(request: Request, call_next):
        given = request.headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else uuid4().hex
        started = time.perf_counter()
        with bound_contextvars(request_id=request_id):
            try:
                response = await call_next(request)
            except Exception:
                log.exception("unhandled error", path=request.url.path)
                response = problem(500, "internal", "Internal error", "it was logged")
            principal = getattr(request.state, "principal", None)
            route = request.scope.get("route")
            log.info(
                "request",
                request_id=request_id,
                method=request.method,
                route=getattr(route, "path", request.url.path),
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                actor=principal.grant.subject if principal else None,
                role=principal.grant.role.value if principal else None,
            )
        response.headers["X-Request-ID"] = request_id
        return response

    return app
