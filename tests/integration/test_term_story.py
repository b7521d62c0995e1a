"""A whole term story on PostgreSQL, read back through the read models."""

from datetime import date, time

import pytest

from application import commands as c
from domain.course import Course
from domain.errors import InsufficientCredit, SameApprover
from domain.facts import Actor
from domain.ledger import awaiting, released, teacher_payable, unearned
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from projections import funds as f
from tests.builders import ADMIN, BURSAR, SECOND_BURSAR

SEP = {n: date(2026, 9, n) for n in range(1, 31)}
SCHEDULER = Actor("scheduler", "system")


class Story:
    """School S1: fee ¥300 over 10 sessions (¥30 a session), teacher ¥50;
    shares await the families' confirmation, as terms do unless they say."""

    def __init__(self, system, clock) -> None:
        self.system, self.clock = system, clock
        self.school = School.id_for("S1")
        self.term = Term.id_for(self.school, "T")
        self.teacher = Teacher.id_for(self.school, "li")
        self.course = Course.id_for(self.term, "C1")

    def do(self, command, actor=ADMIN, on: date = SEP[1]) -> int:
        self.clock.set(on, 19)
        return self.system.bus.handle(command, actor)

    def set_up(self) -> None:
        self.do(c.RegisterSchool("D1", "S1", "School One"))
        self.do(
            c.OpenTerm(self.school, "T", SEP[1], date(2027, 1, 15), 30000, 36000, 10)
        )
        self.do(c.RegisterTeacher(self.school, "li", "staff", 5000, SEP[1]))
        self.do(c.OpenCourse(self.term, "C1", "Chess", "science", 30, self.teacher))
        enrolments = (
            c.Enrol(self.course, "a", SEP[1]),
            c.Enrol(self.course, "b", SEP[1]),
            c.Enrol(self.course, "c", SEP[1], waived=True),
        )
        self.system.bus.handle(c.EnrolMany(enrolments), ADMIN)

    def deliver(self, on: date, *present: str) -> int:
        session = c.DeliverSession(
            self.course,
            self.term,
            on,
            time(15, 30),
            time(17, 30),
            self.teacher,
            present,
        )
        return self.do(session, on=on)

    def guardian(self, student: str) -> Actor:
        schools, students = frozenset({self.school}), frozenset({student})
        return Actor(f"guardian-{student}", "guardian", schools, None, students)

    def confirm(self, student: str, day: date, on: date, earlier_too=False) -> int:
        confirmed = c.ConfirmShares(self.course, student, day, earlier_too)
        return self.do(confirmed, self.guardian(student), on)

    def nightly(self, on: date) -> int:
        """Silence confirms every share whose family's window closed before ``on``."""
        return self.do(c.SettleByTime((self.course,)), SCHEDULER, on)

    def play(self) -> None:
        self.set_up()
        self.do(
            c.RecordPayment(self.school, "a", 30000, "wechat", "W1", SEP[1]), BURSAR
        )
        self.do(c.RecordPayment(self.school, "b", 10000, "bank", "B1", SEP[2]), BURSAR)
        self.do(c.ApproveLeave(self.course, "b", (SEP[3],)))
        self.deliver(SEP[1], "a", "b", "c")
        self.deliver(SEP[2], "a", "c")
        self.deliver(SEP[3], "a", "c")
        self.do(c.Withdraw(self.course, "b", SEP[4]), on=SEP[4])
        self.do(
            c.ReceiveSubsidy(self.school, "G1", "bureau", 100000, SEP[4]),
            BURSAR,
            SEP[4],
        )
        grant = SubsidyGrant.id_for(self.school, "G1")
        self.do(c.AllocateSubsidy(grant, self.course, 20000, SEP[4]), BURSAR, SEP[4])

    def refund_b(self) -> int:
        refund = c.RequestRefund(self.school, "b", 7000, "withdrew", "RF-b")
        self.do(refund, BURSAR, SEP[5])
        refund_id = Refund.id_for(self.school, "RF-b")
        self.do(c.ApproveRefund(refund_id), SECOND_BURSAR, SEP[6])
        return self.do(c.PayRefund(refund_id, "BANK-77", SEP[7]), BURSAR, SEP[7])


@pytest.fixture
def story(system, clock) -> Story:
    story = Story(system, clock)
    story.play()
    return story


