"""Property: random term histories keep the fund's money invariants at every
position of the log, and rebuilding the read models gives the same tables.

Histories mix enrolments (some exempt, some over capacity), payments with
re-sent and conflicting references, sessions with random rosters, leave,
corrections, withdrawals, waivers, refunds and subsidies. Commands the rules
refuse must write nothing.
"""

from collections import defaultdict
from datetime import date, time, timedelta

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application import commands as c
from domain.course import Course
from domain.errors import DomainError
from domain.ledger import journal, kind_of
from domain.money import session_share
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from tests.builders import ADMIN, BURSAR, SECOND_BURSAR
from tests.integration.test_projections import dump

STUDENTS = [f"s{n}" for n in range(6)]
START = date(2026, 9, 1)

student = st.sampled_from(STUDENTS)
course = st.integers(0, 1)
day = st.integers(0, 11)
operation = st.one_of(
    st.tuples(st.just("enrol"), course, student, st.booleans()),
    st.tuples(
        st.just("pay"),
        student,
        st.sampled_from([1, 500, 12000, 36000]),
        st.integers(0, 2),
    ),
    st.tuples(st.just("deliver"), course, day, st.sets(student), st.sets(student)),
    st.tuples(st.just("leave"), course, student, day),
    st.tuples(st.just("reverse"), course, day),
    st.tuples(st.just("withdraw"), course, student),
    st.tuples(st.just("waive"), course, student),
    st.tuples(st.just("refund"), student, st.sampled_from([1, 2, 3])),
    st.tuples(st.just("subsidy"), st.sampled_from([1000, 50000])),
    st.tuples(st.just("allocate"), course, st.sampled_from([700, 20000])),
)
policy = st.fixed_dictionaries(
    {
        "fee": st.sampled_from([0, 1000, 36000, 48001]),
        "planned": st.integers(1, 12),
        "absence_consumes": st.booleans(),
    }
)


