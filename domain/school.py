"""Schools and their terms, with the fee policy every course of a term follows."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    AlreadyReported,
    Blank,
    InvalidAmount,
    InvalidBankAccount,
    InvalidPlan,
    InvalidRegistrationWindow,
    InvalidTermDates,
    InvalidTermPolicy,
    OutsideRegistrationWindow,
    RegistrationNotOpen,
    TermNotEnded,
)
from domain.facts import Created, Fact, Stamp, stable_id

OFF_WORK = time(17, 30)
BEIJING = timezone(timedelta(hours=8))
LONGEST_TERM_DAYS = 366
SILENCE_DAYS = 7
"""Working days of a family's silence after a session that confirm it."""
ANSWER_DAYS = 5
"""Working days a school has to answer a dispute, and a family to escalate it."""


class Release(StrEnum):
    """When a delivered session's share leaves the family's money: once the
    family confirms it (or stays silent), or on delivery where a regulator
    lets the school do so."""

    ON_CONFIRMATION = "on-confirmation"
    ON_DELIVERY = "on-delivery"


def released_on_delivery(state: dict) -> None:
    """Terms and courses opened before families confirmed released on
    delivery: their stored events read so."""
    state["release"] = Release.ON_DELIVERY.value
    state["silence_days"] = SILENCE_DAYS
    state["answer_days"] = ANSWER_DAYS


class School(Aggregate):
    class Registered(Created):
        district: str
        code: str
        name: str

        def apply(self, school: "School") -> None:
            school.district = self.district
            school.code = self.code
            school.name = self.name
            school.bank_account = None

    class BankAccountSet(Fact):
        """The supervised account the school's fund is held in."""

        school_id: UUID
        account: str

        def apply(self, school: "School") -> None:
            school.bank_account = self.account

    @staticmethod
    def id_for(code: str) -> UUID:
        return stable_id("school", code)

    @property
    def school_id(self) -> UUID:
        return self.id

    def set_bank_account(self, account: str, *, stamp: Stamp) -> None:
        account = "".join(account.split()).upper()
        if not 5 <= len(account) <= 34 or not account.isalnum():
            raise InvalidBankAccount(f"{account!r} is not a bank account number")
        self.trigger_event(
            self.BankAccountSet, school_id=self.id, account=account, **stamp.fields()
        )

    @classmethod
    def register(cls, *, district: str, code: str, name: str, stamp: Stamp) -> "School":
        for label, value in (("district", district), ("code", code), ("name", name)):
            if not value.strip():
                raise Blank(f"a school needs a {label}", field=label)
        return cls._create(
            cls.Registered,
            id=cls.id_for(code),
            district=district,
            code=code,
            name=name,
            **stamp.fields(),
        )


