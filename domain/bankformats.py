"""A bank's own statement export, read through the column mapping a bursar
saves once per school and bank: which column holds the date, the reference,
the description, the debit and the credit (or an amount and its direction).

Pure: the caller turns the file into rows of cells; this reads the rows.
Amounts become integer minor units, exactly; what cannot be read is refused,
never guessed.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidBankFormat
from domain.facts import Created, Fact, Stamp, stable_id
from domain.statements import (
    CREDIT,
    DEBIT,
    Statement,
    StatementError,
    StatementLine,
    _plausible,
)

ENCODINGS = ("utf-8", "gbk", "gb18030")
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "YYYYMMDD": "%Y%m%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYY.MM.DD": "%Y.%m.%d",
    "YYYY年MM月DD日": "%Y年%m月%d日",
}
HEADER_SEARCH = 30
"""Rows searched for the header: exports open with the account and period."""

Cell = str | int | float | Decimal | date | datetime | None
Row = tuple[int, Sequence[Cell]]
"""A row's number in the file (1-based) and its cells."""

_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?")
_ASCII_DIGITS = frozenset("0123456789")
_NOTHING = ("", "-", "--", "—")


@dataclass(frozen=True)
class ColumnMap:
    """Column names as the export's header row writes them; unused ones empty.
    Either ``debit`` and ``credit``, or ``amount`` with ``direction`` and the
    marks that say which way (such as 贷 and 借)."""

    encoding: str
    date_format: str
    date: str
    reference: str
    description: tuple[str, ...] = ()
    debit: str = ""
    credit: str = ""
    amount: str = ""
    direction: str = ""
    credit_marks: tuple[str, ...] = ()
    debit_marks: tuple[str, ...] = ()
    balance: str = ""

    def __post_init__(self) -> None:
        for name in ("description", "credit_marks", "debit_marks"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def columns(self) -> tuple[str, ...]:
        named = (self.date, self.reference, *self.description)
        named += (self.debit, self.credit, self.amount, self.direction, self.balance)
        return tuple(dict.fromkeys(c for c in named if c))

    def check(self) -> None:
        if self.encoding not in ENCODINGS:
            raise InvalidBankFormat(
                f"encoding {self.encoding!r} is not one of {', '.join(ENCODINGS)}"
            )
        if self.date_format not in DATE_FORMATS:
            raise InvalidBankFormat(
                f"date format {self.date_format!r} is not one of "
                f"{', '.join(DATE_FORMATS)}"
            )
        split = bool(self.debit or self.credit)
        signed = bool(self.amount or self.direction)
        if split == signed:
            raise InvalidBankFormat(
                "map either a debit and a credit column, or an amount column "
                "with a direction column"
            )
        if split and not (self.debit and self.credit):
            raise InvalidBankFormat("map both the debit and the credit column")
        if signed:
            self._check_marks()
        named = [c for c in (self.date, self.reference, *self.description) if c] + [
            c for c in (self.debit, self.credit, self.amount, self.direction) if c
        ]
        if len(set(named)) != len(named):
            raise InvalidBankFormat("each mapped column is a different column")

    def _check_marks(self) -> None:
        if not (self.amount and self.direction):
            raise InvalidBankFormat("map both the amount and the direction column")
        if not self.credit_marks or not self.debit_marks:
            raise InvalidBankFormat(
                "say which direction marks mean a credit and which a debit"
            )
        if set(self.credit_marks) & set(self.debit_marks):
            raise InvalidBankFormat("a direction mark means a credit or a debit")


class BankFormat(Aggregate):
    """A school's saved column mapping for one bank's export, by name."""

    class Saved(Created):
        school_id: UUID
        name: str
        mapping: ColumnMap

        def apply(self, fmt: "BankFormat") -> None:
            fmt.school_id, fmt.name, fmt.mapping = (
                self.school_id,
                self.name,
                self.mapping,
            )

    class Changed(Fact):
        school_id: UUID
        mapping: ColumnMap

        def apply(self, fmt: "BankFormat") -> None:
            fmt.mapping = self.mapping

    @staticmethod
    def id_for(school_id: UUID, name: str) -> UUID:
        return stable_id("bank-format", school_id, name)

    @classmethod
    def save(
        cls, *, school_id: UUID, name: str, mapping: ColumnMap, stamp: Stamp
    ) -> "BankFormat":
        mapping.check()
        return cls._create(
            cls.Saved,
            id=cls.id_for(school_id, name),
            school_id=school_id,
            name=name,
            mapping=mapping,
            **stamp.fields(),
        )

    def change(self, mapping: ColumnMap, *, stamp: Stamp) -> bool:
        """Records the new mapping; False when it is the one saved already."""
        mapping.check()
        if mapping == self.mapping:
            return False
        self.trigger_event(
            self.Changed, school_id=self.school_id, mapping=mapping, **stamp.fields()
        )
        return True


def read_rows(
    rows: Iterable[Row], mapping: ColumnMap, *, account: str, currency: str, source: str
) -> Statement:
    """The statement the rows hold: the header row is the first to name every
    mapped column; a row with no reference and no date (a total such as 合计,
    a note) is not an entry. With a balance column, the closing balance is the last
    row's, the opening the first row's before its entry."""
    rows = iter(rows)
    where = _header(rows, mapping)
    lines: list[StatementLine] = []
    balances: list[tuple[int, int]] = []
    for number, cells in rows:
        value = _reader(cells, where)
        day, reference = value(mapping.date), _text(value(mapping.reference))
        if not reference and not any(ch.isdigit() for ch in _text(day)):
            continue
        line = _line(value, mapping, number, day, reference, currency)
        lines.append(line)
        if mapping.balance:
            signed = line.amount if line.direction == CREDIT else -line.amount
            balances.append((_balance(value(mapping.balance), number), signed))
    opening = balances[0][0] - balances[0][1] if balances else None
    return Statement(
        statement_id="",
        account=account,
        currency=currency,
        opening=opening,
        opening_type="OPBD" if balances else "",
        closing=balances[-1][0] if balances else None,
        lines=tuple(lines),
        version=source,
    )


def _header(rows, mapping: ColumnMap) -> dict[str, int]:
    wanted = mapping.columns
    best: tuple[int, list[str]] = (0, list(wanted))
    for _, (number, cells) in zip(range(HEADER_SEARCH), rows, strict=False):
        names = [_text(cell) for cell in cells]
        missing = [c for c in wanted if c not in names]
        if not missing:
            return {c: names.index(c) for c in wanted}
        if len(missing) < len(best[1]):
            best = (number, missing)
    closest = f"; row {best[0]} comes closest" if best[0] else ""
    raise StatementError(
        f"no header row names the mapped column(s) {', '.join(best[1])}{closest} "
        f"(a file in another encoding than the mapping's {mapping.encoding} "
        "reads its column names differently)",
        missing=best[1],
    )


def _reader(cells: Sequence[Cell], where: dict[str, int]):
    def value(column: str) -> Cell:
        index = where.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    return value


def _line(value, mapping, number, day, reference, currency) -> StatementLine:
    booked_on = _date(day, mapping.date_format, number)
    description = " ".join(
        text for c in mapping.description if (text := _text(value(c)))
    )
    if mapping.debit:
        amount, direction = _split(value(mapping.debit), value(mapping.credit), number)
    else:
        amount = _amount(value(mapping.amount), number)
        direction = _direction(value(mapping.direction), mapping, number)
        if amount is None:
            raise StatementError(f"row {number}: no amount", line=number)
    return StatementLine(
        reference, amount, direction, currency, booked_on, " ".join(description.split())
    )


def _split(debit: Cell, credit: Cell, number: int) -> tuple[int, str]:
    out, into = _amount(debit, number), _amount(credit, number)
    if out and into:
        raise StatementError(
            f"row {number}: both a debit and a credit on one line", line=number
        )
    if into:
        return into, CREDIT
    if out:
        return out, DEBIT
    raise StatementError(f"row {number}: neither a debit nor a credit", line=number)


def _direction(cell: Cell, mapping: ColumnMap, number: int) -> str:
    mark = _text(cell)
    if mark in mapping.credit_marks:
        return CREDIT
    if mark in mapping.debit_marks:
        return DEBIT
    known = ", ".join((*mapping.credit_marks, *mapping.debit_marks))
    raise StatementError(
        f"row {number}: direction {mark!r} is none of the mapped marks ({known})",
        line=number,
    )


def _amount(cell: Cell, number: int) -> int | None:
    """Minor units of a positive amount; None for an empty cell or zero."""
    minor = _minor(cell, number, signed=False)
    return minor or None


def _balance(cell: Cell, number: int) -> int:
    minor = _minor(cell, number, signed=True)
    if minor is None:
        raise StatementError(f"row {number}: no balance", line=number)
    return minor


def _minor(cell: Cell, number: int, *, signed: bool) -> int | None:
    where = f"row {number}"
    if isinstance(cell, bool | date):
        raise StatementError(f"{where}: {cell!r} is not an amount", line=number)
    if isinstance(cell, float):
        cell = Decimal(repr(cell))
    if isinstance(cell, Decimal):
        if not cell.is_finite() or cell.normalize().as_tuple().exponent < -2:
            raise StatementError(
                f"{where}: {cell} is not an amount of whole fen", line=number
            )
        cell = f"{cell:.2f}"
    raw = _text(cell)
    if raw in _NOTHING:
        return None
    sign = 1
    if signed and raw.startswith("-"):
        sign, raw = -1, raw[1:]
    if any(ch.isdigit() and ch not in _ASCII_DIGITS for ch in raw):
        raise StatementError(
            f"{where}: amount {raw!r} is not in ASCII digits (fullwidth or other "
            "scripts' digits are refused)",
            line=number,
        )
    if _GROUPED.fullmatch(raw):
        raw = raw.replace(",", "")
    if not _AMOUNT.fullmatch(raw):
        raise StatementError(
            f"{where}: {raw!r} is not an amount such as '360.00' or '1,360.00'",
            line=number,
        )
    whole, _, fraction = raw.partition(".")
    return sign * (int(whole) * 100 + int(fraction.ljust(2, "0")))


def _date(cell: Cell, form: str, number: int) -> date:
    where = f"row {number}"
    if isinstance(cell, datetime):
        return _plausible(cell.date(), where)
    if isinstance(cell, date):
        return _plausible(cell, where)
    text = _text(cell).split(" ")[0] if cell is not None else ""
    if any(ch.isdigit() and ch not in _ASCII_DIGITS for ch in text):
        raise StatementError(
            f"{where}: date {text!r} is not in ASCII digits", line=number
        )
    try:
        day = datetime.strptime(text, DATE_FORMATS[form]).date()
    except ValueError:
        raise StatementError(
            f"{where}: {text!r} is not a date written {form}", line=number
        ) from None
    return _plausible(day, where)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    text = str(cell).strip()
    # Banks write ="123" or a leading tab so spreadsheet programs keep digits.
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    return text
