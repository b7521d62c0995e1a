"""What routes depend on, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request

from api.bootstrap import System
from projections.queries import Queries


def get_system(request: Request) -> System:
    return request.app.state.system


def get_queries(request: Request) -> Queries:
    return request.app.state.system.queries


SystemDep = Annotated[System, Depends(get_system)]
QueriesDep = Annotated[Queries, Depends(get_queries)]
