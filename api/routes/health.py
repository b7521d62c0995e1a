"""Is the service alive, and is it ready to answer: each said within two
seconds, whatever the database does."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.bootstrap import System
from api.deps import SystemDep
from api.schemas import Health

router = APIRouter(tags=["health"])
ANSWER_WITHIN = 1.5  # seconds, for the database's part
LAG_LIMIT = 10_000  # events a read model may be behind and still be ready
WAITING_LIMIT = 30.0  # seconds the oldest event not yet projected may wait
# One probe at a time: a database that hangs holds this thread, not the
# server's; a probe still waiting is an answer too (not ready).
_PROBE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")


@dataclass(frozen=True)
class State:
    head: int
    positions: dict[str, int]
    failed: dict[str, dict]
    waiting: float  # seconds the oldest event no read model has reached waits
    verified: int  # the chain is verified up to this position


def probe(system: System) -> State:
    funds, projector = system.funds, system.projector
    head, positions = funds.head(), projector.positions()
    failed = projector.failures()
    behind = min(
        (n for name, n in positions.items() if name not in failed), default=head
    )
    waiting = 0.0
    if behind < head:
        [oldest] = funds.recorder.select_notifications(start=behind + 1, limit=1)
        recorded = funds.mapper.to_domain_event(oldest).timestamp
        waiting = (funds.clock() - recorded).total_seconds()
    return State(head, positions, failed, waiting, system.verified.position())


def state_of(system: System) -> State | None:
    """What the database says, or None when it does not answer in time."""
    try:
        return _PROBE.submit(probe, system).result(timeout=ANSWER_WITHIN)
    except (TimeoutError, PersistenceError, psycopg.Error):
        return None


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"description": "the database does not answer"}},
)
def health(system: SystemDep) -> Health | JSONResponse:
    """How far the read models have caught up with the log."""
    state = state_of(system)
    if state is None:
        return JSONResponse({"status": "database unreachable"}, 503)
    healthy = [n for name, n in state.positions.items() if name not in state.failed]
    status = "degraded" if state.failed else "ok"
    return Health(status=status, position=min(healthy, default=0), head=state.head)


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process is up; it asks nothing of the database."""
    return {"status": "live"}


@router.get("/health/ready", responses={503: {"description": "not ready"}})
def ready(system: SystemDep) -> JSONResponse:
    """Ready when the database answers within a second and a half, no read
    model has failed, none is more than ``LAG_LIMIT`` events behind, and no
    event has waited more than ``WAITING_LIMIT`` seconds to be projected."""
    state = state_of(system)
    if state is None:
        return JSONResponse(
            {"status": "not ready", "reasons": ["the database does not answer"]}, 503
        )
    lag = {name: state.head - n for name, n in state.positions.items()}
    reasons = [
        f"read model {name} failed at position {row['position']}: {row['error']}"
        for name, row in state.failed.items()
    ]
    reasons += [
        f"read model {name} is {behind} events behind"
        for name, behind in lag.items()
        if behind > LAG_LIMIT and name not in state.failed
    ]
    if state.waiting > WAITING_LIMIT:
        reasons.append(
            f"an event has waited {state.waiting:.0f} s for the read models: "
            "are the projections running?"
        )
    body = {"status": "not ready" if reasons else "ready", "head": state.head}
    return JSONResponse(
        body | {"lag": lag, "reasons": reasons}, 503 if reasons else 200
    )
