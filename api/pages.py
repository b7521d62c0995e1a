"""Lists a page at a time: a page's `next_after` is the `after` of the next,
an opaque cursor holding the list's name and the last row's key, null on the
last page."""

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


def next_after(key: Sequence[object] | None, of: str) -> str | None:
    """The cursor after a full page of the list ``of``: its last row's key."""
    if key is None:
        return None
    text = json.dumps([of, *(str(value) for value in key)])
    return base64.urlsafe_b64encode(text.encode()).decode()


def cursor(after: str | None, of: str, *types: Callable[[str], Any]) -> tuple | None:
    """The key a cursor of the list ``of`` holds, each part parsed; a cursor of
    another list, or of another shape, is refused."""
    if after is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(after.encode("ascii")))
        if not _keys(values, len(types) + 1) or values[0] != of:
            raise ValueError("a cursor of another list")
        parts = zip(types, values[1:], strict=True)
        return tuple(parse(value) for parse, value in parts)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidCursor("after is the next_after of a page before") from None


def _keys(values: Any, count: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == count
        and all(isinstance(v, str) and "\x00" not in v for v in values)
    )
