"""Request models: what a client may send. Money in yuan as decimal strings."""

import base64
import binascii
import re
from datetime import date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from application import commands as c
from domain.allocation import Allocation
from domain.bankformats import DATE_FORMATS, ColumnMap
from domain.course import Category
from domain.dispute import Grounds
from domain.errors import InvalidAmount
from domain.leave import LeaveReason
from domain.money import YUAN_FORMAT, parse_yuan
from domain.school import ANSWER_DAYS, BEIJING, SILENCE_DAYS, Release

# Patterns name ASCII classes: pydantic runs them in Rust regex, where \d and
# \w take any script's digits and letters.
YUAN_PATTERN = f"^{YUAN_FORMAT}$"
CONTROL = r"\x00-\x1f\x7f-\x9f"  # C0, DEL and C1
TEXT_PATTERN = rf"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$"
_CONTROL = re.compile(f"[{CONTROL}]")
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def _yuan(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError("an amount is a decimal string in yuan, such as '360.00'")
    try:
        return parse_yuan(value)
    except InvalidAmount as error:
        raise ValueError(error.message) from None


def _text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(
            "text may not hold control characters such as NUL, tabs or line breaks"
        )
    if value.isspace():
        raise ValueError("text may not be only whitespace")
    return value


def _statement(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a statement may not hold NUL characters")
    return value


def _business_date(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(
            f"a business date falls from {FIRST_DAY} to {LAST_DAY}, not {value}"
        )
    return value


def _instant(value: datetime) -> datetime:
    """An instant without an offset is Beijing time."""
    value = value if value.tzinfo else value.replace(tzinfo=BEIJING)
    _business_date(value.astimezone(BEIJING).date())
    return value


YuanIn = Annotated[
    int,
    BeforeValidator(_yuan),
    WithJsonSchema({"type": "string", "pattern": YUAN_PATTERN, "examples": ["360.00"]}),
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_text),  # a message that names the rule, not the pattern
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
Comment = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    AfterValidator(_text),
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
Score = Annotated[int, Field(ge=1, le=5, strict=True, description="1 (poor) to 5")]
StudentId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="a pseudonymous student id, never a name"),
]
Reference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
]
BankAccount = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ]{3,38}[A-Za-z0-9]$")
]
StatementContent = Annotated[
    str,
    StringConstraints(min_length=1, max_length=5_000_000),
    AfterValidator(_statement),
    Field(json_schema_extra={"pattern": r"^[^\x00]*$"}),
]
BankFormatName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"),
    Field(description="the name a school saves a bank's column mapping under"),
]
ColumnName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=60),
    AfterValidator(_text),
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
BusinessDate = Annotated[
    date,
    AfterValidator(_business_date),
    Field(description=f"a business date, {FIRST_DAY} to {LAST_DAY}"),
]
Instant = Annotated[
    datetime,
    AfterValidator(_instant),
    Field(description="an ISO 8601 instant; without an offset, Beijing time"),
]
Categories = Literal[tuple(c.value for c in Category)]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def example(**values: object) -> ConfigDict:
    return ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [values]}
    )


class SchoolCreate(Body):
    model_config = example(district="Pingcheng", code="PC-103", name="Xinjian Primary")
    district: Text
    code: Code
    name: Text


class TermCreate(Body):
    model_config = example(
        code="2026-autumn",
        starts="2026-09-01",
        ends="2027-01-15",
        fee_per_term="360.00",
        fee_cap="360.00",
        planned_sessions=80,
        refund_deadline_days=15,
        absence_consumes=False,
        closed_days=["2026-10-01"],
        release="on-confirmation",
        silence_days=7,
        answer_days=5,
    )
    code: Code
    starts: BusinessDate
    ends: BusinessDate
    fee_per_term: YuanIn
    fee_cap: YuanIn
    planned_sessions: int = Field(ge=1, le=1000)
    refund_deadline_days: int = Field(default=15, ge=1, le=365)
    absence_consumes: bool = False
    closed_days: list[BusinessDate] = Field(default=[], max_length=366)
    release: Release = Field(
        default=Release.ON_CONFIRMATION,
        description="when a delivered session's share is released: once the "
        "family confirms it or stays silent, or on delivery",
    )
    silence_days: int = Field(
        default=SILENCE_DAYS,
        ge=1,
        le=30,
        description="working days of a family's silence that confirm a session",
    )
    answer_days: int = Field(
        default=ANSWER_DAYS,
        ge=1,
        le=30,
        description="working days a school has to answer a dispute, and a family "
        "to escalate one rejected",
    )

    def command(self, school_id: UUID) -> c.OpenTerm:
        return c.OpenTerm(
            school_id,
            self.code,
            self.starts,
            self.ends,
            self.fee_per_term,
            self.fee_cap,
            self.planned_sessions,
            self.refund_deadline_days,
            self.absence_consumes,
            tuple(self.closed_days),
            self.release.value,
            self.silence_days,
            self.answer_days,
        )