class Term_:
    def __init__(self, system, clock, policy) -> None:
        self.system, self.clock = system, clock
        self.school = School.id_for("P")
        self.term = Term.id_for(self.school, "T")
        self.teacher = Teacher.id_for(self.school, "t")
        self.courses = [Course.id_for(self.term, f"C{n}") for n in range(2)]
        self.grants = 0
        self.refunds = 0
        fee = policy["fee"]
        self.do(c.RegisterSchool("D", "P", "Property school"), ADMIN)
        self.do(
            c.OpenTerm(
                self.school,
                "T",
                START,
                date(2027, 1, 15),
                fee,
                36000,
                policy["planned"],
                absence_consumes=policy["absence_consumes"],
            ),
            ADMIN,
        )
        self.do(c.RegisterTeacher(self.school, "t", "staff", 5000, START), ADMIN)
        for n, capacity in enumerate((3, 10)):
            self.do(
                c.OpenCourse(
                    self.term, f"C{n}", "Course", "arts", capacity, self.teacher
                ),
                ADMIN,
            )

    def do(self, command, actor, on: date = START) -> None:
        self.clock.set(on, 19)
        head = self.system.funds.head()
        try:
            self.system.bus.handle(command, actor)
        except DomainError:
            assert self.system.funds.head() == head, f"{command} wrote despite refusal"

    def run(self, op) -> None:
        kind, *args = op
        if kind == "enrol":
            n, s, waived = args
            self.do(c.Enrol(self.courses[n], s, START, waived), ADMIN)
        elif kind == "pay":
            s, amount, ref = args
            self.do(
                c.RecordPayment(self.school, s, amount, "wechat", f"{s}-{ref}", START),
                BURSAR,
            )
        elif kind == "deliver":
            n, d, present, absent = args
            on = START + timedelta(days=d)
            self.do(
                c.DeliverSession(
                    self.courses[n],
                    self.term,
                    on,
                    time(15, 30),
                    time(17, 30),
                    self.teacher,
                    tuple(sorted(present)),
                    tuple(sorted(absent - present)),
                ),
                ADMIN,
                on,
            )
        elif kind == "leave":
            n, s, d = args
            leave = (START + timedelta(days=d),)
            self.do(c.ApproveLeave(self.courses[n], s, leave), ADMIN)
        elif kind == "reverse":
            n, d = args
            on = START + timedelta(days=d)
            self.do(
                c.ReverseSession(self.courses[n], on, "recorded in error"), ADMIN, on
            )
        elif kind == "withdraw":
            self.do(c.Withdraw(self.courses[args[0]], args[1], START), ADMIN)
        elif kind == "waive":
            self.do(c.WaiveFee(self.courses[args[0]], args[1], START), ADMIN)
        elif kind == "refund":
            self.refund(*args)
        elif kind == "subsidy":
            self.grants += 1
            self.do(
                c.ReceiveSubsidy(
                    self.school, f"G{self.grants}", "bureau", args[0], START
                ),
                BURSAR,
            )
        elif kind == "allocate":
            grant = SubsidyGrant.id_for(self.school, f"G{self.grants}")
            self.do(
                c.AllocateSubsidy(grant, self.courses[args[0]], args[1], START), BURSAR
            )

    def refund(self, s: str, divisor: int) -> None:
        credit = self.system.funds.credit_of(self.school, s)
        self.refunds += 1
        reference = f"R{self.refunds}"
        self.do(
            c.RequestRefund(self.school, s, credit // divisor, "left", reference),
            BURSAR,
        )
        refund_id = Refund.id_for(self.school, reference)
        self.do(c.ApproveRefund(refund_id), SECOND_BURSAR)
        self.do(c.PayRefund(refund_id, f"B{self.refunds}", START), BURSAR)


def check_every_position(funds) -> dict[str, int]:
    """Replays the log, checking the invariants after every event."""
    balances: dict[str, int] = defaultdict(int)  # debit minus credit
    released: dict[str, int] = defaultdict(int)  # fees released per course
    courses: dict = {}
    delivered: dict = {}
    for notification in funds.recorder.select_notifications(start=1, limit=100_000):
        event = funds.mapper.to_domain_event(notification)
        if isinstance(event, Course.Opened):
            courses[event.originator_id] = (event.fee, event.planned_sessions)
        elif isinstance(event, Course.SessionDelivered):
            fee, planned = courses[event.originator_id]
            roster = len(event.present) + len(event.absent)
            share = session_share(fee, planned, event.number)
            delivered[(event.originator_id, event.effective)] = share * roster
        elif isinstance(event, Course.DeliveryReversed):
            del delivered[(event.originator_id, event.effective)]
        entry = journal(event)
        if entry is None:
            continue
        assert sum(x.debit for x in entry.lines) == sum(x.credit for x in entry.lines)
        for line in entry.lines:
            balances[line.account] += line.debit - line.credit
            if line.flow == "consumption" and line.account.startswith("released:"):
                released[line.account] += line.credit - line.debit
        assert sum(balances.values()) == 0
        check_balances(balances, released, courses, delivered)
    return balances


def check_balances(balances, released, courses, delivered) -> None:
    def credit(account: str) -> int:
        return -balances.get(account, 0)

    bank = balances.get("bank:supervised", 0)
    held = sum(
        max(0, credit(f"unearned:{s}") + credit(f"receivable:{s}")) for s in STUDENTS
    )
    refunds_due = sum(credit(f"payable:refund:{s}") for s in STUDENTS)
    assert bank >= held + refunds_due, "the fund no longer covers what it owes families"
    assert bank >= 0
    for account, net in balances.items():
        if kind_of(account) in (
            "unearned",
            "subsidy",
            "payable:teacher",
            "payable:refund",
        ):
            assert -net >= 0, f"{account} went negative"
    for course_id in courses:
        bound = sum(v for (cid, _), v in delivered.items() if cid == course_id)
        assert released[f"released:{course_id}"] <= bound


def reset(system) -> None:
    """An empty log and empty read models, for the next generated history."""
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute("TRUNCATE funds_events")
    system.projector.reset()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(policy=policy, history=st.lists(operation, min_size=5, max_size=30))
def test_random_histories_keep_the_money_invariants(system, clock, policy, history):
    reset(system)
    term = Term_(system, clock, policy)
    for op in history:
        term.run(op)
    balances = check_every_position(system.funds)

    system.projector.catch_up()
    ledger = {
        a.account: a.debit - a.credit
        for a in system.queries.trial_balance([term.school]).accounts
        if a.debit - a.credit
    }
    assert ledger == {k: v for k, v in balances.items() if v}
    projected = dump(system)
    system.projector.rebuild()
    assert dump(system) == projected
