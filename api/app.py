"""The FastAPI application: thin routes over the fund's handlers and queries."""

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import console
from api.bootstrap import System
from api.districts import DistrictRouting, Districts
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
    rollup,
    setup,
)


def create_app(system: System, districts: Districts | None = None) -> FastAPI:
    """The API of one database, or with ``districts`` of each district's,
    answering a request from the district that holds its token."""
    app = FastAPIOffline(
        title="fundledger",
        summary="Supervised funds of school after-school services",
        version="0.1.0",
    )
    app.state.system = system
    install_error_handlers(app)
    routers = (setup, register, registration, money, payroll, bank, funds, ledger)
    routers += (disputes, compliance, audit, people, guardians, lists, rollup)
    for module in (*routers, health, metrics):
        app.include_router(module.router)
    console.install(app)

    if districts is not None:
        app.state.districts = districts
        app.add_middleware(DistrictRouting, districts=districts)
    app.add_middleware(RequestLog)
    document_problems(app)
    return app
