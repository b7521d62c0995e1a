"""Every error leaves as RFC 9457 application/problem+json."""

import psycopg
import structlog
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.metrics import REFUSED
from domain.errors import Conflict, DomainError, every_rule

PROBLEM = "application/problem+json"
TYPE_BASE = "https://fundledger.cn/problems/"
RETRY_AFTER_SECONDS = "1"
log = structlog.get_logger("api")


class Unauthenticated(DomainError):
    """A valid bearer token is required."""

    code = "unauthenticated"
    status = 401


class Forbidden(DomainError):
    """This token may not do this."""

    code = "forbidden"
    status = 403


class InvalidCursor(DomainError):
    """A page starts after a cursor a page before gave."""

    code = "invalid-cursor"


class FontNotInstalled(DomainError):
    """The server lacks the font a PDF is set in."""

    code = "font-not-installed"
    status = 503


class KeyReused(Conflict):
    """The Idempotency-Key was used with a different request."""

    code = "idempotency-key-reused"


class NotRecorded(Conflict):
    """That log position has not been recorded."""

    code = "position-not-recorded"


# Problems that no rule of the domain raises.
OTHER_PROBLEMS = {
    "invalid-request": "Invalid request",
    "read-models-behind": "The read models are behind; try again shortly",
    "database-unavailable": "The database is busy or unreachable; try again",
    "method-not-allowed": "Method not allowed",
    "http": "An HTTP error",
}


def title_of(error: type[DomainError]) -> str:
    return (error.__doc__ or error.code).strip().splitlines()[0].rstrip(".")


def problem_types() -> dict[str, str]:
    """Every problem type the API answers with, and its title."""
    rules = {error.code: title_of(error) for error in every_rule()}
    return dict(sorted((rules | OTHER_PROBLEMS).items()))


def document_problems(app: FastAPI) -> None:
    """Lists every problem type in the OpenAPI document, on each problem."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            types = problem_types()
            listed = {
                "enum": [TYPE_BASE + code for code in types],
                "description": "; ".join(f"{code}: {t}" for code, t in types.items()),
            }
            for path in schema["paths"].values():
                for operation in path.values():
                    for answer in operation.get("responses", {}).values():
                        content = answer.get("content", {}).get(PROBLEM)
                        if content:
                            content["schema"]["properties"]["type"] |= listed
        return app.openapi_schema

    app.openapi = openapi


def problem(status: int, code: str, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": TYPE_BASE + code, "title": title, "status": status}
    body |= {"detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        REFUSED.labels(exc.code).inc()
        title = title_of(type(exc))
        context = {k: str(v) for k, v in exc.context.items()}
        response = problem(exc.status, exc.code, title, exc.message, **context)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if exc.status == 429:
            response.headers["Retry-After"] = str(exc.context["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        REFUSED.labels("invalid-request").inc()
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