def test_a_term_reads_back_with_exact_amounts(story, system):
    story.refund_b()
    story.confirm("a", SEP[1], on=SEP[8])
    story.nightly(SEP[11])  # b's window for 1 Sep closed on the 10th; a's 2 Sep: 11th
    system.projector.catch_up()
    q = system.queries

    # a consumed 3 sessions; confirmed the first, the other two await a
    a = f.student_balance(q, story.school, "a").figures
    assert (a.charged, a.paid, a.consumed, a.unconsumed, a.owed) == (
        30000,
        30000,
        9000,
        21000,
        0,
    )
    assert (a.released, a.awaiting, a.held) == (3000, 6000, 30000 - 3000)
    # b's one session consumed was confirmed by silence
    b = f.student_balance(q, story.school, "b").figures
    assert (b.charged, b.paid, b.consumed, b.cancelled) == (30000, 10000, 3000, 27000)
    assert (b.released, b.awaiting) == (3000, 0)
    assert (b.refunded, b.refund_paid, b.owed, b.credit, b.held) == (
        7000,
        7000,
        0,
        0,
        0,
    )
    exempt = f.student_balance(q, story.school, "c").figures
    assert (exempt.charged, exempt.consumed, exempt.owed) == (0, 0, 0)

    fund = f.fund(q, story.school)
    assert fund.position == system.funds.head()
    m = fund.figures
    assert (m.bank, m.held, m.free_cash, m.covered) == (133000, 27000, 106000, True)
    assert (m.awaiting, m.disputed, m.credited_back, m.released) == (6000, 0, 0, 6000)
    assert (m.fees_released, m.subsidy_used, m.subsidy_unused) == (6000, 20000, 80000)
    assert (m.teacher_pay_accrued, m.teacher_pay_due, m.refund_due) == (15000, 15000, 0)

    course = f.course(q, story.course)
    assert (course.enrolled, course.sessions) == (2, 3)
    money = course.figures
    assert (money.charged, money.fees_released, money.cancelled) == (
        60000,
        6000,
        27000,
    )
    assert (money.consumed, money.awaiting) == (12000, 6000)
    assert (money.teacher_pay_accrued, money.subsidy_used) == (15000, 20000)

    trial = q.trial_balance([story.school])
    assert trial.total_debit == trial.total_credit > 0
    assert sum(x.balance for x in trial.accounts if x.kind == "bank") == 133000


def test_balances_as_of_an_effective_date_and_a_log_position(story, system):
    system.projector.catch_up()
    q = system.queries
    on_day_one = f.student_balance(q, story.school, "a", as_of=SEP[1]).figures
    assert (on_day_one.charged, on_day_one.paid, on_day_one.consumed) == (
        30000,
        30000,
        3000,
    )
    position = story.deliver(SEP[8], "a")
    system.projector.catch_up()
    before = f.student_balance(q, story.school, "a", at_position=position - 1)
    after = f.student_balance(q, story.school, "a", at_position=position)
    assert after.figures.consumed - before.figures.consumed == 3000
    assert (before.position, after.position) == (position - 1, position)
    until_now = f.student_balance(q, story.school, "a", as_of=SEP[30])
    assert until_now.figures == f.student_balance(q, story.school, "a").figures
    then = q.trial_balance([story.school], at_position=position - 1)
    assert then.total_debit == then.total_credit


def test_a_refund_needs_a_second_person_and_enough_credit(story, system):
    with pytest.raises(InsufficientCredit):
        story.do(c.RequestRefund(story.school, "b", 7001, "withdrew", "RF-x"), BURSAR)
    story.do(c.RequestRefund(story.school, "b", 7000, "withdrew", "RF-b"), BURSAR)
    refund_id = Refund.id_for(story.school, "RF-b")
    head = system.funds.head()
    with pytest.raises(SameApprover):
        story.do(c.ApproveRefund(refund_id), BURSAR)
    assert system.funds.head() == head
    with pytest.raises(InsufficientCredit, match="0 fen of credit"):
        story.do(c.RequestRefund(story.school, "b", 1, "again", "RF-y"), BURSAR)


def test_a_rate_change_pays_later_sessions_at_the_new_rate(story, system):
    story.do(c.ChangeRate(story.teacher, 6000, SEP[8]), on=SEP[8])
    story.deliver(SEP[7], "a")
    story.deliver(SEP[8], "a")
    system.projector.catch_up()
    course = f.course(system.queries, story.course)
    assert course.figures.teacher_pay_accrued == 15000 + 5000 + 6000


def test_a_students_journal_lists_every_entry_on_their_account_whole(story, system):
    system.projector.catch_up()
    entries = system.queries.entries(story.school, account=unearned("b", story.course))
    kinds = [e.kind for e in entries]
    assert kinds == [
        "Course.StudentEnrolled",
        "Course.SessionDelivered",
        "Course.SessionDelivered",
        "Course.SessionDelivered",
        "Course.StudentWithdrawn",
    ]
    first_session = entries[1]
    # the shares await the families; the teacher's pay accrues on delivery
    assert {(x.account, x.debit, x.credit) for x in first_session.lines} == {
        (unearned("a", story.course), 3000, 0),
        (unearned("b", story.course), 3000, 0),
        (awaiting("a", story.course), 0, 3000),
        (awaiting("b", story.course), 0, 3000),
        (released(story.course), 5000, 0),
        (teacher_payable(story.teacher), 0, 5000),
    }
    assert [e.position for e in entries] == sorted(e.position for e in entries)


def test_a_refund_decides_on_the_schools_books_whatever_the_read_models_know(
    story, system
):
    """Nothing is projected here: the read models stand at position 0."""
    story.do(c.RequestRefund(story.school, "b", 7000, "withdrew", "RF-b"), BURSAR)
    with pytest.raises(InsufficientCredit, match="0 fen of credit"):
        story.do(c.RequestRefund(story.school, "b", 1, "again", "RF-y"), BURSAR)
    assert system.projector.position() == 0
