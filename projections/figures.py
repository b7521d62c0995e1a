"""The figures of ``domain.figures`` in SQL: one column per figure, per holder,
over rows of balances by kind and flow (``ledger_balances``, or journal lines
up to a day or a position). Queries read figures from here and nowhere else."""

import re
from collections.abc import Iterable

from domain import figures as f
from domain.figures import ANY, Figure

# Every figure a holder can have; a query sums them over holders.
HOLDER_FIGURES = (
    f.CHARGED,
    f.CANCELLED,
    f.CONSUMED,
    f.PAID,
    f.REFUNDED,
    f.REFUND_PAID,
    f.REFUND_DUE,
    f.UNALLOCATED,
    f.UNCONSUMED,
    f.OWED,
    f.CREDIT,
    f.HELD,
    f.BANK,
    f.FEES_RELEASED,
    f.SUBSIDY_RECEIVED,
    f.SUBSIDY_USED,
    f.SUBSIDY_UNUSED,
    f.TEACHER_PAY_ACCRUED,
    f.TEACHER_PAY_PAID,
    f.TEACHER_PAY_DUE,
    f.SURPLUS,
    f.AWAITING,  # later figures come last: the view only grows at its end
    f.DISPUTED,
    f.CREDITED_BACK,
    f.RELEASED,
)
NAMES = tuple(figure.name for figure in HOLDER_FIGURES)
_WORD = re.compile(r"^[a-z_:]+$")


def _quoted(word: str) -> str:
    if not _WORD.match(word):
        raise ValueError(f"not a kind or flow: {word!r}")
    return f"'{word}'"


def column(figure: Figure) -> str:
    """The figure of one holder, over the rows grouped for it."""
    return f"{expression(figure)}::bigint AS {figure.name}"


def expression(figure: Figure) -> str:
    signs = figure._signs
    cases = [
        f"WHEN kind = {_quoted(kind)} AND flow = {_quoted(flow)} "
        f"THEN {sign + signs.get((kind, ANY), 0)}"
        for (kind, flow), sign in signs.items()
        if flow != ANY
    ]
    cases += [
        f"WHEN kind = {_quoted(kind)} THEN {sign}"
        for (kind, flow), sign in signs.items()
        if flow == ANY
    ]
    value = f"coalesce(sum((debit - credit) * CASE {' '.join(cases)} ELSE 0 END), 0)"
    if figure.floor:
        value = f"greatest({value}, 0)"
    return f"({value} + {expression(figure.plus)})" if figure.plus else value


def rows_of(*chosen: Figure) -> str:
    """A filter keeping only the balances these figures are summed from: the
    same figures from fewer rows, for a query that needs no others."""
    if any(figure.floor or figure.plus for figure in chosen):
        raise ValueError("a floor applies per holder: sum such figures per holder")
    pairs = {(t.kind, t.flow) for figure in chosen for t in figure.terms}
    kinds = sorted({kind for kind, flow in pairs if flow == ANY})
    flows = sorted((k, f) for k, f in pairs if f != ANY and k not in kinds)
    parts = [f"kind IN ({', '.join(map(_quoted, kinds))})"] if kinds else []
    parts += [f"(kind = {_quoted(k)} AND flow = {_quoted(f)})" for k, f in flows]
    return "(" + " OR ".join(parts) + ")"


def columns(chosen: Iterable[Figure] = HOLDER_FIGURES) -> str:
    return ",\n    ".join(column(figure) for figure in chosen)


def sums(names: Iterable[str] = NAMES) -> str:
    """Sums of per-holder figures, named as the figures."""
    return ", ".join(f"sum({name})::bigint AS {name}" for name in names)


# The figures of every holder as the ledger holds them now. A filter on the
# school, student or course reaches through the grouping to the index.
VIEW = f"""
CREATE OR REPLACE VIEW holder_figures AS
SELECT school_id, student_id, course_id,
    {columns()}
FROM ledger_balances GROUP BY school_id, student_id, course_id
"""
