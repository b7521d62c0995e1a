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


@dataclass(frozen=True)
class Column:
    x: int
    y: int
    height: int
    label: str  # what a screen reader says of it: the week and its figure
    kind: str


@dataclass(frozen=True)
class Columns:
    """Columns per period, one or two series side by side."""

    width: int
    height: int
    base: int
    column: int
    ticks: list[tuple[int, str]]  # x and the period's short label
    columns: list[Column]


def columns(
    periods: list[str], series: dict[str, list[int]], said: dict[str, list[str]]
) -> Columns:
    """``series`` maps a kind (a CSS class) to a value per period, ``said``
    to how each value is read out."""
    room, base, step = 150, 170, (WIDTH - 40) // max(1, len(periods))
    column = max(2, (step - 4) // max(1, len(series)))
    top = max([1, *(v for values in series.values() for v in values)])
    drawn = []
    for i in range(len(periods)):
        for j, kind in enumerate(series):
            height = round(room * max(series[kind][i], 0) / top)
            x = 20 + i * step + j * column
            drawn.append(Column(x, base - height, height, said[kind][i], kind))
    ticks = [(20 + i * step, p) for i, p in enumerate(periods)]
    return Columns(WIDTH, base + 36, base, column, ticks, drawn)
