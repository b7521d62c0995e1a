"""How dates, times and the named parts of events are stored inside events."""

from datetime import date, time
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.allocation import Allocation
from domain.bank import BookedLine
from domain.bankformats import ColumnMap
from domain.payroll import Adjustment, PayItem, TeacherPayment


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TimeAsISO(Transcoding):
    type = time
    name = "time_iso"

    def encode(self, obj: time) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> time:
        return time.fromisoformat(data)


class FieldsByName(Transcoding):
    """A frozen dataclass as an object of its named fields, never a list."""

    def __init__(self, cls: type, name: str) -> None:
        self.type, self.name = cls, name

    def encode(self, obj: Any) -> dict[str, Any]:
        return dict(obj.__dict__)

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


PARTS = {
    Allocation: "allocation",
    PayItem: "pay_item",
    Adjustment: "pay_adjustment",
    TeacherPayment: "teacher_payment",
    BookedLine: "statement_line",
    ColumnMap: "bank_column_map",
}


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(TimeAsISO())
    for cls, name in PARTS.items():
        transcoder.register(FieldsByName(cls, name))
