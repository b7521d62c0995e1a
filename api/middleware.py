"""One log line per request, a request id on every response, and a problem
instead of a broken connection when something unexpected fails."""

import re
import time
from uuid import uuid4

import structlog
from structlog.contextvars import bound_contextvars

from api.errors import problem
from api.metrics import REQUESTS

log = structlog.get_logger("api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLog:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else uuid4().hex
        started = time.perf_counter()
        status = 0

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
                message = message | {"headers": headers}
            await send(message)

        with bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("unhandled error", path=scope["path"])
                if not status:
                    response = problem(
                        500, "internal", "Internal error", "it was logged"
                    )
                    await response(scope, receive, send_with_id)
            principal = scope.get("state", {}).get("principal")
            route = getattr(scope.get("route"), "path", "unmatched")
            took = time.perf_counter() - started
            REQUESTS.labels(scope["method"], route, str(status)).observe(took)
            log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(took * 1000, 2),
                actor=principal.grant.subject if principal else None,
                role=principal.grant.role.value if principal else None,
            )