class TeacherCreate(Body):
    model_config = example(code="T07", kind="staff", rate="50.00", since="2026-09-01")
    code: Code
    kind: Literal["staff", "external"]
    rate: YuanIn
    since: BusinessDate | None = None


class RateChange(Body):
    model_config = example(rate="60.00", effective="2026-11-01")
    rate: YuanIn
    effective: BusinessDate


class CourseCreate(Body):
    model_config = example(
        code="CHESS-1",
        name="Chess club",
        category="science",
        capacity=30,
        teacher_id="8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10",
    )
    code: Code
    name: Text
    category: Categories
    capacity: int = Field(ge=1, le=10000)
    teacher_id: UUID
    fee: YuanIn | None = None
    planned_sessions: int | None = Field(default=None, ge=1, le=1000)


class EnrolmentCreate(Body):
    model_config = example(student_id="PC-101-S300", on="2026-09-01", waived=False)
    student_id: StudentId
    on: BusinessDate
    waived: bool = False


class LeaveCreate(Body):
    model_config = example(dates=["2026-11-23", "2026-11-24"])
    dates: list[BusinessDate] = Field(min_length=1, max_length=366)


class RegistrationWindowOpen(Body):
    model_config = example(opens="2026-08-24T08:00:00+08:00", closes="2026-08-28T17:00")
    opens: Instant
    closes: Instant


class RegistrationCreate(Body):
    model_config = example(
        student_id="PC-101-S300", course_id="8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10"
    )
    student_id: StudentId
    course_id: UUID


class WaitingListDeparture(Body):
    model_config = example(student_id="PC-101-S300")
    student_id: StudentId


LeaveReasons = Literal[tuple(r.value for r in LeaveReason)]  # type: ignore[valid-type]


class LeaveRequestCreate(Body):
    """A reason is a code: free text could name people, and stays out of events."""

    model_config = example(dates=["2026-11-23"], reason="illness")
    dates: list[BusinessDate] = Field(min_length=1, max_length=366)
    reason: LeaveReasons | None = None


class RatingCreate(Body):
    """A week's rating of a course and its teacher; the comment is kept in
    the personal-data registry under the student, never in an event."""

    model_config = example(
        student_id="PC-101-S001",
        week="2026-11-16",
        course_score=5,
        teacher_score=4,
        comment="enjoys the Friday games",
    )
    student_id: StudentId
    week: BusinessDate  # any day of the ISO week rated
    course_score: Score
    teacher_score: Score
    comment: Comment | None = None

    def command(self, course_id: UUID) -> c.RateCourse:
        return c.RateCourse(
            course_id,
            self.student_id,
            self.week,
            self.course_score,
            self.teacher_score,
            self.comment,
        )


class ConfirmationCreate(Body):
    """The session of ``day``, and with ``earlier_too`` every earlier one
    still awaiting the family."""

    model_config = example(student_id="PC-101-S001", day="2026-11-20", earlier_too=True)
    student_id: StudentId
    day: BusinessDate
    earlier_too: bool = False


class DisputeCreate(Body):
    """The reason is kept in the personal-data registry, never in an event."""

    model_config = example(
        student_id="PC-101-S001",
        day="2026-11-20",
        grounds="absent",
        reason="she was at the dentist that afternoon",
    )
    student_id: StudentId
    day: BusinessDate
    grounds: Grounds
    reason: Comment | None = None


class DisputeAnswer(Body):
    """Accept, or reject with evidence (kept in the registry)."""

    model_config = example(accept=False, evidence="sign-in sheet of 2026-11-20")
    accept: bool
    evidence: Comment | None = None

    @model_validator(mode="after")
    def evidenced(self) -> "DisputeAnswer":
        if not self.accept and self.evidence is None:
            raise ValueError("a rejection gives its evidence")
        return self


class DisputeDecision(Body):
    """The regulator's reasons are kept in the registry with the family's."""

    model_config = example(upheld=True, note="the sign-in sheet is unsigned")
    upheld: bool
    note: Comment


