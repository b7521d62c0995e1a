"""Refunds of a family's credit: requested, approved by another person, paid."""

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    InsufficientCredit,
    InvalidAmount,
    InvalidSetup,
    InvalidTransition,
    SameApprover,
)
from domain.facts import Created, Fact, Stamp, stable_id


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"


class Refund(Aggregate):
    class Requested(Created):
        school_id: UUID
        student_id: str
        amount: int
        reason: str
        reference: str

        def apply(self, refund: "Refund") -> None:
            refund.__dict__.update(self.payload())
            refund.requested_by = self.actor
            refund.status = RefundStatus.REQUESTED

    class Approved(Fact):
        school_id: UUID
        student_id: str
        amount: int

        def apply(self, refund: "Refund") -> None:
            refund.approved_by = self.actor
            refund.approved_on = self.effective
            refund.status = RefundStatus.APPROVED

    class Paid(Fact):
        school_id: UUID
        student_id: str
        amount: int
        bank_reference: str

        def apply(self, refund: "Refund") -> None:
            refund.bank_reference = self.bank_reference
            refund.status = RefundStatus.PAID

    @staticmethod
    def id_for(school_id: UUID, reference: str) -> UUID:
        return stable_id("refund", school_id, reference)

    @classmethod
    def request(
        cls,
        *,
        school_id: UUID,
        student_id: str,
        amount: int,
        reason: str,
        reference: str,
        credit: int,
        stamp: Stamp,
    ) -> "Refund":
        """``credit`` is what the family is owed back, net of refunds in progress."""
        if not reason.strip() or not reference.strip():
            raise InvalidSetup("a refund states its reason and a reference")
        check_covered(amount, credit, student_id)
        return cls._create(
            cls.Requested,
            id=cls.id_for(school_id, reference),
            school_id=school_id,
            student_id=student_id,
            amount=amount,
            reason=reason,
            reference=reference,
            **stamp.fields(),
        )

    def approve(self, *, credit: int, stamp: Stamp) -> None:
        """``credit`` excludes this refund's own amount from what is in progress."""
        self.check_status(RefundStatus.REQUESTED, "approved")
        if stamp.actor.id == self.requested_by:
            raise SameApprover(
                "a refund is approved by someone other than the person who asked for it"
            )
        check_covered(self.amount, credit, self.student_id)
        self.trigger_event(self.Approved, **self.money(), **stamp.fields())

    def pay(self, *, bank_reference: str, stamp: Stamp) -> None:
        self.check_status(RefundStatus.APPROVED, "paid")
        if not bank_reference.strip():
            raise InvalidSetup("a refund payment names its bank reference")
        if stamp.on < self.approved_on:
            raise InvalidSetup("a refund cannot be paid before it was approved")
        self.trigger_event(
            self.Paid, bank_reference=bank_reference, **self.money(), **stamp.fields()
        )

    def money(self) -> dict[str, object]:
        return {
            "school_id": self.school_id,
            "student_id": self.student_id,
            "amount": self.amount,
        }

    def check_status(self, expected: RefundStatus, verb: str) -> None:
        if self.status != expected:
            raise InvalidTransition(
                f"refund {self.reference} is {self.status}; only a {expected} "
                f"refund can be {verb}"
            )


def check_covered(amount: int, credit: int, student_id: str) -> None:
    if amount <= 0:
        raise InvalidAmount(f"a refund must be positive, not {amount} fen")
    if amount > credit:
        raise InsufficientCredit(
            f"student {student_id} has {max(credit, 0)} fen of credit, "
            f"less than the {amount} fen asked for",
            credit=credit,
        )
