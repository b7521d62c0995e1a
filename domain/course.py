"""A course is an after-school class of a term and its register.

The register holds who is enrolled and which sessions were delivered, because
every delivery settles each enrolled student's share of the fee: consumed when
the student attended (or was absent, where absence consumes), credited back
when on approved leave. A consumed share is released to the course at once,
or, where the term says so, waits for the family: confirmed by the guardian or
by the family's silence for the term's working days, or held by a dispute
until it is settled (released, or credited back). Keeping it all in one
aggregate makes capacity, rosters and shares consistent without reading
other aggregates.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import (
    AlreadyDisputed,
    AlreadyEnrolled,
    AlreadyRegistered,
    AlreadyWithdrawn,
    Blank,
    ConfirmationWindowClosed,
    CourseFull,
    CourseOfAnotherTerm,
    FutureDate,
    InvalidAmount,
    InvalidCapacity,
    InvalidPlan,
    InvalidSession,
    InvalidStudentId,
    InvalidTransition,
    NotAwaitingConfirmation,
    NotConsumed,
    NotEnrolled,
    NothingToConfirm,
    NotWaiting,
    OutsideTerm,
    SessionAlreadyDelivered,
    SessionNotDelivered,
    UnknownCategory,
)
from domain.facts import Created, Fact, Stamp, event_id, stable_id
from domain.money import session_share
from domain.school import BEIJING, Release, Term, released_on_delivery
from domain.workdays import WorkingDays

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
BACKFILLED_AFTER_DAYS = 2
"""A session recorded more days than this after it happened is flagged."""


class Category(StrEnum):
    HOMEWORK = "homework"
    SPORTS = "sports"
    SCIENCE = "science"
    ARTS = "arts"
    LABOUR = "labour"
    READING = "reading"
    WELLBEING = "wellbeing"
    PRACTICE = "practice"


@dataclass(slots=True)
class Seat:
    """Bit n of each mask speaks of the share of session n: still owed,
    consumed by its delivery, or credited back by it; a consumed share may
    still await the family's confirmation, or be held by a dispute."""

    waived: bool
    owed: int
    active: bool = True
    leave: frozenset[date] = frozenset()
    consumed: int = 0
    cancelled: int = 0
    awaiting: int = 0
    disputed: int = 0
    credited: int = 0  # cancelled by a dispute settled for the family


def numbers(mask: int) -> list[int]:
    return [n for n in range(mask.bit_length()) if mask >> n & 1]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a reversal needs of a delivery, kept for every session of a term:
    its session and journal entry ids follow from the day and the version,
    and the shares it settled are marked on the seats. Who was present is
    kept for the families' ratings of the week."""

    version: int
    number: int
    share: int
    teacher_id: UUID
    teacher_pay: int
    present: frozenset[str] = frozenset()
    confirm_by: date | None = None