class DatedChange(Body):
    model_config = example(on="2026-11-20")
    on: BusinessDate


class SessionCreate(Body):
    model_config = example(
        day="2026-11-20",
        starts="15:30:00",
        ends="17:30:00",
        teacher_id="8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10",
        present=["PC-101-S001", "PC-101-S002"],
        absent=["PC-101-S003"],
    )
    day: BusinessDate
    starts: time
    ends: time
    teacher_id: UUID
    present: list[StudentId] = Field(max_length=1000)
    absent: list[StudentId] = Field(default=[], max_length=1000)

    def command(self, course_id: UUID) -> c.DeliverSession:
        return c.DeliverSession(
            course_id,
            None,
            self.day,
            self.starts,
            self.ends,
            self.teacher_id,
            tuple(self.present),
            tuple(self.absent),
        )


class Reversal(Body):
    model_config = example(reason="roster recorded for the wrong class")
    reason: Text


class AllocationLine(Body):
    """A part of a payment and the course of the payer's enrolment it pays."""

    course_id: UUID
    amount: YuanIn


def allocation(lines: list[AllocationLine] | None) -> tuple[Allocation, ...] | None:
    if lines is None:
        return None
    return tuple(Allocation(line.course_id, line.amount) for line in lines)


class PaymentCreate(Body):
    model_config = example(
        student_id="PC-101-S001",
        amount="360.00",
        channel="wechat",
        reference="4200001234202609011234567890",
        received_on="2026-09-01",
        lines=[
            {"course_id": "8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10", "amount": "360.00"}
        ],
    )
    student_id: StudentId
    amount: YuanIn
    channel: Code
    reference: Reference
    received_on: BusinessDate
    lines: list[AllocationLine] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="the enrolments paid; without lines, the oldest unpaid "
        "charges of the student are paid first",
    )

    def command(self, school_id: UUID) -> c.RecordPayment:
        return c.RecordPayment(
            school_id,
            self.student_id,
            self.amount,
            self.channel,
            self.reference,
            self.received_on,
            allocation(self.lines),
        )


class Reallocation(Body):
    model_config = example(
        lines=[
            {"course_id": "8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10", "amount": "360.00"}
        ],
        reason="the family paid for robotics, not chess",
    )
    lines: list[AllocationLine] = Field(min_length=1, max_length=50)
    reason: Text


class RefundCreate(Body):
    model_config = example(
        student_id="PC-101-S005",
        amount="301.50",
        reason="withdrew from the course",
        reference="RF-2026-0001",
    )
    student_id: StudentId
    amount: YuanIn
    reason: Text
    reference: Reference
    course_id: UUID | None = Field(
        None,
        description="refund the credit of this enrolment; without it, the "
        "family's unallocated money first, then its enrolments in order",
    )

    def command(self, school_id: UUID) -> c.RequestRefund:
        return c.RequestRefund(
            school_id,
            self.student_id,
            self.amount,
            self.reason,
            self.reference,
            self.course_id,
        )


class RefundPayment(Body):
    model_config = example(bank_reference="BANK-20260924-0001", paid_on="2026-09-24")
    bank_reference: Reference
    paid_on: BusinessDate


class SubsidyCreate(Body):
    model_config = example(
        reference="GRANT-2026-PC101",
        source="Pingcheng Education Bureau",
        amount="10000.00",
        received_on="2026-09-10",
    )
    reference: Reference
    source: Text
    amount: YuanIn
    received_on: BusinessDate


class AllocationCreate(Body):
    model_config = example(
        course_id="8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10",
        amount="2500.00",
        on="2026-09-30",
    )
    course_id: UUID
    amount: YuanIn
    on: BusinessDate


