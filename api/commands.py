"""Running a command for a request: once per Idempotency-Key, with its position."""

import hashlib
import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Principal
from api.bootstrap import System
from api.errors import KeyReused
from application.funds import RequestKey
from domain.errors import DomainError
from infra.recorder import StoredRequest

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="the same key with the same body returns the first response",
    ),
]


class Recorded(BaseModel):
    id: UUID
    position: int


def fingerprint(request: Request, body: BaseModel | None) -> str:
    content = body.model_dump(mode="json") if body else None
    text = f"{request.method} {request.url.path}\n" + json.dumps(
        content, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def replay(stored: StoredRequest, print_: str) -> JSONResponse:
    if stored.fingerprint != print_:
        raise KeyReused("this Idempotency-Key was used with a different request")
    return JSONResponse(stored.body | {"position": stored.position}, stored.status)


def run(
    system: System,
    principal: Principal,
    request: Request,
    command: Any,
    *,
    entity: UUID,
    key: str | None,
    body: BaseModel | None,
    status: int = 201,
) -> JSONResponse:
    """Executes ``command``; answers with the entity's id and the log position.
    A key belongs to the token and the route that used it: only that token,
    sending it there again, gets the first answer (or, with another body, a
    409); to anyone else it is a key never seen."""
    owner, route = str(principal.grant.token_id), f"{request.method} {request.url.path}"
    print_ = fingerprint(request, body)
    if key and (stored := system.requests.find(owner, route, key)):
        return replay(stored, print_)
    content = {"id": str(entity)}
    request_key = (
        RequestKey(owner, route, key, print_, status, content) if key else None
    )
    try:
        position = system.bus.handle(command, principal.actor, request_key)
    except DomainError:
        # sent again while the first was still being saved (its client gave up
        # on it): what this one met is the first one's work, so its answer
        if key and (stored := system.requests.find(owner, route, key)):
            return replay(stored, print_)
        raise
    return JSONResponse(content | {"position": position}, status)
