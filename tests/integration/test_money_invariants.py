"""Property: a school's term, driven step by step with inputs drawn from what
the term holds (rosters from enrolled students, reversals from delivered
days, refunds where there is credit, payroll months, payments of several
courses, re-allocations, and pairs of decisions sent at once through two
applications), keeps the fund's money invariants after every step:

- every journal entry balances, and so does the whole ledger;
- the fund covers what families are owed, on the write side's books and in
  the read models alike, and both say the same figures;
- no course releases more than the shares of the sessions it delivered, and
  what a course released is exactly what its families' shares released;
- each consumed share is in exactly one of awaiting confirmation, disputed
  or released (or was credited back), and the ledger says what the register
  says; a disputed share is held like any other money of the family;
- silence confirms a session only after the term's working days, counted
  here on the `holidays` package's PRC calendar itself (terms run over
  National Day and over the Spring Festival, with their weekend working days);
- a payment's allocation adds up to the payment;
- and, at the end of each history, rebuilding the read models from the log
  gives the same tables.

Each step says what became of it (``hypothesis.event``) and the counts must
reach floors, so the test cannot quietly stop exercising what it guards.
"""

import itertools
import threading
from collections import Counter
from datetime import date, time, timedelta

import holidays
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from application import commands as c
from domain.allocation import Allocation
from domain.course import Course, numbers
from domain.dispute import Dispute
from domain.errors import DomainError
from domain.facts import Actor
from domain.figures import (
    AWAITING,
    CONSUMED,
    CREDITED_BACK,
    DISPUTED,
    FEES_RELEASED,
    PAID,
    REFUNDED,
    RELEASED,
)
from domain.ledger import Holder, journal
from domain.money import session_share
from domain.payment import Payment
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from projections import funds as f
from tests.builders import ADMIN, BURSAR, SECOND_BURSAR
from tests.conftest import make_system, reset
from tests.integration.test_projections import dump

STUDENTS = [f"s{n}" for n in range(6)]
TERMS = {  # start: end; each runs over a week of holidays
    date(2026, 9, 1): date(2027, 1, 15),  # National Day
    date(2026, 2, 2): date(2026, 7, 10),  # the Spring Festival
}
LAST_SESSION = 45  # days after the start
SILENCE_DAYS = 7
RELEASES = ["on-confirmation"] * 3 + ["on-delivery"]
PRC = holidays.China(years=range(2026, 2028))
SCHEDULER = Actor("scheduler", "system")
REG = Actor("regulator", "regulator", None, "D")
DISPUTE_STEPS = ["accept", "reject", "escalate", "decide"]
DISPUTE_PATHS = [("accept",), ("reject", "escalate", "decide"), ("reject",), ()]
"""What becomes of a history's new disputes at once, in turn, so every path
is taken (and the rule settle_a_dispute takes any a step further later)."""
CAPACITIES = (3, 10, 10)
OUTCOMES: Counter[str] = Counter()
HISTORIES: Counter[str] = Counter()

policy = st.fixed_dictionaries(
    {
        "fee": st.sampled_from([1000, 36000, 48001]),
        "planned": st.integers(1, 12),
        "absence_consumes": st.booleans(),
        "start": st.sampled_from(sorted(TERMS)),
        "release": st.sampled_from(RELEASES),
    }
)


def worth(course: Course, mask: int) -> int:
    """The shares of the sessions a seat's mask names."""
    return sum(course.share(n) for n in numbers(mask))


def outcome(step: str, happened: str) -> None:
    OUTCOMES[f"{step} {happened}"] += 1
    event(f"{step} {happened}")


