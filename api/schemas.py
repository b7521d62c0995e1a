"""Response models: money as decimal strings in yuan, dates ISO 8601."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from domain.money import format_fen
from projections import queries as q

Yuan = Annotated[
    int,
    PlainSerializer(format_fen, return_type=str, when_used="always"),
    Field(json_schema_extra={"type": "string", "example": "360.00"}),
]


class Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class FundPublic(Public):
    school_id: UUID
    district: str
    code: str
    name: str
    bank: Yuan
    receivable: Yuan
    unearned: Yuan
    subsidy: Yuan
    released: Yuan
    payable_teacher: Yuan
    payable_refund: Yuan
    held_for_families: Yuan
    covered: bool

    @classmethod
    def of(cls, fund: q.Fund) -> "FundPublic":
        return cls(**fund.__dict__, covered=fund.covered)


class DistrictPublic(Public):
    district: str
    schools: list[FundPublic]
    bank: Yuan
    held_for_families: Yuan
    uncovered_schools: list[str]


class StudentBalancePublic(Public):
    school_id: UUID
    student_id: str
    as_of: date | None = None
    at_position: int | None = None
    charged: Yuan
    cancelled: Yuan
    paid: Yuan
    consumed: Yuan
    unconsumed: Yuan
    refunded: Yuan
    refund_paid: Yuan
    owed: Yuan = Field(description="positive: the family owes; negative: in credit")
    status: str = Field(description="owes, in credit or settled")

    @classmethod
    def of(cls, b: q.StudentBalance, **when) -> "StudentBalancePublic":
        status = "owes" if b.owed > 0 else "in credit" if b.owed < 0 else "settled"
        return cls(
            **b.__dict__, **when, unconsumed=b.unconsumed, owed=b.owed, status=status
        )


class LinePublic(Public):
    account: str
    flow: str
    debit: Yuan
    credit: Yuan


class EntryPublic(Public):
    entry_id: UUID
    position: int
    effective: date
    recorded_at: datetime
    kind: str
    source_id: UUID
    reverses: UUID | None
    actor: str
    role: str
    lines: list[LinePublic]


class HistoryPublic(Public):
    position: int
    version: int
    type: str
    actor: str
    role: str
    recorded_at: datetime
    effective: date
    payload: dict[str, Any]


class AccountPublic(Public):
    school_id: UUID
    account: str
    kind: str
    debit: Yuan
    credit: Yuan
    balance: Yuan


class TrialBalancePublic(Public):
    school_id: UUID | None
    as_of: date | None
    at_position: int | None
    accounts: list[AccountPublic]
    total_debit: Yuan
    total_credit: Yuan
    balanced: bool


class CourseBalancePublic(Public):
    course_id: UUID
    school_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    fee: Yuan
    planned_sessions: int
    enrolled: int
    sessions: int
    charged: Yuan
    released: Yuan
    cancelled: Yuan
    teacher_pay: Yuan
    subsidy: Yuan


class Health(Public):
    status: str
    position: int
    head: int


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


def problems(*statuses: int) -> dict[int | str, dict]:
    content = {"application/problem+json": {"schema": Problem.model_json_schema()}}
    return {s: {"description": "a problem", "content": content} for s in statuses}


READ_PROBLEMS = problems(401, 403, 404, 409, 422, 503)
WRITE_PROBLEMS = problems(401, 403, 404, 409, 422, 503)
