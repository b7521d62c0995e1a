"""What routes depend on, as Annotated aliases."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.bootstrap import System
from api.errors import NotRecorded
from domain.course import BEIJING
from projections.queries import Queries

READ_WAIT_SECONDS = 5.0


def system_of(request: Request) -> System:
    """The System of the district the request was routed to, or the one this
    process serves."""
    return getattr(request.state, "system", None) or request.app.state.system


# Cheap dependencies are async: a sync one costs a trip through the threadpool.
async def get_system(request: Request) -> System:
    return system_of(request)


SystemDep = Annotated[System, Depends(get_system)]


def wait_for(system: System, position: int) -> None:
    if position > system.funds.head():
        raise NotRecorded(f"position {position} has not been recorded")
    if not system.projector.wait(position, timeout=READ_WAIT_SECONDS):
        raise TimeoutError(f"the read models have not reached {position} yet")


async def get_queries(
    request: Request,
    min_position: Annotated[
        int | None,
        Query(ge=0, le=2**62, description="wait until the read models reach it"),
    ] = None,
) -> Queries:
    """The read models; read-your-writes: with ``min_position``, once they have
    reached it (a brief wait at most)."""
    system = system_of(request)
    if min_position:
        await run_in_threadpool(wait_for, system, min_position)
    return system.queries


QueriesDep = Annotated[Queries, Depends(get_queries)]


async def get_today(request: Request) -> date:
    """Today in Beijing, by the system's clock (the one its commands stamp)."""
    return system_of(request).funds.clock().astimezone(BEIJING).date()


Today = Annotated[date, Depends(get_today)]