class Term_(RuleBasedStateMachine):
    system = rival = clock = None  # set by the test below

    @initialize(
        policy=policy,
        first=st.lists(st.sampled_from(STUDENTS), min_size=2, max_size=3, unique=True),
        path=st.integers(0, len(DISPUTE_PATHS) - 1),
    )
    def set_up(self, policy, first, path) -> None:
        """The term, and its first students in every course."""
        reset(self.system)
        self.rival.bus.bookkeeper.books.clear()
        self.school = School.id_for("P")
        self.term = Term.id_for(self.school, "T")
        self.teacher = Teacher.id_for(self.school, "t")
        self.courses = [Course.id_for(self.term, f"C{n}") for n in range(3)]
        self.fee, self.planned = policy["fee"], policy["planned"]
        self.absence_consumes = policy["absence_consumes"]
        self.start = start = policy["start"]
        self.today = start
        self.disputes: list = []
        self.paths = itertools.cycle(DISPUTE_PATHS[path:] + DISPUTE_PATHS[:path])
        self.recorded: dict = {}  # each delivery's day it was recorded
        self.silences_seen = 0
        self.enrolled = {course: set() for course in self.courses}
        self.left: set[tuple] = set()
        self.delivered = {course: {} for course in self.courses}
        self.payments: list = []
        self.refunds = {"requested": [], "approved": []}
        self.runs = {"drafted": set(), "approved": set()}
        self.grants = self.references = 0
        self.taught = False
        self.seen = 0
        self.happened: Counter[str] = Counter()
        setup = [
            c.RegisterSchool("D", "P", "Property school"),
            c.OpenTerm(
                self.school,
                "T",
                start,
                TERMS[start],
                self.fee,
                48001,
                self.planned,
                absence_consumes=self.absence_consumes,
                release=policy["release"],
                silence_days=SILENCE_DAYS,
            ),
            c.RegisterTeacher(self.school, "t", "staff", 500, start),
        ]
        setup += [
            c.OpenCourse(self.term, f"C{n}", "Course", "arts", cap, self.teacher)
            for n, cap in enumerate(CAPACITIES)
        ]
        self.do(c.SetUp(tuple(setup)), ADMIN)
        for course in self.courses:
            for student in first:
                self.enrol_one(course, student, waived=False)

    # --- doing and counting ------------------------------------------------

    def do(self, command, actor, *, on: date | None = None, bus=None) -> bool:
        """Runs a command; a refused one must write nothing."""
        self.clock.set(on or self.today, 19)
        head = self.system.funds.head()
        try:
            (bus or self.system.bus).handle(command, actor)
        except DomainError as error:
            assert self.system.funds.head() == head, f"{command} wrote when refused"
            self.refusal = error.code
            return False
        return True

    def tried(self, step: str, done: bool) -> bool:
        happened = "recorded" if done else f"refused ({self.refusal})"
        outcome(step, happened)
        self.happened[f"{step} {'recorded' if done else 'refused'}"] += 1
        return done

    def books(self):
        with self.system.bus.bookkeeper.open(self.school) as books:
            return books

    def reference(self) -> str:
        self.references += 1
        return f"R{self.references}"

    # --- the register ------------------------------------------------------

    @rule(
        course=st.integers(0, 2),
        student=st.sampled_from(STUDENTS),
        waived=st.booleans(),
    )
    def enrol(self, course, student, waived):
        self.enrol_one(self.courses[course], student, waived)

    def enrol_one(self, course, student, waived: bool) -> None:
        on = self.start
        done = self.do(c.Enrol(course, student, on, waived), ADMIN, on=on)
        if self.tried("enrolment", done):
            self.enrolled[course].add(student)
            self.left.discard((course, student))

    @rule(
        data=st.data(),
        day=st.integers(0, LAST_SESSION),
        correct=st.sampled_from([True, True, False]),
        family=st.sampled_from(["silent", "confirms", "disputes", "disputes"]),
        later=st.integers(0, 15),
    )
    def deliver_a_day(self, data, day, correct, family, later):
        """The day's sessions of some courses, with rosters drawn from their
        enrolled students, recorded together on the day or later; one of them
        reversed at once, sometimes, as recorded in error; one family of the
        others confirms its share, or disputes it, or stays silent; and days
        pass."""
        day = self.start + timedelta(day)
        courses = [c_ for c_ in self.courses if day not in self.delivered[c_]]
        if not courses:
            return
        courses = data.draw(st.lists(st.sampled_from(courses), min_size=1, unique=True))
        sessions = tuple(self.session(data, course, day) for course in courses)
        self.today = max(self.today, day)
        if self.tried("day of sessions", self.do(c.DeliverSessions(sessions), ADMIN)):
            self.taught |= any(s.present for s in sessions)
            for course in courses:
                outcome("delivery", "recorded")
                self.delivered[course][day] = True
            if correct:
                self.reverse_session(courses[0], day)
            consumers = [
                (course, student)
                for course in courses[correct:]
                for student in self.consumers(course, day)
            ]
            if family != "silent" and consumers:
                course, student = data.draw(st.sampled_from(consumers))
                self.act_as_family(data, family, course, day, student)
        self.advance(later)

    def consumers(self, course, day: date) -> list[str]:
        register = self.system.funds.get(course)
        bit = 1 << register.deliveries[day].number
        return [s for s, seat in sorted(register.seats.items()) if seat.consumed & bit]

    def session(self, data, course, day: date) -> c.DeliverSession:
        roster = sorted(self.enrolled[course])
        present = data.draw(
            st.sets(st.sampled_from(roster), min_size=1) if roster else st.just(set())
        )
        rest = sorted(set(roster) - present)
        absent = data.draw(st.sets(st.sampled_from(rest)) if rest else st.just(set()))
        return c.DeliverSession(
            course,
            self.term,
            day,
            time(15, 30),
            time(17, 30),
            self.teacher,
            tuple(sorted(present)),
            tuple(sorted(absent)),
        )

    @precondition(lambda self: any(self.delivered.values()))
    @rule(data=st.data())
    def reverse(self, data):
        course = data.draw(
            st.sampled_from([c_ for c_ in self.courses if self.delivered[c_]])
        )
        self.reverse_session(
            course, data.draw(st.sampled_from(sorted(self.delivered[course])))
        )

    def reverse_session(self, course, day: date) -> None:
        reversal = c.ReverseSession(course, day, "recorded in error")
        if self.tried("reversal", self.do(reversal, ADMIN)):
            del self.delivered[course][day]

    @precondition(lambda self: any(self.enrolled.values()))
    @rule(data=st.data(), days_ahead=st.integers(0, 10))
    def leave(self, data, days_ahead):
        course, student = self.draw_enrolment(data)
        day = self.today + timedelta(days_ahead)
        self.tried("leave", self.do(c.ApproveLeave(course, student, (day,)), ADMIN))

    @precondition(lambda self: any(self.enrolled.values()))
    @rule(data=st.data(), waive=st.booleans())
    def leave_the_course(self, data, waive):
        course, student = self.draw_enrolment(data)
        if waive:
            self.tried(
                "waiver", self.do(c.WaiveFee(course, student, self.today), ADMIN)
            )
        elif self.tried(
            "withdrawal", self.do(c.Withdraw(course, student, self.today), ADMIN)
        ):
            self.enrolled[course].discard(student)
            self.left.add((course, student))

    def draw_enrolment(self, data) -> tuple:
        pairs = sorted((c_, s) for c_, ss in self.enrolled.items() for s in ss)
        return data.draw(st.sampled_from(pairs), label="enrolment")

    @rule(days=st.integers(1, 12))
    def advance(self, days):
        """Time passes, and the night's run settles what time settles."""
        last = self.start + timedelta(LAST_SESSION + 60)
        self.today = min(self.today + timedelta(days), last)
        self.nightly_settlement()

    # --- money in --------------------------------------------------------------

    @rule(
        data=st.data(),
        student=st.sampled_from(STUDENTS),
        amount=st.sampled_from([1, 500, 12000, 36000, 48001]),
        named=st.booleans(),
        again=st.sampled_from([False, False, False, True]),
    )
    def pay(self, data, student, amount, named, again):
        courses = [c_ for c_ in self.courses if student in self.enrolled[c_]]
        lines = None
        if named and courses:
            chosen = data.draw(
                st.lists(st.sampled_from(courses), min_size=1, unique=True)
            )
            parts = [amount // len(chosen)] * len(chosen)
            parts[0] += amount - sum(parts)
            lines = tuple(
                Allocation(c_, p) for c_, p in zip(chosen, parts, strict=True) if p
            )
        reference = (
            self.payments[-1][1] if again and self.payments else self.reference()
        )
        payment = c.RecordPayment(
            self.school, student, amount, "wechat", reference, self.today, lines
        )
        if self.tried("payment", self.do(payment, BURSAR)) and not again:
            self.payments.append((student, reference, amount))

    def enrolled_payers(self) -> list[tuple]:
        return [p for p in self.payments if self.courses_of(p[0])]

    def courses_of(self, student: str) -> list:
        return sorted(c_ for c_ in self.courses if student in self.enrolled[c_])

    @precondition(lambda self: self.enrolled_payers())
    @rule(data=st.data())
    def reallocate(self, data):
        student, reference, amount = data.draw(st.sampled_from(self.enrolled_payers()))
        courses = data.draw(
            st.lists(st.sampled_from(self.courses_of(student)), min_size=1, unique=True)
        )
        parts = [amount // len(courses)] * len(courses)
        parts[0] += amount - sum(parts)
        lines = tuple(
            Allocation(c_, p) for c_, p in zip(courses, parts, strict=True) if p
        )
        payment = Payment.id_for(self.school, "wechat", reference)
        moved = c.ReallocatePayment(payment, lines, "misread")
        self.tried("re-allocation", self.do(moved, BURSAR))

    @rule(
        amount=st.sampled_from([1000, 50000, 300000]),
        allocate=st.sampled_from([700, 20000]),
    )
    def subsidy(self, amount, allocate):
        self.grants += 1
        reference = f"G{self.grants}"
        self.do(
            c.ReceiveSubsidy(self.school, reference, "bureau", amount, self.today),
            BURSAR,
        )
        grant = SubsidyGrant.id_for(self.school, reference)
        self.do(c.AllocateSubsidy(grant, self.courses[0], allocate, self.today), BURSAR)

    # --- money out: refunds and pay ------------------------------------------

    def in_credit(self) -> list[str]:
        books = self.books()
        return [s for s in STUDENTS if books.family(s).credit > 0]

    @rule(
        data=st.data(),
        share=st.sampled_from([1, 2, 3]),
        named=st.booleans(),
        then=st.sampled_from(["wait", "approve", "pay"]),
    )
    def request_refund(self, data, share, named, then):
        """Asked for by one bursar; approved by another, and paid, at once or
        later."""
        if not (students := self.in_credit()):
            return
        student = data.draw(st.sampled_from(students), label="student")
        family = self.books().family(student)
        course = None
        if named and (seats := [s.course_id for s in family.seats if s.credit]):
            course = data.draw(st.sampled_from(seats))
        credit = family.refundable(course) if course else family.credit
        reference = self.reference()
        ask = c.RequestRefund(
            self.school, student, max(credit // share, 1), "left", reference, course
        )
        if self.tried("refund request", self.do(ask, BURSAR)):
            refund = Refund.id_for(self.school, reference)
            self.refunds["requested"].append(refund)
            if then != "wait":
                self.approve_refund(refund, pay=then == "pay")

    @precondition(lambda self: self.refunds["requested"])
    @rule(data=st.data(), decision=st.sampled_from(["cancel", "approve", "pay"]))
    def decide_refund(self, data, decision):
        refund = data.draw(st.sampled_from(self.refunds["requested"]))
        if decision != "cancel":
            self.approve_refund(refund, pay=decision == "pay")
        elif self.tried(
            "refund cancellation", self.do(c.CancelRefund(refund), SECOND_BURSAR)
        ):
            self.refunds["requested"].remove(refund)

    def approve_refund(self, refund, *, pay: bool) -> None:
        approval = self.do(c.ApproveRefund(refund), SECOND_BURSAR)
        if self.tried("refund approval", approval):
            self.refunds["requested"].remove(refund)
            self.refunds["approved"].append(refund)
            if pay:
                self.pay_refund(refund)

    @precondition(lambda self: self.refunds["approved"])
    @rule(data=st.data())
    def pay_an_approved_refund(self, data):
        self.pay_refund(data.draw(st.sampled_from(self.refunds["approved"])))

    def pay_refund(self, refund) -> None:
        paid = c.PayRefund(refund, f"B-{refund.hex[:8]}", self.today)
        if self.tried("refund payment", self.do(paid, BURSAR)):
            self.refunds["approved"].remove(refund)

    def months(self) -> list[date]:
        first = self.start.replace(day=1)
        months = [date(first.year, first.month + n, 1) for n in range(4)]
        return [m for m in months if m <= self.today]

    # --- families confirm and dispute; time settles ------------------------------

    def act_as_family(self, data, act: str, course, day: date, student) -> None:
        """Confirms the share (or every one up to it), or disputes it and
        takes the dispute a step further at once, sometimes."""
        if act == "confirms":
            earlier_too = data.draw(st.booleans())
            confirmed = c.ConfirmShares(course, student, day, earlier_too)
            self.tried("confirmation", self.do(confirmed, ADMIN))
            return
        grounds = data.draw(st.sampled_from(["absent", "not-held", "other"]))
        opened = c.OpenDispute(course, student, day, grounds)
        if self.tried("dispute", self.do(opened, ADMIN)):
            dispute = Dispute.id_for(Course.session_id_for(course, day), student)
            self.disputes.append(dispute)
            for step in next(self.paths):
                self.dispute_step(data, dispute, step)

    @precondition(lambda self: self.disputes)
    @rule(data=st.data(), step=st.sampled_from(DISPUTE_STEPS))
    def settle_a_dispute(self, data, step):
        dispute = data.draw(st.sampled_from(self.disputes), label="dispute")
        self.dispute_step(data, dispute, step)

    def dispute_step(self, data, dispute, step: str) -> None:
        command, actor = {
            "accept": (c.AnswerDispute(dispute, True), BURSAR),
            "reject": (c.AnswerDispute(dispute, False, "the register"), BURSAR),
            "escalate": (c.EscalateDispute(dispute), ADMIN),
            "decide": (
                c.DecideDispute(dispute, data.draw(st.booleans()), "seen"),
                REG,
            ),
        }[step]
        self.tried(f"dispute {step}", self.do(command, actor))

    def nightly_settlement(self):
        """What the scheduler runs each night, on the day it is now."""
        head = self.system.funds.head()
        settle = c.SettleByTime(tuple(self.courses), tuple(self.disputes))
        self.do(settle, SCHEDULER)
        moved = self.system.funds.head() > head
        self.tried("settlement", moved) if moved else outcome("settlement", "idle")

    @precondition(lambda self: self.taught)
    @rule(data=st.data(), pay=st.booleans())
    def payroll(self, data, pay):
        """A month drafted and approved, and paid at once or left for later."""
        if not (months := self.months()):
            return
        month = data.draw(st.sampled_from(months), label="month")
        run = PayrollRun.id_for(self.school, month)
        if self.tried(
            "payroll draft", self.do(c.DraftPayroll(self.school, month), BURSAR)
        ):
            self.runs["drafted"].add(run)
        if self.tried(
            "payroll approval", self.do(c.ApprovePayroll(run), SECOND_BURSAR)
        ):
            self.runs["approved"].add(run)
            if pay and self.tried("payroll payment", self.pay_run(run)):
                self.runs["approved"].discard(run)

    @precondition(lambda self: self.runs["approved"])
    @rule(data=st.data())
    def pay_payroll(self, data):
        run = data.draw(st.sampled_from(sorted(self.runs["approved"])))
        if self.tried("payroll payment", self.pay_run(run)):
            self.runs["approved"].discard(run)

    def pay_run(self, run, bus=None) -> bool:
        teachers = self.system.funds.get(run).totals()
        refs = tuple((t, f"PAY-{run.hex[:6]}") for t in teachers)
        return self.do(c.PayPayroll(run, refs, self.today), BURSAR, bus=bus)

    # --- two decisions at once, through two applications ------------------------

    def at_once(self, *sends) -> list[bool]:
        start, done = threading.Barrier(len(sends)), [False] * len(sends)

        def send(n: int, command, actor, bus) -> None:
            start.wait()
            try:
                bus.handle(command, actor)
                done[n] = True
            except DomainError:
                pass

        self.clock.set(self.today, 19)
        threads = [
            threading.Thread(target=send, args=(n, *s)) for n, s in enumerate(sends)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return done

    @rule(data=st.data())
    def two_refund_requests_for_the_whole_credit_at_once(self, data):
        if not (students := self.in_credit()):
            return
        student = data.draw(st.sampled_from(students), label="student")
        credit = self.books().family(student).credit
        asks = [
            c.RequestRefund(self.school, student, credit, "left", self.reference())
            for _ in range(2)
        ]
        done = self.at_once(
            (asks[0], BURSAR, self.system.bus), (asks[1], BURSAR, self.rival.bus)
        )
        assert sum(done) == 1, "both refunds of the whole credit were accepted"
        self.tried("refund race", True)
        for ask, ok in zip(asks, done, strict=True):
            if ok:
                self.refunds["requested"].append(
                    Refund.id_for(self.school, ask.reference)
                )

    @precondition(lambda self: len(self.runs["approved"]) >= 2)
    @rule()
    def two_payrolls_paid_at_once(self):
        first, second = sorted(self.runs["approved"])[:2]
        totals = [
            sum(self.system.funds.get(r).totals().values()) for r in (first, second)
        ]
        free = self.books().free_cash
        done = self.at_once(
            (self.payment_of(first), BURSAR, self.system.bus),
            (self.payment_of(second), BURSAR, self.rival.bus),
        )
        if sum(totals) > free:
            assert not all(done), "two payrolls together spent more than free cash"
        self.tried("payroll race", any(done))
        for run, ok in zip((first, second), done, strict=True):
            if ok:
                self.runs["approved"].discard(run)

    def payment_of(self, run) -> c.PayPayroll:
        teachers = self.system.funds.get(run).totals()
        return c.PayPayroll(
            run, tuple((t, f"PAY-{run.hex[:6]}") for t in teachers), self.today
        )

    # --- after every step ---------------------------------------------------------

    @invariant()
    def every_entry_balances_and_so_does_the_ledger(self):
        funds = self.system.funds
        for n in funds.recorder.select_notifications(start=self.seen + 1, limit=10_000):
            journal(funds.mapper.to_domain_event(n))  # raises if unbalanced
            self.seen = n.id
        trial = self.system.queries.trial_balance([self.school])
        assert trial.total_debit == trial.total_credit

    @invariant()
    def the_fund_covers_families_on_both_sides_and_they_agree(self):
        books = self.books()
        assert books.bank >= books.held, "the write side's books are uncovered"
        self.system.projector.catch_up()
        fund = f.fund(self.system.queries, self.school)
        assert fund.position == books.position == self.system.funds.head()
        assert (fund.figures.bank, fund.figures.held) == (books.bank, books.held)
        assert fund.figures.covered

    @invariant()
    def no_course_releases_more_than_its_delivered_shares(self):
        events = [
            self.system.funds.mapper.to_domain_event(n)
            for n in self.system.funds.recorder.select_notifications(
                start=1, limit=100_000
            )
        ]
        bound: Counter = Counter()
        for e in events:
            if isinstance(e, Course.SessionDelivered):
                roster = len(e.present) + len(e.absent) * self.absence_consumes
                share = session_share(self.fee, self.planned, e.number)
                bound[(e.originator_id, e.effective)] = share * roster
            elif isinstance(e, Course.DeliveryReversed):
                del bound[(e.originator_id, e.effective)]
        figures = self.books().holders
        for course in self.courses:
            flows = figures.get(Holder(None, course), {})
            delivered = sum(v for (c_, _), v in bound.items() if c_ == course)
            released = FEES_RELEASED.of(flows)
            assert released <= delivered
            families = RELEASED.over(
                f for h, f in figures.items() if h.course == course and h.student
            )
            assert released == families, "a course released other than its shares"

    @invariant()
    def each_share_is_in_one_state_and_the_ledger_agrees(self):
        figures = self.books().holders
        for course in self.courses:
            register = self.system.funds.get(course)
            for student, seat in register.seats.items():
                assert seat.awaiting & seat.disputed == 0
                assert (seat.awaiting | seat.disputed) & ~seat.consumed == 0
                assert seat.consumed & seat.cancelled == 0
                assert seat.credited & ~seat.cancelled == 0

                flows = figures.get(Holder(student, course), {})
                assert AWAITING.of(flows) == worth(register, seat.awaiting)
                assert DISPUTED.of(flows) == worth(register, seat.disputed)
                assert CREDITED_BACK.of(flows) == worth(register, seat.credited)
                released = seat.consumed & ~seat.awaiting & ~seat.disputed
                assert RELEASED.of(flows) == worth(register, released)
                if seat.awaiting | seat.disputed:
                    outcome("share state", "awaiting or held")

    @invariant()
    def silence_waits_for_the_calendars_working_days(self):
        """Each silence is checked once, when it is new."""
        funds = self.system.funds
        start = self.silences_seen + 1
        for n in funds.recorder.select_notifications(start=start, limit=10_000):
            e = funds.mapper.to_domain_event(n)
            self.silences_seen = n.id
            if isinstance(e, Course.SessionDelivered):
                on = e.effective + timedelta(days=e.delay_days)
                self.recorded[(e.originator_id, e.effective)] = max(on, e.effective)
            elif isinstance(e, Course.SilenceElapsed):
                for day in e.days:
                    self.check_silence(self.recorded[(e.originator_id, day)], e)

    def check_silence(self, since: date, silence: Course.SilenceElapsed) -> None:
        waited = [
            since + timedelta(n) for n in range(1, (silence.effective - since).days)
        ]
        assert sum(map(PRC.is_working_day, waited)) >= SILENCE_DAYS
        outcome("silence", "checked")
        if any(not PRC.is_working_day(d) for d in waited if d.weekday() < 5):
            outcome("silence", "over a public holiday")

    @invariant()
    def no_family_gets_back_more_than_it_paid_and_did_not_consume(self):
        """Enrolment by enrolment, and of the money it did not allocate."""
        books = self.books()
        for holder, flows in books.holders.items():
            if holder.student is not None:
                paid, consumed = PAID.of(flows), CONSUMED.of(flows)
                assert REFUNDED.of(flows) <= max(paid - consumed, 0), holder
        for student in STUDENTS:
            assert books.family(student).unallocated >= 0

    @invariant()
    def every_payment_is_allocated_to_the_last_fen(self):
        for _, reference, _ in self.payments:
            payment = self.system.funds.get(
                Payment.id_for(self.school, "wechat", reference)
            )
            assert sum(a.amount for a in payment.allocations) == payment.amount

    def teardown(self):
        if not hasattr(self, "school"):
            return
        for step in (
            "day of sessions",
            "reversal",
            "refund payment",
            "payroll payment",
        ):
            if self.happened[f"{step} recorded"]:
                HISTORIES[f"with a {step}"] += 1
        HISTORIES["histories"] += 1
        self.system.projector.catch_up()
        projected = dump(self.system)
        self.system.projector.rebuild()
        assert dump(self.system) == projected, "a rebuild differs from the tables"


def test_terms_keep_the_money_invariants_at_every_step(database, clock, capsys):
    system, rival = make_system(database, clock), make_system(database, clock)
    Term_.system, Term_.rival, Term_.clock = system, rival, clock
    OUTCOMES.clear()
    HISTORIES.clear()
    try:
        run_state_machine_as_test(
            Term_,
            settings=settings(
                max_examples=100,
                stateful_step_count=60,
                # the same histories every run: the floors below hold for them
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        system.close()
        rival.close()
    with capsys.disabled():
        print("\nmoney invariants, steps:", dict(sorted(OUTCOMES.items())))
        print("money invariants, histories:", dict(HISTORIES))
    assert OUTCOMES["day of sessions recorded"] >= sum(
        n for k, n in OUTCOMES.items() if k.startswith("day of sessions refused")
    )
    assert OUTCOMES["delivery recorded"] >= 300
    histories = HISTORIES["histories"]
    teaching = HISTORIES["with a day of sessions"]
    assert teaching >= histories / 5
    assert HISTORIES["with a reversal"] >= teaching / 2
    assert HISTORIES["with a refund payment"] >= teaching / 3
    assert OUTCOMES["payroll payment recorded"] >= 5
    assert OUTCOMES["refund race recorded"] >= 20
    assert OUTCOMES["re-allocation recorded"] >= 3
    assert OUTCOMES["confirmation recorded"] >= 20
    assert OUTCOMES["dispute recorded"] >= 20
    for step in ("accept", "reject", "escalate", "decide"):
        assert OUTCOMES[f"dispute {step} recorded"] >= 5, step
    assert OUTCOMES["settlement recorded"] >= 20
    assert OUTCOMES["silence checked"] >= 50
    assert OUTCOMES["silence over a public holiday"] >= 15
    assert OUTCOMES["share state awaiting or held"] >= 300