class Term(Aggregate):
    """A semester of after-school service at one school, and its fee policy."""

    class Opened(Created):
        class_version = 2

        school_id: UUID
        code: str
        starts: date
        ends: date
        closed_days: Sequence[date]
        fee_per_term: int
        fee_cap: int
        planned_sessions: int
        refund_deadline_days: int
        absence_consumes: bool
        min_minutes: int
        earliest_end: time
        release: str
        silence_days: int
        answer_days: int

        upcast_v1_v2 = staticmethod(released_on_delivery)

        def apply(self, term: "Term") -> None:
            term.school_id = self.school_id
            term.code = self.code
            term.starts = self.starts
            term.ends = self.ends
            term.closed_days = frozenset(self.closed_days)
            term.fee_per_term = self.fee_per_term
            term.fee_cap = self.fee_cap
            term.planned_sessions = self.planned_sessions
            term.refund_deadline_days = self.refund_deadline_days
            term.absence_consumes = self.absence_consumes
            term.min_minutes = self.min_minutes
            term.earliest_end = self.earliest_end
            term.release = Release(self.release)
            term.silence_days = self.silence_days
            term.answer_days = self.answer_days
            term.surplus_reported = False
            term.opens = term.closes = None
            term.closed_early = False

    @staticmethod
    def id_for(school_id: UUID, code: str) -> UUID:
        return stable_id("term", school_id, code)

    @classmethod
    def open(
        cls,
        *,
        school: School,
        code: str,
        starts: date,
        ends: date,
        fee_per_term: int,
        fee_cap: int,
        planned_sessions: int,
        refund_deadline_days: int = 15,
        absence_consumes: bool = False,
        closed_days: Sequence[date] = (),
        min_minutes: int = 120,
        earliest_end: time = OFF_WORK,
        release: str = Release.ON_CONFIRMATION,
        silence_days: int = SILENCE_DAYS,
        answer_days: int = ANSWER_DAYS,
        stamp: Stamp,
    ) -> "Term":
        if not code.strip():
            raise Blank("a term needs a code such as '2026-autumn'", field="code")
        if ends <= starts:
            raise InvalidTermDates(
                f"the term ends ({ends}) before it starts ({starts})"
            )
        if (ends - starts).days >= LONGEST_TERM_DAYS:
            raise InvalidTermDates(
                f"a term lies within one school year; {starts} to {ends} is longer"
            )
        if fee_per_term < 0 or fee_cap < 0:
            raise InvalidAmount("a fee or a fee cap cannot be negative")
        if planned_sessions < 1:
            raise InvalidPlan("a term plans at least one session")
        if refund_deadline_days < 1 or min_minutes < 1:
            raise InvalidTermPolicy(
                "refund deadline and daily minutes must be positive"
            )
        if release not in set(Release):
            raise InvalidTermPolicy(
                f"release {release!r} is not one of {', '.join(Release)}"
            )
        if not 1 <= silence_days <= 30 or not 1 <= answer_days <= 30:
            raise InvalidTermPolicy(
                "silence and answer periods are 1 to 30 working days"
            )
        if any(not starts <= d <= ends for d in closed_days):
            raise InvalidTermDates("every closed day must fall inside the term")
        return cls._create(
            cls.Opened,
            id=cls.id_for(school.id, code),
            school_id=school.id,
            code=code,
            starts=starts,
            ends=ends,
            closed_days=tuple(sorted(set(closed_days))),
            fee_per_term=fee_per_term,
            fee_cap=fee_cap,
            planned_sessions=planned_sessions,
            refund_deadline_days=refund_deadline_days,
            absence_consumes=absence_consumes,
            min_minutes=min_minutes,
            earliest_end=earliest_end,
            release=Release(release).value,
            silence_days=silence_days,
            answer_days=answer_days,
            **stamp.fields(),
        )

    class SurplusReported(Fact):
        """What the term's courses kept once their sessions and teachers were
        paid for, reported to the regulator after the term."""

        school_id: UUID
        surplus: int

        def apply(self, term: "Term") -> None:
            term.surplus_reported = True

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def report_surplus(self, surplus: int, *, stamp: Stamp) -> None:
        if stamp.on <= self.ends:
            raise TermNotEnded(f"the term runs until {self.ends}; report after it")
        if self.surplus_reported:
            raise AlreadyReported("the term's surplus is reported already")
        self.trigger_event(
            self.SurplusReported,
            school_id=self.school_id,
            surplus=surplus,
            **stamp.fields(),
        )

    # --- registration ----------------------------------------------------

    class RegistrationOpened(Fact):
        """Guardians may register from ``opens`` until just before ``closes``."""

        school_id: UUID
        opens: datetime
        closes: datetime

        def apply(self, term: "Term") -> None:
            term.opens, term.closes = self.opens, self.closes
            term.closed_early = False

    class RegistrationClosed(Fact):
        """Closed early, at the moment it was recorded."""

        school_id: UUID

        def apply(self, term: "Term") -> None:
            term.closes = self.timestamp
            term.closed_early = True

    def open_registration(
        self, opens: datetime, closes: datetime, *, stamp: Stamp
    ) -> None:
        """Opens (or opens again, replacing) the window; it ends with the term
        at the latest."""
        if opens.tzinfo is None or closes.tzinfo is None:
            raise InvalidRegistrationWindow("a window's instants name their offset")
        if closes <= opens:
            raise InvalidRegistrationWindow(
                f"the window closes ({closes}) before it opens ({opens})"
            )
        if closes <= stamp.at:
            raise InvalidRegistrationWindow(f"the window closes ({closes}) in the past")
        if closes.astimezone(BEIJING).date() > self.ends:
            raise InvalidRegistrationWindow(
                f"the window closes after the term ends ({self.ends})"
            )
        self.trigger_event(
            self.RegistrationOpened,
            school_id=self.school_id,
            opens=opens,
            closes=closes,
            **stamp.fields(),
        )

    def close_registration(self, *, stamp: Stamp) -> None:
        if self.closes is None or stamp.at >= self.closes:
            raise RegistrationNotOpen(f"registration for term {self.code} is not open")
        self.trigger_event(
            self.RegistrationClosed, school_id=self.school_id, **stamp.fields()
        )

    def check_registration_open(self, at: datetime) -> None:
        if self.closes is None:
            raise OutsideRegistrationWindow(
                f"registration for term {self.code} has not been opened"
            )
        if at < self.opens:
            raise OutsideRegistrationWindow(
                f"registration for term {self.code} opens at {self.opens.isoformat()}"
            )
        if at >= self.closes:
            how = "was closed early" if self.closed_early else "closed"
            raise OutsideRegistrationWindow(
                f"registration for term {self.code} {how} at {self.closes.isoformat()}"
            )
