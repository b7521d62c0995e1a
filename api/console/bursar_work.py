"""What a bursar's pages share: how much a worklist shows, and the way back
after a command, saying what was done."""

from fastapi.responses import Response

from api.console.web import Visit

SHOWN = 5  # items of a worklist on the home page
LISTED = 200  # items of a full list


def back_to(visit: Visit, position: int, what: str, to: str) -> Response:
    """Back where the bursar was, once the read models show ``position``."""
    joiner = "&" if "?" in to else "?"
    return visit.redirect(f"{to}{joiner}at={position}&done={what}")
