"""A district's funds as horizontal bars: bank against held for families,
drawn on the server as SVG (see templates/fund_bars.svg)."""

from dataclasses import dataclass
from uuid import UUID

from api.console.i18n import Speaker
from projections.funds import Fund

WIDTH = 640
LABEL = 90  # room for the school's code on the left
ROW = 58
BAR = 16


@dataclass(frozen=True)
class Bar:
    school_id: UUID
    code: str
    name: str
    covered: bool
    y: int
    bank_width: int
    held_width: int
    bank: str
    held: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label: int
    bar: int
    row: int
    bars: list[Bar]


def fund_bars(funds: list[Fund], speaker: Speaker) -> Chart:
    room = WIDTH - LABEL - 180  # and room for the amount after the bar
    top = max([1, *(max(x.figures.bank, x.figures.held) for x in funds)])

    def width(fen: int) -> int:
        return max(1, round(room * max(fen, 0) / top))

    bars = [
        Bar(
            x.school_id,
            x.code,
            x.name,
            x.figures.covered,
            8 + i * ROW,
            width(x.figures.bank),
            width(x.figures.held),
            speaker.yuan(x.figures.bank),
            speaker.yuan(x.figures.held),
        )
        for i, x in enumerate(funds)
    ]
    return Chart(WIDTH, 16 + ROW * len(bars), LABEL, BAR, ROW, bars)
