"""Every error leaves as RFC 9457 application/problem+json."""

import psycopg
import structlog
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from domain.errors import DomainError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://fundledger.cn/problems/"
RETRY_AFTER_SECONDS = "1"
log = structlog.get_logger("api")


def problem(status: int, code: str, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": TYPE_BASE + code, "title": title, "status": status}
    body |= {"detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        title = exc.code.replace("-", " ").capitalize()
        context = {k: str(v) for k, v in exc.context.items()}
        response = problem(exc.status, exc.code, title, exc.message, **context)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid-request", "Invalid request", detail, errors=errors)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not-found", 405: "method-not-allowed"}.get(
            exc.status_code, "http"
        )
        return problem(exc.status_code, code, str(exc.detail), str(exc.detail))

    @app.exception_handler(TimeoutError)
    def behind(request: Request, exc: TimeoutError) -> JSONResponse:
        return problem(503, "read-models-behind", "Try again shortly", str(exc))

    @app.exception_handler(OperationalError)
    @app.exception_handler(psycopg.OperationalError)
    def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # every command commits whole or not at all, and a re-sent one with
        # its Idempotency-Key is recognised: trying again is safe
        log.warning("database unavailable", path=request.url.path, error=str(exc))
        response = problem(
            503,
            "database-unavailable",
            "Try again shortly",
            "the database is busy or unreachable",
        )
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