Month = Annotated[
    str,
    StringConstraints(pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"),
    Field(description="a month, YYYY-MM, 2000-01 to 2100-12", examples=["2026-09"]),
]


def first_day(month: str) -> date:
    year, number = map(int, month.split("-"))
    return date(year, number, 1)


class PayrollCreate(Body):
    model_config = example(month="2026-09")
    month: Month


class PayrollPayment(Body):
    model_config = example(
        bank_references={"8e1c0f5e-3c1b-5d7e-9a51-2f1f7a6b9c10": "BANK-PAY-0001"},
        paid_on="2026-10-05",
    )
    bank_references: dict[UUID, Reference] = Field(max_length=10000)
    paid_on: BusinessDate


class BankAccountSet(Body):
    model_config = example(account="CN1200000000000001234")
    account: BankAccount


class StatementUpload(Body):
    model_config = example(
        format="csv",
        content="date,reference,description,amount,direction\n"
        "2026-09-01,PC-101-S001-0901,fee,360.00,credit\n",
    )
    format: Literal["camt053", "csv", "csv-mapped", "xlsx"] = Field(
        description="csv-mapped and xlsx: a bank's own export, read through the "
        "saved bank_format, its content base64"
    )
    content: StatementContent
    bank_format: BankFormatName | None = None

    @model_validator(mode="after")
    def _mapped(self) -> "StatementUpload":
        mapped = self.format in ("csv-mapped", "xlsx")
        if mapped != (self.bank_format is not None):
            raise ValueError(
                "csv-mapped and xlsx statements name a bank_format; others do not"
            )
        if mapped:
            self.file()
        return self

    def file(self) -> bytes:
        """The file's bytes: base64 for a bank's own export, else the text."""
        if self.format not in ("csv-mapped", "xlsx"):
            return self.content.encode()
        try:
            return base64.b64decode(self.content, validate=True)
        except binascii.Error:
            raise ValueError(
                f"the content of a {self.format} statement is base64"
            ) from None


class BankFormatSave(Body):
    """Column names as the bank's export writes them in its header row."""

    model_config = example(
        encoding="gbk",
        date_format="YYYYMMDD",
        date="交易日期",
        reference="交易流水号",
        description=["摘要", "对方户名"],
        debit="借方发生额",
        credit="贷方发生额",
        balance="余额",
    )
    encoding: Literal["utf-8", "gbk", "gb18030"] = Field(
        description="of a csv-mapped file; an XLSX names its own"
    )
    date_format: Literal[tuple(DATE_FORMATS)]
    date: ColumnName
    reference: ColumnName
    description: Annotated[list[ColumnName], Field(max_length=5)] = []
    debit: ColumnName | None = None
    credit: ColumnName | None = None
    amount: ColumnName | None = None
    direction: ColumnName | None = None
    credit_marks: Annotated[list[ColumnName], Field(max_length=10)] = []
    debit_marks: Annotated[list[ColumnName], Field(max_length=10)] = []
    balance: ColumnName | None = None

    def mapping(self) -> ColumnMap:
        return ColumnMap(
            **{
                k: ("" if v is None else tuple(v) if isinstance(v, list) else v)
                for k, v in self.model_dump().items()
            }
        )


# --- people: personal data, kept in the registry, never in events ---------
_NAME = re.compile(r"[^\W\d_]+(?:[ ·'\u2019-][^\W\d_]+)*")
_PHONE = re.compile(r"(?:(?:\+?86[ -]?)?1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "a name is letters (any script), with single spaces, middle dots, "
            "hyphens or apostrophes between them"
        )
    return value


def _once(children: list[str]) -> list[str]:
    if len(set(children)) != len(children):
        raise ValueError("each child is named once")
    return children


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError("a phone number is a mainland mobile (13912345678) or a "
                         "landline with its area code (010-12345678)")  # fmt: skip
    return value


PersonName = Annotated[
    str, StringConstraints(min_length=1, max_length=50), AfterValidator(_name)
]
Phone = Annotated[
    str, StringConstraints(min_length=7, max_length=20), AfterValidator(_phone)
]
ClassName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,8}$")]
GuardianCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]


class StudentRecord(Body):
    model_config = example(name="王小明", grade=3, class_name="3A")
    name: PersonName
    grade: int = Field(ge=1, le=12)
    class_name: ClassName


class GuardianRecord(Body):
    model_config = example(
        name="王建国", phone="13912345678", relation="father", children=["PC-101-S001"]
    )
    name: PersonName
    phone: Phone
    relation: Literal["father", "mother", "grandparent", "guardian", "other"]
    children: Annotated[
        list[StudentId], Field(min_length=1, max_length=10), AfterValidator(_once)
    ]


class TeacherRecord(Body):
    model_config = example(
        name="李老师", phone="13812345678", payee_account="6222020200112233445"
    )
    name: PersonName
    phone: Phone
    payee_account: BankAccount


class LoginCodeRedeem(Body):
    model_config = example(login_code="K7M2P-Q9XRT")
    login_code: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z2-9]{5}-?[A-Za-z2-9]{5}$")
    ]
