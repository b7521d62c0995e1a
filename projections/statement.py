"""A family's statement at a school: what it was charged enrolment by
enrolment, what it paid, each session's share it awaited, confirmed, disputed
or had credited back, its refunds, and the balance that results."""

from dataclasses import dataclass
from uuid import UUID

from projections import confirmations, funds, lists
from projections.queries import Queries

MOST = 1000  # rows of a kind; a family of one term has far fewer


@dataclass(frozen=True)
class FamilyStatement:
    balance: funds.StudentBalance
    payments: list[lists.Payment]
    refunds: list[lists.Refund]
    shares: list[confirmations.FamilyShare]

    @property
    def student_id(self) -> str:
        return self.balance.student_id


def family_statement(
    queries: Queries, school_id: UUID, student_id: str
) -> FamilyStatement:
    """Raises NotFound for a student the school has never charged."""
    balance = funds.student_balance(queries, school_id, student_id)
    of_student = {"school": school_id, "student": student_id}
    payments = lists.PAYMENTS.page(
        queries, of_student | dict(channel=None, start=None, end=None), None, MOST
    )
    refunds = lists.REFUNDS.page(queries, of_student | {"status": None}, None, MOST)
    shares = confirmations.shares_of(queries, [school_id], [student_id])
    return FamilyStatement(balance, payments.rows, refunds.rows, shares)
