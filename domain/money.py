"""Money is integer fen inside; decimal strings in yuan at the edge."""

import re

from domain.errors import InvalidAmount

# ASCII digits only: \d would take fullwidth and Arabic-Indic digits too
YUAN_FORMAT = r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?"
_YUAN = re.compile(YUAN_FORMAT)
_SHOWN = 40


def parse_yuan(text: str) -> int:
    """'123.45' -> 12345 fen, exactly; anything else is refused, never rounded."""
    if not (isinstance(text, str) and _YUAN.fullmatch(text)):
        raise InvalidAmount(
            f"{_shown(text)} is not an amount in yuan such as '360.00': ASCII digits, "
            "an optional leading '-', at most 12 digits before the point and "
            "2 after, no spaces"
        )
    whole, _, fraction = text.removeprefix("-").partition(".")
    fen = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -fen if text.startswith("-") else fen


def _shown(text: object) -> str:
    if isinstance(text, str) and len(text) > _SHOWN:
        return f"{text[:_SHOWN]!r}…"
    return repr(text)


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
