"""Statements of the supervised bank account, imported as they came."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import EmptyStatement, NoBankAccount
from domain.facts import Created, Stamp, stable_id
from domain.statements import Statement, check_account

FUND_CURRENCY = "CNY"


@dataclass(frozen=True)
class BookedLine:
    """One entry of a statement, as the bank booked it; ``splits`` are the
    parts of a batch entry, with their references."""

    reference: str
    amount: int
    direction: str
    booked_on: date | None
    description: str
    splits: tuple[int, ...]
    split_references: tuple[str, ...]


class BankStatement(Aggregate):
    class Imported(Created):
        """A statement as the bank sent it."""

        class_version = 2
        school_id: UUID
        account: str
        currency: str
        statement_id: str
        source: str
        sha256: str
        opening: int | None
        closing: int | None
        lines: Sequence[BookedLine]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["lines"] = [BookedLine(*line) for line in state["lines"]]

        def apply(self, statement: "BankStatement") -> None:
            statement.school_id = self.school_id

    @staticmethod
    def id_for(school_id: UUID, sha256: str) -> UUID:
        return stable_id("statement", school_id, sha256)

    @classmethod
    def import_(
        cls,
        *,
        school_id: UUID,
        account: str | None,
        statement: Statement,
        sha256: str,
        stamp: Stamp,
    ) -> "BankStatement":
        """``account``: the school's supervised account; the statement must be
        of it, and in the fund's currency (never converted)."""
        if not account:
            raise NoBankAccount("record the school's supervised account first")
        check_account(statement, account=account, currency=FUND_CURRENCY)
        if not statement.lines:
            raise EmptyStatement("the statement has no entries")
        return cls._create(
            cls.Imported,
            id=cls.id_for(school_id, sha256),
            school_id=school_id,
            account=statement.account,
            currency=statement.currency,
            statement_id=statement.statement_id,
            source=statement.version,
            sha256=sha256,
            opening=statement.opening,
            closing=statement.closing,
            lines=[
                BookedLine(
                    line.reference,
                    line.amount,
                    line.direction,
                    line.booked_on,
                    line.description,
                    tuple(line.splits),
                    tuple(line.split_references),
                )
                for line in statement.lines
            ],
            **stamp.fields(),
        )
