"""The fund's command handlers: load, decide, save, return the log position."""

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import partial, singledispatchmethod
from typing import Any, Protocol, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from structlog.contextvars import bound_contextvars

from application import commands as c
from application.transcodings import register_transcodings
from domain.bank import FUND_CURRENCY, BankStatement
from domain.course import BEIJING, Course
from domain.errors import AlreadyExists, DomainError, InvalidSetup, NotFound
from domain.facts import Actor, Stamp
from domain.payment import Payment
from domain.payroll import PayItem, PayrollRun, month_end, month_of
from domain.refund import Refund
from domain.school import School, Term
from domain.statements import (
    Statement,
    StatementError,
    parse_camt053,
    parse_statement_csv,
)
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher

A = TypeVar("A", bound=Aggregate)
log = structlog.get_logger("funds")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class PaySession:
    """A delivery the books say is not yet paid, or was paid and then reversed."""

    delivery_id: UUID
    session_id: UUID
    course_id: UUID
    teacher_id: UUID
    day: date
    starts: time
    ends: time
    roster: int
    accrued: int
    reversed: bool
    paid_amount: int | None


class Books(Protocol):
    """What decisions read from the ledger, once it has caught up with the log."""

    def credit(self, school_id: UUID, student_id: str) -> int:
        """What a family paid beyond what it owes, less refunds in progress."""

    def free_cash(self, school_id: UUID) -> int:
        """Bank money not held for families or for refunds they are owed."""

    def pay_sessions(self, school_id: UUID, through: date) -> list[PaySession]:
        """Deliveries up to a day that no payroll has settled yet."""

    def term_surplus(self, term_id: UUID) -> int:
        """What the term's courses released, net of their teachers' pay."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RequestKey:
    """A client's idempotency key, recorded with the events of its request."""

    subject: str
    key: str
    fingerprint: str
    status: int
    body: dict[str, Any]


_request: ContextVar[RequestKey | None] = ContextVar("request", default=None)
# The aggregates the running command loaded.
_touched: ContextVar[list[UUID] | None] = ContextVar("touched", default=None)
# The aggregates a set-up changed, saved together when it ends.
_unsaved: ContextVar[dict[UUID, Aggregate] | None] = ContextVar("unsaved", default=None)
SetUp = c.RegisterSchool | c.OpenTerm | c.RegisterTeacher | c.OpenCourse


