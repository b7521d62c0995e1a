"""GET /metrics: the counters of api.metrics, with lag and failures read
from the database when scraped."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import SystemDep
from api.metrics import FAILED, HEAD, LAG, REGISTRY, UP, VERIFIED
from api.routes.health import state_of

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics(system: SystemDep) -> Response:
    """Prometheus text exposition."""
    state = state_of(system)
    UP.set(state is not None)
    if state is not None:
        HEAD.set(state.head)
        VERIFIED.set(state.verified)
        for name, position in state.positions.items():
            LAG.labels(name).set(state.head - position)
            FAILED.labels(name).set(name in state.failed)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