class Course(Aggregate):
    class Opened(Created):
        class_version = 2

        school_id: UUID
        term_id: UUID
        code: str
        name: str
        category: str
        capacity: int
        teacher_id: UUID
        fee: int
        planned_sessions: int
        term_starts: date
        term_ends: date
        absence_consumes: bool
        release: str
        silence_days: int
        answer_days: int

        upcast_v1_v2 = staticmethod(released_on_delivery)

        def apply(self, course: "Course") -> None:
            course.school_id = self.school_id
            course.term_id = self.term_id
            course.code = self.code
            course.name = self.name
            course.category = self.category
            course.capacity = self.capacity
            course.teacher_id = self.teacher_id
            course.fee = self.fee
            course.planned_sessions = self.planned_sessions
            course.term_starts = self.term_starts
            course.term_ends = self.term_ends
            course.absence_consumes = self.absence_consumes
            course.release = Release(self.release)
            course.silence_days = self.silence_days
            course.answer_days = self.answer_days
            course.seats = {}
            course.deliveries = {}
            course.used = set()
            course.waiting = []

    class StudentEnrolled(Fact):
        school_id: UUID
        student_id: str
        waived: bool
        fee: int

        def apply(self, course: "Course") -> None:
            """A student enrolled again keeps what their sessions before
            settled: shares consumed, awaiting, held or credited back."""
            owed = 0 if self.waived else course.open_mask()
            before = course.seats.get(self.student_id)
            course.seats[self.student_id] = (
                replace(before, waived=self.waived, owed=owed, active=True)
                if before
                else Seat(waived=self.waived, owed=owed)
            )

    class LeaveApproved(Fact):
        """``request_id``: the leave request it approves; None for leave the
        school approved when asked in person."""

        class_version = 2

        school_id: UUID
        student_id: str
        dates: Sequence[date]
        request_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["request_id"] = None

        def apply(self, course: "Course") -> None:
            seat = course.seats[self.student_id]
            seat.leave = seat.leave.union(self.dates)

    class StudentWaitlisted(Fact):
        """Registered while the course was full; ``place`` in the queue then."""

        school_id: UUID
        student_id: str
        place: int

        def apply(self, course: "Course") -> None:
            course.waiting.append(self.student_id)

    class WaitingListLeft(Fact):
        school_id: UUID
        student_id: str

        def apply(self, course: "Course") -> None:
            course.waiting.remove(self.student_id)

    class StudentPromoted(Fact):
        """The first waiting takes the seat ``freed_by`` left; the enrolment
        and its fee charge follow as a ``StudentEnrolled``."""

        school_id: UUID
        student_id: str
        freed_by: str

        def apply(self, course: "Course") -> None:
            course.waiting.remove(self.student_id)

    class StudentWithdrawn(Fact):
        school_id: UUID
        student_id: str
        cancelled: int

        def apply(self, course: "Course") -> None:
            seat = course.seats[self.student_id]
            seat.active = False
            seat.owed = 0

    class FeeWaived(Fact):
        school_id: UUID
        student_id: str
        cancelled: int

        def apply(self, course: "Course") -> None:
            seat = course.seats[self.student_id]
            seat.waived = True
            seat.owed = 0

    class SessionDelivered(Fact):
        """The evidence money is released against: times, teacher and roster.
        ``released`` lists the students who consumed the session. With
        ``confirm_by`` their shares wait for their families: until that day a
        family may confirm or dispute its share, after it silence confirms it
        (the term's working days after the session was recorded)."""

        class_version = 2

        school_id: UUID
        session_id: UUID
        starts: time
        ends: time
        teacher_id: UUID
        teacher_pay: int
        delay_days: int
        number: int
        share: int
        present: Sequence[str]
        absent: Sequence[str]
        on_leave: Sequence[str]
        released: Sequence[str]
        cancelled: Sequence[str]
        confirm_by: date | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["confirm_by"] = None

        @property
        def backfilled(self) -> bool:
            return self.delay_days > BACKFILLED_AFTER_DAYS

        @property
        def awaiting(self) -> bool:
            return self.confirm_by is not None

        def apply(self, course: "Course") -> None:
            bit = 1 << self.number
            for student in self.released:
                seat = course.seats[student]
                seat.owed &= ~bit
                seat.consumed |= bit
                if self.awaiting:
                    seat.awaiting |= bit
            for student in self.cancelled:
                seat = course.seats[student]
                seat.owed &= ~bit
                seat.cancelled |= bit
            course.used.add(self.number)
            usual = self.teacher_id == course.teacher_id
            course.deliveries[self.effective] = Delivery(
                version=self.originator_version,
                number=self.number,
                share=self.share,
                teacher_id=course.teacher_id if usual else self.teacher_id,
                teacher_pay=self.teacher_pay,
                present=frozenset(self.present),
                confirm_by=self.confirm_by,
            )

    class DeliveryReversed(Fact):
        """Undoes a delivery recorded in error; names the entry it reverses.
        ``awaiting``: the consumed shares not yet confirmed, taken back from
        awaiting rather than from the course's income."""

        class_version = 2

        school_id: UUID
        session_id: UUID
        reverses: UUID
        reason: str
        teacher_id: UUID
        teacher_pay: int
        number: int
        share: int
        released: Sequence[str]
        cancelled: Sequence[str]
        awaiting: Sequence[str]

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["awaiting"] = ()

        def apply(self, course: "Course") -> None:
            bit = 1 << self.number
            for student in (*self.released, *self.cancelled):
                seat = course.seats[student]
                seat.owed |= bit
                seat.consumed &= ~bit
                seat.cancelled &= ~bit
                seat.awaiting &= ~bit
            course.used.discard(self.number)
            del course.deliveries[self.effective]

    class SharesConfirmed(Fact):
        """A guardian confirms the child consumed the sessions of ``days``;
        their shares, ``amount`` in all, are released to the course."""

        school_id: UUID
        student_id: str
        days: Sequence[date]
        amount: int

        def apply(self, course: "Course") -> None:
            course.seats[self.student_id].awaiting &= ~course.mask_of(self.days)

    class SilenceElapsed(Fact):
        """``rule``: the families named stayed silent for ``silence_days``
        working days after each session of ``days`` (the last on
        ``through``), which confirms them. ``confirmed``: the sessions each
        family's silence confirmed; ``amounts``: its shares released, in fen."""

        school_id: UUID
        rule: str
        silence_days: int
        through: date
        days: Sequence[date]
        confirmed: Mapping[str, Sequence[date]]
        amounts: Mapping[str, int]

        def apply(self, course: "Course") -> None:
            for student, days in self.confirmed.items():
                course.seats[student].awaiting &= ~course.mask_of(days)

    class ShareHeld(Fact):
        """A family disputes its share of the session of ``day``: held, not
        released and not spendable, until the dispute is settled."""

        school_id: UUID
        student_id: str
        day: date
        amount: int
        dispute_id: UUID

        def apply(self, course: "Course") -> None:
            seat, bit = course.seats[self.student_id], course.mask_of((self.day,))
            seat.awaiting &= ~bit
            seat.disputed |= bit

    class HeldShareSettled(Fact):
        """A dispute is settled: the held share is credited back to the
        family (``credited``), or released to the course."""

        school_id: UUID
        student_id: str
        day: date
        amount: int
        dispute_id: UUID
        credited: bool

        def apply(self, course: "Course") -> None:
            seat, bit = course.seats[self.student_id], course.mask_of((self.day,))
            seat.disputed &= ~bit
            if self.credited:
                seat.consumed &= ~bit
                seat.cancelled |= bit
                seat.credited |= bit

    @staticmethod
    def id_for(term_id: UUID, code: str) -> UUID:
        return stable_id("course", term_id, code)

    @staticmethod
    def session_id_for(course_id: UUID, day: date) -> UUID:
        return stable_id("session", course_id, day.isoformat())

    @classmethod
    def open(
        cls,
        *,
        term: Term,
        code: str,
        name: str,
        category: str,
        capacity: int,
        teacher_id: UUID,
        fee: int | None = None,
        planned_sessions: int | None = None,
        stamp: Stamp,
    ) -> "Course":
        fee = term.fee_per_term if fee is None else fee
        planned = planned_sessions or term.planned_sessions
        for field, value in (("code", code), ("name", name)):
            if not value.strip():
                raise Blank(f"a course needs a {field}", field=field)
        if category not in set(Category):
            raise UnknownCategory(
                f"unknown category {category!r}; one of {', '.join(Category)}"
            )
        if capacity < 1:
            raise InvalidCapacity("a course takes at least one student")
        if fee < 0:
            raise InvalidAmount("a course fee cannot be negative")
        if planned < 1:
            raise InvalidPlan("a course plans at least one session")
        return cls._create(
            cls.Opened,
            id=cls.id_for(term.id, code),
            school_id=term.school_id,
            term_id=term.id,
            code=code,
            name=name,
            category=category,
            capacity=capacity,
            teacher_id=teacher_id,
            fee=fee,
            planned_sessions=planned,
            term_starts=term.starts,
            term_ends=term.ends,
            absence_consumes=term.absence_consumes,
            release=term.release.value,
            silence_days=term.silence_days,
            answer_days=term.answer_days,
            **stamp.fields(),
        )

    # --- enrolment -------------------------------------------------------

    def enrol(self, student_id: str, *, waived: bool, stamp: Stamp) -> None:
        self.check_student_id(student_id)
        self.check_in_term(stamp.on)
        seat = self.seats.get(student_id)
        if seat and seat.active:
            raise AlreadyEnrolled(f"student {student_id} is already in {self.code}")
        if self.headcount >= self.capacity:
            raise CourseFull(
                f"{self.code} is full: {self.headcount} of {self.capacity} places taken"
            )
        self._seat(student_id, waived=waived, stamp=stamp)

    def _seat(self, student_id: str, *, waived: bool, stamp: Stamp) -> None:
        fee = 0 if waived else sum(self.share(n) for n in self.open_numbers())
        self.trigger_event(
            self.StudentEnrolled,
            school_id=self.school_id,
            student_id=student_id,
            waived=waived,
            fee=fee,
            **stamp.fields(),
        )

    # --- registration ----------------------------------------------------

    def register(self, student_id: str, *, term: Term, stamp: Stamp) -> None:
        """A seat while there is one, else a place on the waiting list. A
        registration before the term starts enrols from its first day."""
        self.check_student_id(student_id)
        if term.id != self.term_id:
            raise CourseOfAnotherTerm(
                f"course {self.code} belongs to another term than {term.code}"
            )
        term.check_registration_open(stamp.at)
        self.check_not_registered(student_id)
        if self.headcount < self.capacity:
            on = max(stamp.on, self.term_starts)
            self._seat(student_id, waived=False, stamp=replace(stamp, on=on))
            return
        self.trigger_event(
            self.StudentWaitlisted,
            school_id=self.school_id,
            student_id=student_id,
            place=len(self.waiting) + 1,
            **stamp.fields(),
        )

    def leave_waiting_list(self, student_id: str, *, stamp: Stamp) -> None:
        if student_id not in self.waiting:
            raise NotWaiting(f"student {student_id} is not waiting for {self.code}")
        self.trigger_event(
            self.WaitingListLeft,
            school_id=self.school_id,
            student_id=student_id,
            **stamp.fields(),
        )

    def promote_waiting(self, freed_by: str, *, stamp: Stamp) -> None:
        """Fills a freed seat with the first waiting, charged as any enrolment
        from that day."""
        if not self.waiting or self.headcount >= self.capacity:
            return
        first = self.waiting[0]
        self.trigger_event(
            self.StudentPromoted,
            school_id=self.school_id,
            student_id=first,
            freed_by=freed_by,
            **stamp.fields(),
        )
        self._seat(first, waived=False, stamp=stamp)

    # --- leave -----------------------------------------------------------

    def check_leave(self, student_id: str, dates: Iterable[date]) -> tuple[date, ...]:
        """The dates, in order, of a leave the student may be granted."""
        self.check_active(student_id)
        dates = sorted(set(dates))
        if not dates:
            raise Blank("a leave names at least one date", field="dates")
        for day in dates:
            self.check_in_term(day)
            if day in self.deliveries:
                raise SessionAlreadyDelivered(
                    f"the session of {day} is already delivered"
                )
        return tuple(dates)

    def approve_leave(
        self,
        student_id: str,
        dates: Iterable[date],
        *,
        stamp: Stamp,
        request_id: UUID | None = None,
    ) -> None:
        self.trigger_event(
            self.LeaveApproved,
            school_id=self.school_id,
            student_id=student_id,
            dates=self.check_leave(student_id, dates),
            request_id=request_id,
            **stamp.fields(),
        )

    def withdraw(self, student_id: str, *, stamp: Stamp) -> None:
        seat = self.check_enrolled(student_id)
        self.check_dated(stamp)
        if not seat.active:
            raise AlreadyWithdrawn(f"student {student_id} already left {self.code}")
        self.trigger_event(
            self.StudentWithdrawn,
            school_id=self.school_id,
            student_id=student_id,
            cancelled=self.unconsumed(seat),
            **stamp.fields(),
        )
        self.promote_waiting(student_id, stamp=stamp)

    def waive_fee(self, student_id: str, *, stamp: Stamp) -> None:
        seat = self.check_active(student_id)
        self.check_dated(stamp)
        if seat.waived:
            raise AlreadyWithdrawn(f"the fee of {student_id} is already waived")
        self.trigger_event(
            self.FeeWaived,
            school_id=self.school_id,
            student_id=student_id,
            cancelled=self.unconsumed(seat),
            **stamp.fields(),
        )

    # --- delivery --------------------------------------------------------

    def deliver(
        self,
        *,
        term_id: UUID,
        starts: time,
        ends: time,
        teacher_id: UUID,
        teacher_pay: int,
        present: Iterable[str],
        absent: Iterable[str] = (),
        calendar: WorkingDays | None = None,
        stamp: Stamp,
    ) -> None:
        """Records a delivered session on ``stamp.on`` and settles every share.
        A session nobody attended earns the teacher nothing. Where families
        confirm, ``calendar`` counts the working days they have."""
        day = stamp.on
        recorded_on = stamp.at.astimezone(BEIJING).date()
        if term_id != self.term_id:
            raise OutsideTerm(
                f"course {self.code} belongs to another term; "
                "a session is delivered in its own course's term"
            )
        self.check_in_term(day)
        if day > recorded_on:
            raise InvalidSession(f"the session of {day} has not happened yet")
        if starts.tzinfo or ends.tzinfo:
            raise InvalidSession(
                "check-in and check-out are local times, without a zone"
            )
        if ends <= starts:
            raise InvalidSession(f"check-out {ends} precedes check-in {starts}")
        if teacher_pay < 0:
            raise InvalidAmount("teacher pay cannot be negative")
        if day in self.deliveries:
            raise SessionAlreadyDelivered(
                f"the session of {self.code} on {day} is already recorded; "
                "correct it by reversing it first"
            )
        present, absent = set(present), set(absent)
        if overlap := present & absent:
            raise InvalidSession(f"marked both present and absent: {sorted(overlap)}")
        for student in sorted(present | absent):
            self.check_active(student)
        active = {s for s, seat in self.seats.items() if seat.active}
        away = active - present
        on_leave = {s for s in away if day in self.seats[s].leave}
        absent = away - on_leave
        consuming = present | absent if self.absence_consumes else present
        number = self.next_number()
        owing = [s for s in sorted(active) if self.seats[s].owed >> number & 1]
        self.trigger_event(
            self.SessionDelivered,
            school_id=self.school_id,
            session_id=self.session_id_for(self.id, day),
            starts=starts,
            ends=ends,
            teacher_id=teacher_id,
            teacher_pay=teacher_pay if present else 0,
            delay_days=(recorded_on - day).days,
            number=number,
            share=self.share(number),
            present=tuple(sorted(present)),
            absent=tuple(sorted(absent)),
            on_leave=tuple(sorted(on_leave)),
            released=tuple(s for s in owing if s in consuming),
            cancelled=tuple(s for s in owing if s not in consuming),
            confirm_by=self.confirm_by(max(day, recorded_on), calendar),
            **stamp.fields(),
        )

    def reverse_delivery(self, day: date, *, reason: str, stamp: Stamp) -> None:
        delivery = self.deliveries.get(day)
        if delivery is None:
            raise SessionNotDelivered(f"no session of {self.code} on {day} to reverse")
        if not reason.strip():
            raise Blank("a correction states its reason", field="reason")
        released, cancelled = self.settled_by(delivery.number)
        for student in (*released, *cancelled):
            seat = self.seats[student]
            if not seat.active or seat.waived:
                raise InvalidSession(
                    f"student {student} left or was exempted after this session; "
                    "settle that through a refund instead"
                )
            if (seat.disputed | seat.credited) >> delivery.number & 1:
                raise InvalidSession(
                    f"the family of {student} disputed this session; a disputed "
                    "session stands as the dispute settles it"
                )
        bit = 1 << delivery.number
        self.trigger_event(
            self.DeliveryReversed,
            school_id=self.school_id,
            session_id=self.session_id_for(self.id, day),
            reverses=event_id(self.id, delivery.version),
            reason=reason,
            teacher_id=delivery.teacher_id,
            teacher_pay=delivery.teacher_pay,
            number=delivery.number,
            share=delivery.share,
            released=released,
            cancelled=cancelled,
            awaiting=tuple(s for s in released if self.seats[s].awaiting & bit),
            actor=stamp.actor.id,
            role=stamp.actor.role,
            effective=day,
            timestamp=stamp.at,
        )

    # --- confirmation ----------------------------------------------------

    def confirm(
        self,
        student_id: str,
        *,
        day: date | None = None,
        through: date | None = None,
        stamp: Stamp,
    ) -> None:
        """Confirms the session of ``day``, or every session up to
        ``through`` whose share still awaits the family."""
        if day is not None:
            self.check_awaiting(student_id, day)
            days = [day]
        elif through is None:
            raise Blank("a confirmation names a day or a last day", field="through")
        else:
            self.check_confirmed_by_family()
            days = [d for d in self.awaiting_days(student_id) if d <= through]
            if not days:
                raise NothingToConfirm(
                    f"no session of {self.code} up to {through} awaits "
                    f"confirmation for {student_id}"
                )
        self.trigger_event(
            self.SharesConfirmed,
            school_id=self.school_id,
            student_id=student_id,
            days=tuple(days),
            amount=sum(self.deliveries[d].share for d in days),
            **stamp.fields(),
        )

    def confirm_by(self, recorded: date, calendar: WorkingDays | None) -> date | None:
        """The last day a family may confirm or dispute a session recorded
        on ``recorded``; None where shares are released on delivery."""
        if self.release is Release.ON_DELIVERY:
            return None
        if calendar is None:
            raise ValueError("families confirm in working days: pass a calendar")
        return calendar.after(recorded, self.silence_days)

    def confirm_by_silence(self, *, stamp: Stamp) -> None:
        """Confirms every share whose family stayed silent for the term's
        working days after its session, as of ``stamp.on``."""
        waiting = 0
        for seat in self.seats.values():
            waiting |= seat.awaiting
        days = sorted(
            d
            for d, x in self.deliveries.items()
            if waiting >> x.number & 1 and x.confirm_by < stamp.on
        )
        if not days:
            return
        mask = self.mask_of(days)
        confirmed = {
            student: [d for d in days if seat.awaiting >> self.deliveries[d].number & 1]
            for student, seat in sorted(self.seats.items())
            if seat.awaiting & mask
        }
        self.trigger_event(
            self.SilenceElapsed,
            school_id=self.school_id,
            rule="silence-confirms",
            silence_days=self.silence_days,
            through=days[-1],
            days=tuple(days),
            confirmed=confirmed,
            amounts={
                student: sum(self.deliveries[d].share for d in mine)
                for student, mine in confirmed.items()
            },
            **stamp.fields(),
        )

    def hold(
        self,
        student_id: str,
        day: date,
        *,
        dispute_id: UUID,
        stamp: Stamp,
    ) -> None:
        """Holds a disputed share; a family disputes within the silence
        period, while the share still awaits it."""
        delivery = self.check_awaiting(student_id, day)
        if stamp.on > (ends := delivery.confirm_by):
            raise ConfirmationWindowClosed(
                f"the session of {day} could be disputed until {ends} "
                f"({self.silence_days} working days); the family's silence "
                "has confirmed it",
                rule="silence-confirms",
            )
        self.trigger_event(
            self.ShareHeld,
            school_id=self.school_id,
            student_id=student_id,
            day=day,
            amount=delivery.share,
            dispute_id=dispute_id,
            **stamp.fields(),
        )

    def settle_held(
        self,
        student_id: str,
        day: date,
        *,
        dispute_id: UUID,
        credited: bool,
        stamp: Stamp,
    ) -> None:
        seat = self.check_enrolled(student_id)
        if day not in self.deliveries or not seat.disputed & self.mask_of((day,)):
            raise InvalidTransition(f"no share of {day} is held for {student_id}")
        self.trigger_event(
            self.HeldShareSettled,
            school_id=self.school_id,
            student_id=student_id,
            day=day,
            amount=self.deliveries[day].share,
            dispute_id=dispute_id,
            credited=credited,
            **stamp.fields(),
        )

    def check_awaiting(self, student_id: str, day: date) -> Delivery:
        """The delivery of ``day``, whose share the student consumed and the
        family has neither confirmed nor disputed."""
        seat = self.check_enrolled(student_id)
        delivery = self.deliveries.get(day)
        if delivery is None:
            raise SessionNotDelivered(f"no session of {self.code} on {day}")
        bit = 1 << delivery.number
        if not seat.consumed & bit:
            raise NotConsumed(
                f"{student_id} did not consume the session of {day} "
                "(on leave, absent where absence does not consume, or enrolled later)",
                rule="consumed-only",
            )
        self.check_confirmed_by_family()
        if seat.disputed & bit:
            raise AlreadyDisputed(
                f"the share of {day} is disputed already", rule="one-dispute"
            )
        if not seat.awaiting & bit:
            raise NotAwaitingConfirmation(
                f"the share of {day} is confirmed already", rule="confirmed-once"
            )
        return delivery

    def check_confirmed_by_family(self) -> None:
        if self.release is Release.ON_DELIVERY:
            raise NotAwaitingConfirmation(
                f"term policy releases {self.code}'s shares on delivery; "
                "they await no confirmation",
                rule="on-delivery",
            )

    def awaiting_days(self, student_id: str) -> list[date]:
        """The sessions whose share awaits the family's confirmation."""
        seat = self.check_enrolled(student_id)
        return sorted(
            d for d, x in self.deliveries.items() if seat.awaiting >> x.number & 1
        )

    def mask_of(self, days: Iterable[date]) -> int:
        return sum(1 << self.deliveries[d].number for d in days)

    # --- derived state and guards ---------------------------------------

    @property
    def headcount(self) -> int:
        return sum(seat.active for seat in self.seats.values())

    def share(self, number: int) -> int:
        return session_share(self.fee, self.planned_sessions, number)

    def open_numbers(self) -> set[int]:
        return set(range(1, self.planned_sessions + 1)) - self.used

    def open_mask(self) -> int:
        return sum(1 << n for n in self.open_numbers())

    def next_number(self) -> int:
        number = 1
        while number in self.used:
            number += 1
        return number

    def settled_by(self, number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The students whose share session ``number`` released, and cancelled."""
        bit, seats = 1 << number, sorted(self.seats.items())
        return (
            tuple(s for s, seat in seats if seat.consumed & bit),
            tuple(s for s, seat in seats if seat.cancelled & bit),
        )

    def unconsumed(self, seat: Seat) -> int:
        return sum(self.share(n) for n in numbers(seat.owed))

    def attended(self, student_id: str, week: date) -> list[Delivery]:
        """The delivered, not reversed, sessions of the ISO week starting on
        Monday ``week`` at which the student was present, in day order."""
        days = (week + timedelta(days=n) for n in range(7))
        found = ((d, self.deliveries.get(d)) for d in days)
        return [x for _, x in found if x is not None and student_id in x.present]

    def check_student_id(self, student_id: str) -> None:
        """An id the accounts can carry: letters, digits, '.', '_' and '-'."""
        if not STUDENT_ID.fullmatch(student_id):
            raise InvalidStudentId(
                "a student is named by a pseudonymous id of 1-64 letters, digits, "
                "'.', '_' or '-'"
            )

    def check_in_term(self, day: date) -> None:
        if not self.term_starts <= day <= self.term_ends:
            raise OutsideTerm(
                f"{day} is outside the term ({self.term_starts} to {self.term_ends})"
            )

    def check_dated(self, stamp: Stamp) -> None:
        """A change takes effect inside the term, and not before it is recorded."""
        self.check_in_term(stamp.on)
        if stamp.on > stamp.at.astimezone(BEIJING).date():
            raise FutureDate(f"{stamp.on} is still to come; record it on the day")

    def check_enrolled(self, student_id: str) -> Seat:
        seat = self.seats.get(student_id)
        if seat is None:
            raise NotEnrolled(f"student {student_id} is not enrolled in {self.code}")
        return seat

    def check_not_registered(self, student_id: str) -> None:
        seat = self.seats.get(student_id)
        if seat and seat.active:
            raise AlreadyRegistered(f"student {student_id} is already in {self.code}")
        if student_id in self.waiting:
            place = self.waiting.index(student_id) + 1
            raise AlreadyRegistered(
                f"student {student_id} is already waiting for {self.code} "
                f"(place {place})"
            )

    def check_active(self, student_id: str) -> Seat:
        seat = self.check_enrolled(student_id)
        if not seat.active:
            raise NotEnrolled(f"student {student_id} has withdrawn from {self.code}")
        return seat
