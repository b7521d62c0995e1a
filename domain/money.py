"""Money is integer fen inside; decimal strings in yuan at the edge."""

import re

from domain.errors import InvalidAmount

_YUAN = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,2}))?$")


def parse_yuan(text: str) -> int:
    """'123.45' -> 12345 fen, exactly; anything else is refused, never rounded."""
    match = _YUAN.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise InvalidAmount(f"{text!r} is not an amount in yuan such as '360.00'")
    sign, whole, fraction = match.groups()
    fen = int(whole) * 100 + int((fraction or "").ljust(2, "0"))
    return -fen if sign else fen


def format_fen(fen: int) -> str:
    """12345 -> '123.45' (a whole Decimal, as SQL sums give, too)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{part:02d}"


def session_share(fee: int, planned: int, number: int) -> int:
    """The share of a term fee released by session ``number`` (1-based).

    Every session but the last releases fee // planned; the last also carries the
    remainder, so the planned shares sum exactly to the fee. Sessions beyond the
    plan release nothing.
    """
    if number > planned:
        return 0
    base = fee // planned
    return base + fee % planned if number == planned else base
