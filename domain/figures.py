"""Every money figure, defined once: a signed sum of balances by account kind
and flow, for one holder of money (an enrolment, a family, the school's fund).

A balance is debit minus credit. A figure with a floor is clamped at zero per
holder before holders are added up: what one enrolment owes does not offset
what another family paid and has not consumed; a figure may add another
after its floor. Decisions evaluate these
figures on the write side's books, queries render the same terms in SQL.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

Flows = Mapping[tuple[str, str], int]  # (kind, flow) -> debit minus credit
ANY = "*"


@dataclass(frozen=True)
class Term:
    sign: int
    kind: str
    flow: str = ANY


@dataclass(frozen=True)
class Figure:
    name: str
    terms: tuple[Term, ...]
    floor: bool = False
    doc: str = field(default="", compare=False)
    plus: "Figure | None" = None  # added after the floor

    @cached_property
    def _signs(self) -> dict[tuple[str, str], int]:
        signs: dict[tuple[str, str], int] = {}
        for term in self.terms:
            key = (term.kind, term.flow)
            signs[key] = signs.get(key, 0) + term.sign
        return signs

    def of(self, flows: Flows) -> int:
        """The figure for one holder."""
        signs, value = self._signs, 0
        for (kind, flow), amount in flows.items():
            value += amount * (signs.get((kind, flow), 0) + signs.get((kind, ANY), 0))
        value = max(value, 0) if self.floor else value
        return value + self.plus.of(flows) if self.plus else value

    def over(self, holders: Iterable[Flows]) -> int:
        """The figure summed over holders, each clamped first if it has a floor."""
        return sum(self.of(flows) for flows in holders)


def figure(
    name: str,
    *parts: tuple[int, "Figure | Term"],
    floor: bool = False,
    plus: Figure | None = None,
    doc: str = "",
) -> Figure:
    """A figure made of terms and of other figures' terms, signed."""
    terms: list[Term] = []
    for sign, part in parts:
        inner = part.terms if isinstance(part, Figure) else (part,)
        terms.extend(Term(sign * t.sign, t.kind, t.flow) for t in inner)
    return Figure(name, tuple(terms), floor, doc, plus)


# --- an enrolment's and a family's money ----------------------------------
CHARGED = figure("charged", (-1, Term(1, "unearned", "charge")))
CANCELLED = figure(
    "cancelled",
    (1, Term(1, "unearned", "cancellation")),
    doc="credited back: leave, withdrawal, waiver",
)
CONSUMED = figure(
    "consumed",
    (1, Term(1, "unearned", "consumption")),
    doc="delivered shares the child consumed, less those credited back",
)
AWAITING = figure(
    "awaiting",
    (-1, Term(1, "awaiting")),
    doc="consumed, awaiting the family's confirmation: still the family's",
)
DISPUTED = figure(
    "disputed", (-1, Term(1, "disputed")), doc="consumed and disputed: held"
)
CREDITED_BACK = figure(
    "credited_back",
    (1, Term(1, "disputed", "consumption")),
    doc="disputed shares credited back to the family",
)
RELEASED = figure(
    "released",
    (1, CONSUMED),
    (-1, AWAITING),
    (-1, DISPUTED),
    doc="consumed and released: confirmed by the family, or released on "
    "delivery where the term says so",
)
PAID = figure(
    "paid",
    (-1, Term(1, "receivable", "payment")),
    (-1, Term(1, "unallocated", "payment")),
)
REFUNDED = figure(
    "refunded",
    (1, Term(1, "receivable", "refund")),
    (1, Term(1, "unallocated", "refund")),
    doc="refunds approved",
)
REFUND_PAID = figure("refund_paid", (1, Term(1, "payable:refund", "refund_payment")))
REFUND_DUE = figure("refund_due", (-1, Term(1, "payable:refund")))
UNALLOCATED = figure("unallocated", (-1, Term(1, "unallocated")))
UNCONSUMED = figure("unconsumed", (-1, Term(1, "unearned")))
OWED = figure(
    "owed",
    (1, Term(1, "receivable")),
    floor=True,
    doc="what the family still has to pay, enrolment by enrolment",
)
CREDIT = figure(
    "credit",
    (-1, Term(1, "receivable")),
    (1, UNALLOCATED),
    floor=True,
    doc="paid beyond what an enrolment owes, and money not yet allocated",
)
HELD = figure(
    "held",
    (1, PAID),
    (-1, RELEASED),
    (-1, REFUNDED),
    floor=True,
    plus=REFUND_DUE,
    doc="paid and neither released nor refunded (what awaits confirmation or "
    "is disputed is still the family's), and refunds approved not yet paid: "
    "what the bank must hold for families",
)

# --- the school's fund ----------------------------------------------------
BANK = figure("bank", (1, Term(1, "bank")))
FEES_RELEASED = figure(
    "fees_released",
    (-1, Term(1, "released", "consumption")),
    (-1, Term(1, "released", "confirmation")),
)
SUBSIDY_RECEIVED = figure("subsidy_received", (-1, Term(1, "subsidy", "subsidy")))
SUBSIDY_USED = figure("subsidy_used", (-1, Term(1, "released", "allocation")))
SUBSIDY_UNUSED = figure("subsidy_unused", (-1, Term(1, "subsidy")))
TEACHER_PAY_ACCRUED = figure(
    "teacher_pay_accrued", (1, Term(1, "released", "teacher_pay"))
)
TEACHER_PAY_PAID = figure(
    "teacher_pay_paid", (1, Term(1, "payable:teacher", "payroll"))
)
TEACHER_PAY_DUE = figure("teacher_pay_due", (-1, Term(1, "payable:teacher")))
SURPLUS = figure(
    "surplus",
    (1, FEES_RELEASED),
    (1, SUBSIDY_USED),
    (-1, TEACHER_PAY_ACCRUED),
    doc="what courses released and were allocated, less their teachers' pay",
)


def free_cash(bank: int, held: int) -> int:
    """Bank money not held for families: what pay may be paid from."""
    return bank - held


def covered(bank: int, held: int) -> bool:
    """The regulator's solvency check: the bank holds what families are owed."""
    return bank >= held


def status(owed: int, credit: int) -> str:
    """How a family stands: it owes, it is in credit, or it is settled."""
    if owed > 0:
        return "owes"
    return "in credit" if credit > 0 else "settled"
