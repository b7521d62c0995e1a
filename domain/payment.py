"""A fee payment into the supervised account, named by its channel reference."""

from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidAmount, InvalidSetup, PaymentConflict
from domain.facts import Created, Stamp, stable_id


class Payment(Aggregate):
    class Received(Created):
        school_id: UUID
        student_id: str
        amount: int
        channel: str
        reference: str

        def apply(self, payment: "Payment") -> None:
            payment.__dict__.update(self.payload())
            payment.received_on = self.effective

    @staticmethod
    def id_for(school_id: UUID, channel: str, reference: str) -> UUID:
        return stable_id("payment", school_id, channel, reference)

    @classmethod
    def receive(
        cls,
        *,
        school_id: UUID,
        student_id: str,
        amount: int,
        channel: str,
        reference: str,
        stamp: Stamp,
    ) -> "Payment":
        if amount <= 0:
            raise InvalidAmount(f"a payment must be positive, not {amount} fen")
        if not channel.strip() or not reference.strip():
            raise InvalidSetup("a payment names its channel and its reference")
        return cls._create(
            cls.Received,
            id=cls.id_for(school_id, channel, reference),
            school_id=school_id,
            student_id=student_id,
            amount=amount,
            channel=channel,
            reference=reference,
            **stamp.fields(),
        )

    def check_same(self, other: "Payment") -> None:
        """A re-delivered notification must say exactly what the first one said."""
        if self.content != other.content:
            raise PaymentConflict(
                f"reference {self.reference} on {self.channel} was already booked "
                "with a different student, amount or date",
                reference=self.reference,
            )

    @property
    def content(self) -> tuple[object, ...]:
        return (self.school_id, self.student_id, self.amount, self.received_on)
