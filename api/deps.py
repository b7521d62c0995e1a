"""What routes depend on, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Query, Request

from api.bootstrap import System
from domain.errors import Conflict
from projections.queries import Queries

READ_WAIT_SECONDS = 5.0


def get_system(request: Request) -> System:
    return request.app.state.system


SystemDep = Annotated[System, Depends(get_system)]


class NotRecorded(Conflict):
    code = "position-not-recorded"


def fresh(
    system: SystemDep,
    min_position: Annotated[
        int | None,
        Query(ge=0, le=2**62, description="wait until the read models reach it"),
    ] = None,
) -> None:
    """Read-your-writes: waits, briefly, until the read models reach a position."""
    if not min_position:
        return
    if min_position > system.funds.head():
        raise NotRecorded(f"position {min_position} has not been recorded")
    if not system.projector.wait(min_position, timeout=READ_WAIT_SECONDS):
        raise TimeoutError(f"the read models have not reached {min_position} yet")


def get_queries(system: SystemDep, _: Annotated[None, Depends(fresh)]) -> Queries:
    """The read models, once they have reached the position asked for."""
    return system.queries


QueriesDep = Annotated[Queries, Depends(get_queries)]