class Funds(Application[UUID]):
    name = "Funds"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock = utc_now,
        books: Books | None = None,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self._books = books

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # --- plumbing --------------------------------------------------------

    def stamp(self, actor: Actor, on: date | None = None) -> Stamp:
        at = self.clock()
        return Stamp(actor=actor, at=at, on=on or at.astimezone(BEIJING).date())

    def load(self, cls: type[A], aggregate_id: UUID, label: str, actor: Actor) -> A:
        """Loads an aggregate the actor may act on; anything else is not found."""
        unsaved = _unsaved.get() or {}
        try:
            if (aggregate := unsaved.get(aggregate_id)) is None:
                aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls) or not actor.may_act_for(aggregate.school_id):
            raise NotFound(f"no {label} {aggregate_id}", id=str(aggregate_id))
        if (touched := _touched.get()) is not None:
            touched.append(aggregate_id)
        return aggregate

    def forget(self, aggregate_ids: Sequence[UUID]) -> None:
        """Drops these aggregates from the writer's cache: a refused command
        must leave no trace there, and a bulk writer need not keep what it
        will not touch again."""
        if self.repository.cache is None:
            return
        for aggregate_id in aggregate_ids:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def stop_caching(self) -> None:
        """Lets every cached aggregate go, once the writing is done."""
        self.repository.cache = None

    def record(self, *aggregates: Aggregate) -> int:
        """Saves every pending event of the aggregates in one transaction.

        As ``Application.save`` does, less its asking of each object whether
        it is an event or an aggregate: on Python 3.11 those runtime protocol
        checks cost some 60 us an aggregate, a bulk save's largest cost after
        its SQL. Snapshots are not taken here and nothing listens for saves.
        Inside a set-up nothing is saved yet: the set-up saves at its end."""
        if (unsaved := _unsaved.get()) is not None:
            for aggregate in aggregates:
                if unsaved.setdefault(aggregate.id, aggregate) is not aggregate:
                    raise AlreadyExists("it is in this set-up already")
            return 0
        saving: ProcessingEvent[UUID] = ProcessingEvent()
        saving.saved_kwargs["request"] = _request.get()
        saving.saved_kwargs["schools"] = sorted({a.school_id for a in aggregates})
        for aggregate in aggregates:
            saving.events.extend(aggregate.collect_events())
            saving.aggregates[aggregate.id] = aggregate
        try:
            recordings = self._record(saving)
        except IntegrityError:
            raise AlreadyExists(
                "that was recorded already, or changed by someone else meanwhile; "
                "reload and try again"
            ) from None
        return recordings[-1].notification.id if recordings else self.head()

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def position_of(self, aggregate_id: UUID) -> int:
        """The log position of an aggregate's latest recorded event."""
        statement = f"SELECT max(notification_id) AS n FROM {self.name.lower()}_events "
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement + "WHERE originator_id = %s", (aggregate_id,))
            return curs.fetchone()["n"]

    # --- commands --------------------------------------------------------

    def handle(
        self, command: Any, actor: Actor, request: RequestKey | None = None
    ) -> int:
        """Executes one command; returns the log position of what it recorded."""
        token = _request.set(request)
        try:
            name = type(command).__name__
            return self.logged(name, actor, partial(self.execute, command, actor))
        finally:
            _request.reset(token)

    def logged(
        self, command: str, actor: Actor, run: Callable[[], int], **fields: Any
    ) -> int:
        touched: list[UUID] = []
        with bound_contextvars(command=command, actor=actor.id, role=actor.role):
            token = _touched.set(touched)
            try:
                position = run()
            except BaseException as error:
                self.forget(touched)
                if isinstance(error, DomainError):
                    log.info("refused", error=error.code, **fields)
                raise
            finally:
                _touched.reset(token)
            log.info("recorded", position=position, **fields)
            return position

    @singledispatchmethod
    def execute(self, command: Any, actor: Actor) -> int:
        raise TypeError(f"no handler for {type(command).__name__}")

    def set_up(self, cmds: Sequence[SetUp], actor: Actor) -> int:
        """A school's term set up at once (the school, its term, teachers and
        courses, in that order), saved in one transaction: one refused
        command, or one that exists already, writes nothing of it."""

        def run() -> int:
            unsaved: dict[UUID, Aggregate] = {}
            token = _unsaved.set(unsaved)
            try:
                for cmd in cmds:
                    if not isinstance(cmd, SetUp):
                        raise TypeError(f"{type(cmd).__name__} is not a set-up")
                    self.execute(cmd, actor)
            finally:
                _unsaved.reset(token)
            return self.record(*unsaved.values())

        return self.logged("SetUp", actor, run, commands=len(cmds))

    @execute.register
    def register_school(self, cmd: c.RegisterSchool, actor: Actor) -> int:
        if not actor.may_act_for(School.id_for(cmd.code)):
            raise NotFound(f"school {cmd.code} is outside your scope")
        if actor.schools is not None and actor.district != cmd.district:
            raise InvalidSetup(
                f"this token registers schools of district {actor.district} only"
                if actor.district
                else "this token is bound to no district; create it with --district"
            )
        school = School.register(
            district=cmd.district, code=cmd.code, name=cmd.name, stamp=self.stamp(actor)
        )
        return self.record_new(school, f"school {cmd.code}")

    @execute.register
    def open_term(self, cmd: c.OpenTerm, actor: Actor) -> int:
        school = self.load(School, cmd.school_id, "school", actor)
        term = Term.open(
            school=school,
            code=cmd.code,
            starts=cmd.starts,
            ends=cmd.ends,
            fee_per_term=cmd.fee_per_term,
            fee_cap=cmd.fee_cap,
            planned_sessions=cmd.planned_sessions,
            refund_deadline_days=cmd.refund_deadline_days,
            absence_consumes=cmd.absence_consumes,
            closed_days=cmd.closed_days,
            stamp=self.stamp(actor),
        )
        return self.record_new(term, f"term {cmd.code}")

    @execute.register
    def register_teacher(self, cmd: c.RegisterTeacher, actor: Actor) -> int:
        self.load(School, cmd.school_id, "school", actor)
        teacher = Teacher.register(
            school_id=cmd.school_id,
            code=cmd.code,
            kind=cmd.kind,
            rate=cmd.rate,
            stamp=self.stamp(actor, cmd.since),
        )
        return self.record_new(teacher, f"teacher {cmd.code}")

    @execute.register
    def change_rate(self, cmd: c.ChangeRate, actor: Actor) -> int:
        teacher = self.load(Teacher, cmd.teacher_id, "teacher", actor)
        teacher.change_rate(cmd.rate, stamp=self.stamp(actor, cmd.effective))
        return self.record(teacher)

    @execute.register
    def open_course(self, cmd: c.OpenCourse, actor: Actor) -> int:
        term = self.load(Term, cmd.term_id, "term", actor)
        teacher = self.load(Teacher, cmd.teacher_id, "teacher", actor)
        check_same_school(teacher.school_id, term.school_id, "teacher")
        course = Course.open(
            term=term,
            code=cmd.code,
            name=cmd.name,
            category=cmd.category,
            capacity=cmd.capacity,
            teacher_id=teacher.id,
            fee=cmd.fee,
            planned_sessions=cmd.planned_sessions,
            stamp=self.stamp(actor),
        )
        return self.record_new(course, f"course {cmd.code}")

    @execute.register
    def enrol(self, cmd: c.Enrol, actor: Actor) -> int:
        return self._enrol_many([cmd], actor)

    def enrol_many(self, cmds: Sequence[c.Enrol], actor: Actor) -> int:
        """A term's enrolments, saved in one transaction."""
        run = partial(self._enrol_many, cmds, actor)
        return self.logged("EnrolMany", actor, run, enrolments=len(cmds))

    def _enrol_many(self, cmds: Sequence[c.Enrol], actor: Actor) -> int:
        courses: dict[UUID, Course] = {}
        for cmd in cmds:
            course = courses.get(cmd.course_id) or self.load(
                Course, cmd.course_id, "course", actor
            )
            courses[course.id] = course
            course.enrol(
                cmd.student_id, waived=cmd.waived, stamp=self.stamp(actor, cmd.on)
            )
        return self.record(*courses.values())

    @execute.register
    def approve_leave(self, cmd: c.ApproveLeave, actor: Actor) -> int:
        course = self.load(Course, cmd.course_id, "course", actor)
        course.approve_leave(cmd.student_id, cmd.dates, stamp=self.stamp(actor))
        return self.record(course)

    @execute.register
    def withdraw(self, cmd: c.Withdraw, actor: Actor) -> int:
        course = self.load(Course, cmd.course_id, "course", actor)
        course.withdraw(cmd.student_id, stamp=self.stamp(actor, cmd.on))
        return self.record(course)

    @execute.register
    def waive_fee(self, cmd: c.WaiveFee, actor: Actor) -> int:
        course = self.load(Course, cmd.course_id, "course", actor)
        course.waive_fee(cmd.student_id, stamp=self.stamp(actor, cmd.on))
        return self.record(course)

    @execute.register
    def deliver_session(self, cmd: c.DeliverSession, actor: Actor) -> int:
        return self._deliver_sessions([cmd], actor)

    def deliver_sessions(self, cmds: Sequence[c.DeliverSession], actor: Actor) -> int:
        """A day of sessions with their rosters, saved in one transaction."""
        run = partial(self._deliver_sessions, cmds, actor)
        return self.logged("DeliverSessions", actor, run, sessions=len(cmds))

    def _deliver_sessions(self, cmds: Sequence[c.DeliverSession], actor: Actor) -> int:
        courses: dict[UUID, Course] = {}
        teachers: dict[UUID, Teacher] = {}
        for cmd in cmds:
            course = courses.get(cmd.course_id) or self.load(
                Course, cmd.course_id, "course", actor
            )
            courses[course.id] = course
            teacher = teachers.get(cmd.teacher_id) or self.load(
                Teacher, cmd.teacher_id, "teacher", actor
            )
            teachers[teacher.id] = teacher
            check_same_school(teacher.school_id, course.school_id, "teacher")
            course.deliver(
                term_id=cmd.term_id or course.term_id,
                starts=cmd.starts,
                ends=cmd.ends,
                teacher_id=teacher.id,
                teacher_pay=teacher.rate_on(cmd.day),
                present=cmd.present,
                absent=cmd.absent,
                stamp=self.stamp(actor, cmd.day),
            )
        return self.record(*courses.values())

    @execute.register
    def reverse_session(self, cmd: c.ReverseSession, actor: Actor) -> int:
        course = self.load(Course, cmd.course_id, "course", actor)
        course.reverse_delivery(cmd.day, reason=cmd.reason, stamp=self.stamp(actor))
        return self.record(course)

    @execute.register
    def record_payment(self, cmd: c.RecordPayment, actor: Actor) -> int:
        """Books a payment once; a re-delivered notification gets the first result."""
        payment = self.receive(cmd, actor)
        try:
            return self.record(payment)
        except AlreadyExists:
            self.booked_already(payment)
            return self.position_of(payment.id)

    def record_payments(self, cmds: Sequence[c.RecordPayment], actor: Actor) -> int:
        """A batch of payment notifications, saved in one transaction; those
        booked already with the same content are recognised, a conflicting
        one refuses the batch."""
        run = partial(self._record_payments, cmds, actor)
        return self.logged("RecordPayments", actor, run, payments=len(cmds))

    def _record_payments(self, cmds: Sequence[c.RecordPayment], actor: Actor) -> int:
        payments: dict[UUID, Payment] = {}
        for cmd in cmds:
            payment = self.receive(cmd, actor)
            if first := payments.get(payment.id):
                first.check_same(payment)
            payments[payment.id] = first or payment
        try:
            return self.record(*payments.values())
        except AlreadyExists:
            # the failed save took their pending events: receive the new ones again
            new: dict[UUID, Payment] = {}
            for cmd in cmds:
                payment = self.receive(cmd, actor)
                if payment.id not in new and not self.booked_already(payment):
                    new[payment.id] = payment
            return self.record(*new.values())

    def receive(self, cmd: c.RecordPayment, actor: Actor) -> Payment:
        self.load(School, cmd.school_id, "school", actor)
        return Payment.receive(
            school_id=cmd.school_id,
            student_id=cmd.student_id,
            amount=cmd.amount,
            channel=cmd.channel,
            reference=cmd.reference,
            stamp=self.stamp(actor, cmd.received_on),
        )

    def booked_already(self, payment: Payment) -> bool:
        """Whether the payment is booked; refused if booked with other content."""
        try:
            original = self.repository.get(payment.id)
        except AggregateNotFoundError:
            return False
        original.check_same(payment)
        return True

    @execute.register
    def request_refund(self, cmd: c.RequestRefund, actor: Actor) -> int:
        self.load(School, cmd.school_id, "school", actor)
        refund = Refund.request(
            school_id=cmd.school_id,
            student_id=cmd.student_id,
            amount=cmd.amount,
            reason=cmd.reason,
            reference=cmd.reference,
            credit=self.credit_of(cmd.school_id, cmd.student_id),
            stamp=self.stamp(actor),
        )
        return self.record_new(refund, f"refund {cmd.reference}")

    @execute.register
    def approve_refund(self, cmd: c.ApproveRefund, actor: Actor) -> int:
        refund = self.load(Refund, cmd.refund_id, "refund", actor)
        credit = self.credit_of(refund.school_id, refund.student_id) + refund.amount
        refund.approve(credit=credit, stamp=self.stamp(actor))
        return self.record(refund)

    @execute.register
    def pay_refund(self, cmd: c.PayRefund, actor: Actor) -> int:
        refund = self.load(Refund, cmd.refund_id, "refund", actor)
        refund.pay(
            bank_reference=cmd.bank_reference, stamp=self.stamp(actor, cmd.paid_on)
        )
        return self.record(refund)

    @execute.register
    def receive_subsidy(self, cmd: c.ReceiveSubsidy, actor: Actor) -> int:
        self.load(School, cmd.school_id, "school", actor)
        grant = SubsidyGrant.receive(
            school_id=cmd.school_id,
            reference=cmd.reference,
            source=cmd.source,
            amount=cmd.amount,
            stamp=self.stamp(actor, cmd.received_on),
        )
        return self.record_new(grant, f"subsidy {cmd.reference}")

    @execute.register
    def allocate_subsidy(self, cmd: c.AllocateSubsidy, actor: Actor) -> int:
        grant = self.load(SubsidyGrant, cmd.grant_id, "subsidy grant", actor)
        course = self.load(Course, cmd.course_id, "course", actor)
        grant.allocate(
            course_id=course.id,
            course_school_id=course.school_id,
            amount=cmd.amount,
            stamp=self.stamp(actor, cmd.on),
        )
        return self.record(grant)

    @execute.register
    def draft_payroll(self, cmd: c.DraftPayroll, actor: Actor) -> int:
        self.load(School, cmd.school_id, "school", actor)
        stamp = self.stamp(actor)
        items = self.pay_items(cmd.school_id, month_end(month_of(cmd.month)), actor)
        run_id = PayrollRun.id_for(cmd.school_id, cmd.month)
        try:
            run = self.load(PayrollRun, run_id, "payroll", actor)
        except NotFound:
            run = PayrollRun.draft(
                school_id=cmd.school_id, month=cmd.month, items=items, stamp=stamp
            )
        else:
            run.redraft(items, stamp=stamp)
        return self.record(run)

    def pay_items(self, school_id: UUID, through: date, actor: Actor) -> list[PayItem]:
        """Unsettled deliveries at the rate in force on their day; reversed ones
        already paid come back negative."""
        teachers: dict[UUID, Teacher] = {}
        items = []
        for s in self.books.pay_sessions(school_id, through):
            if s.teacher_id not in teachers:
                teachers[s.teacher_id] = self.load(
                    Teacher, s.teacher_id, "teacher", actor
                )
            if s.reversed:
                amount, accrued = -(s.paid_amount or 0), -s.accrued
            else:
                amount, accrued = teachers[s.teacher_id].rate_on(s.day), s.accrued
            items.append(
                PayItem(
                    s.teacher_id,
                    s.delivery_id,
                    s.session_id,
                    s.course_id,
                    s.day,
                    s.starts,
                    s.ends,
                    s.roster,
                    amount,
                    accrued,
                )
            )
        return items

    @execute.register
    def approve_payroll(self, cmd: c.ApprovePayroll, actor: Actor) -> int:
        run = self.load(PayrollRun, cmd.run_id, "payroll", actor)
        teachers = {t: self.load(Teacher, t, "teacher", actor) for t in run.teachers}
        stamp = self.stamp(actor)
        unsettled = self.books.pay_sessions(run.school_id, month_end(run.month))
        run.approve(
            rate_setters={
                teachers[i.teacher_id].rate_in_force(i.day).set_by for i in run.items
            },
            unsettled={s.delivery_id for s in unsettled},
            stamp=stamp,
        )
        for teacher in teachers.values():
            teacher.lock_pay(month_end(run.month), stamp=stamp)
        return self.record(run, *teachers.values())

    @execute.register
    def pay_payroll(self, cmd: c.PayPayroll, actor: Actor) -> int:
        run = self.load(PayrollRun, cmd.run_id, "payroll", actor)
        run.pay(
            bank_references=dict(cmd.bank_references),
            free_cash=self.books.free_cash(run.school_id),
            stamp=self.stamp(actor, cmd.paid_on),
        )
        return self.record(run)

    @execute.register
    def report_surplus(self, cmd: c.ReportSurplus, actor: Actor) -> int:
        term = self.load(Term, cmd.term_id, "term", actor)
        surplus = self.books.term_surplus(term.id)
        term.report_surplus(surplus, stamp=self.stamp(actor))
        return self.record(term)

    @execute.register
    def set_bank_account(self, cmd: c.SetBankAccount, actor: Actor) -> int:
        school = self.load(School, cmd.school_id, "school", actor)
        school.set_bank_account(cmd.account, stamp=self.stamp(actor))
        return self.record(school)

    @execute.register
    def import_statement(self, cmd: c.ImportStatement, actor: Actor) -> int:
        """A statement once per file: the same file again is recognised."""
        school = self.load(School, cmd.school_id, "school", actor)
        statement = read_statement(cmd.format, cmd.content, school.bank_account)
        sha = hashlib.sha256(cmd.content).hexdigest()
        imported = BankStatement.import_(
            school_id=school.id,
            account=school.bank_account,
            statement=statement,
            sha256=sha,
            stamp=self.stamp(actor),
        )
        try:
            return self.record(imported)
        except AlreadyExists:
            return self.position_of(imported.id)

    # --- helpers ---------------------------------------------------------

    def record_new(self, aggregate: Aggregate, label: str) -> int:
        try:
            return self.record(aggregate)
        except AlreadyExists:
            raise AlreadyExists(
                f"{label} exists already", id=str(aggregate.id)
            ) from None

    @property
    def books(self) -> Books:
        if self._books is None:
            raise RuntimeError("refunds and payroll need the books: wire them in")
        return self._books

    def credit_of(self, school_id: UUID, student_id: str) -> int:
        return self.books.credit(school_id, student_id)


def read_statement(form: str, content: bytes, account: str | None) -> Statement:
    if form == "camt053":
        return parse_camt053(content)
    if form == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StatementError("a CSV statement is UTF-8 text") from None
        return parse_statement_csv(text, account=account or "", currency=FUND_CURRENCY)
    raise StatementError(f"a statement is camt053 or csv, not {form!r}")


def check_same_school(theirs: UUID, ours: UUID, label: str) -> None:
    if theirs != ours:
        raise InvalidSetup(f"that {label} belongs to another school")
