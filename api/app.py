"""The FastAPI application: thin routes over the fund's handlers and queries."""

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import console
from api.bootstrap import System
from api.errors import document_problems, install_error_handlers
from api.middleware import RequestLog
from api.routes import (
    audit,
    bank,
    compliance,
    disputes,
    funds,
    guardians,
    health,
    ledger,
    lists,
    metrics,
    money,
    payroll,
    people,
    register,
    registration,
    setup,
)


def create_app(system: System) -> FastAPI:
    app = FastAPIOffline(
        title="fundledger",
        summary="Supervised funds of school after-school services",
        version="0.1.0",
    )
    app.state.system = system
    install_error_handlers(app)
    routers = (setup, register, registration, money, payroll, bank, funds, ledger)
    routers += (disputes, compliance, audit, people, guardians, lists)
    for module in (*routers, health, metrics):
        app.include_router(module.router)
    console.install(app)

    app.add_middleware(RequestLog)
    document_problems(app)
    return app
