"""Lists a page at a time: a page's `next_after` is the `after` of the next,
an opaque cursor holding the last row's key, null on the last page."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Query

from api.errors import InvalidCursor

After = Annotated[
    str | None,
    Query(max_length=200, description="`next_after` of the page before"),
]
Limit = Annotated[int, Query(ge=1, le=500)]


def next_after(key: Sequence[object] | None) -> str | None:
    """The cursor after a full page: its last row's key."""
    if key is None:
        return None
    text = json.dumps([str(value) for value in key])
    return base64.urlsafe_b64encode(text.encode()).decode()


def cursor(after: str | None, *types: Callable[[str], Any]) -> tuple | None:
    """The key a cursor holds, each part parsed; one of another shape is
    refused."""
    if after is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(after.encode("ascii")))
        if not _keys(values, len(types)):
            raise ValueError("a cursor of another list")
        return tuple(parse(value) for parse, value in zip(types, values, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidCursor("after is the next_after of a page before") from None


def _keys(values: Any, count: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == count
        and all(isinstance(v, str) and "\x00" not in v for v in values)
    )
