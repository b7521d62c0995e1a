"""A generated term with known truth: realistic schools written through the
application, day by day on a simulated clock, with (on request) a known
number of each anomaly an auditor hunts for, and the list of what was
injected, so detection can be checked against it.

Families act as families do where shares await their confirmation: each
Friday some confirm the week, some rate it, the rest stay silent and the
nightly run confirms for them by silence; a few dispute a session, and the
school accepts, rejects (a family may escalate, the district decides) or
does not answer, which counts as accepting.

A few anomalies cannot be made through the application's commands, because
they refuse them (an approval by whoever set the rate, enrolment beyond
capacity); those are written past the rules, as a compromised client or an
import of old records would.
"""

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from uuid import UUID

from application import commands as c
from application.bus import MessageBus
from application.funds import Funds
from domain.allocation import Allocation
from domain.course import BEIJING, Course
from domain.dispute import Dispute, Grounds
from domain.errors import DomainError
from domain.facts import Actor, Stamp
from domain.payment import Payment
from domain.payroll import Adjustment, PayrollRun, month_end
from domain.rating import Rating, monday_of
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from projections.anomalies import DISPUTED_AT_LEAST, DISPUTING_SHARE, RATED_AT_LEAST
from samples.pingcheng import NATIONAL_DAY, SimulatedClock

TERM, SUMMER = "2026-autumn", "2026-summer"
STARTS, ENDS = date(2026, 9, 1), date(2027, 1, 15)
FEE, PLANNED = 36000, 80
CATEGORIES = (
    "homework",
    "sports",
    "science",
    "arts",
    "reading",
    "labour",
    "wellbeing",
    "practice",
)
ANOMALIES = (
    "ghost-student",
    "ghost-teacher",
    "identical-check-in-times",
    "non-school-day",
    "backfilled-attendance",
    "duplicate-payment",
    "refund-owed-unpaid",
    "exempt-family-charged",
    "rate-setter-approved-pay",
    "over-capacity",
    "released-without-session",
    "term-surplus-unreported",
    "low-teacher-satisfaction",
    "widely-disputed-course",
)
CONFIRMING, RATING = 0.3, 0.2  # families who confirm each Friday; who rate a week
CONTENT = 80  # per cent of a teacher's week rated 4 or 5, at least, unplanted
SCHEDULER = Actor("scheduler", "system")  # as api.scheduler's nightly run
Progress = Callable[[int, int], None]


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class Plan:
    schools: int = 3
    students: int = 600
    seed: int = 1
    days: int = 30
    district: str = "Simulated"
    anomalies: bool = False
    per_rule: int = 2
    teachers: int = 0  # one course each; 0: a course for every 20 students

    @property
    def courses_per_school(self) -> int:
        per_school = self.students // self.schools
        return max(8, self.teachers // self.schools or math.ceil(per_school / 20))

    @property
    def prefix(self) -> str:
        """School codes start with the district's first letters: SIM-001."""
        return "".join(ch for ch in self.district if ch.isalnum())[:3].upper()

    def check(self) -> None:
        if self.schools < 1:
            raise PlanError("simulate at least one school")
        if self.students < 40 * self.schools:
            raise PlanError(
                f"{self.students} students cannot fill {self.schools} schools: "
                "give at least 40 a school"
            )
        if len(self.prefix) < 3:
            raise PlanError(
                f"name the district with 3 letters or more: {self.district!r}"
            )
        if self.students // self.schools // self.courses_per_school < 5:
            raise PlanError(
                f"{self.students} students cannot fill the courses of "
                f"{max(self.teachers, 8 * self.schools)} teachers: give each 5 or more"
            )
        if not 5 <= self.days <= 90:
            raise PlanError(f"{self.days} days: simulate between 5 and 90 school days")
        if self.anomalies and self.days < 25:
            raise PlanError("anomalies need 25 days or more: one of them is a payroll")
        if self.anomalies and not 1 <= self.per_rule <= self.schools:
            raise PlanError(
                f"{self.per_rule} of each anomaly need as many schools; "
                f"there are {self.schools}"
            )


@dataclass
class Truth:
    """What was injected: for each rule, "school code|subject" strings."""

    plan: Plan
    cases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, rule: str, school: str, subject: str) -> None:
        self.cases[rule].append(f"{school}|{subject}")

    def as_dict(self) -> dict:
        return {
            "plan": self.plan.__dict__,
            "cases": {rule: sorted(self.cases.get(rule, [])) for rule in ANOMALIES},
        }


def school_days(count: int) -> list[date]:
    days, day = [], STARTS
    while len(days) < count:
        if day.weekday() < 5 and day not in NATIONAL_DAY:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class Class:
    code: str
    course_id: UUID
    teacher: str
    roster: list[str]
    fixed_times: bool = False


class SimSchool:
    def __init__(self, bus: MessageBus, plan: Plan, n: int, rng: random.Random):
        self.bus, self.plan, self.rng = bus, plan, rng
        self.code = f"{plan.prefix}-{n:03d}"
        self.index = n
        self.school = School.id_for(self.code)
        self.term = Term.id_for(self.school, TERM)
        self.admin = Actor(f"admin-{self.code.lower()}", "school_admin")
        self.bursar = Actor(f"bursar1-{self.code.lower()}", "bursar")
        self.approver = Actor(f"bursar2-{self.code.lower()}", "bursar")
        courses = plan.courses_per_school
        size = plan.students // plan.schools // courses
        self.classes = [
            Class(
                f"C{k:02d}",
                Course.id_for(self.term, f"C{k:02d}"),
                f"T{k:02d}",
                [f"{self.code}-{k:02d}-{s:02d}" for s in range(size)],
            )
            for k in range(courses)
        ]
        self.leaver = self.classes[-1].roster[3]
        self.away: dict[str, date] = {}  # withdrawn students, from that day
        self.skip: set[tuple[str, date]] = set()  # sessions to record late
        self.teacher_of: dict[tuple[str, date], str] = {}
        self.extra_present: dict[str, list[str]] = {}
        self.registered = False
        self.paid_october = False
        self.confirmers = frozenset(
            student
            for cls in self.classes
            for student in cls.roster[1:]  # the first is exempt: nothing to confirm
            if rng.random() < CONFIRMING
        )
        # this week's sessions of each course: day, teacher, who was present
        self.week: dict[str, list[tuple[date, str, frozenset[str]]]] = defaultdict(list)
        self.disputes: list[UUID] = []
        self.disputed: set[tuple[str, str, date]] = set()  # course, student, day
        self.unrated: set[tuple[str, date]] = set()  # course, week: rated already
        self.ratings: dict[tuple[str, date], tuple[int, int]] = {}  # rated, good

    def teacher_id(self, code: str) -> UUID:
        return Teacher.id_for(self.school, code)

    def register(self) -> None:
        if not self.registered:
            self.bus.handle(self.registration(), self.admin)
            self.registered = True

    def registration(self) -> c.RegisterSchool:
        return c.RegisterSchool(self.plan.district, self.code, f"School {self.code}")

    def set_up(self) -> None:
        """The school (unless registered already), its term, teachers and
        courses, saved together."""
        school = [] if self.registered else [self.registration()]
        term = c.OpenTerm(
            self.school, TERM, STARTS, ENDS, FEE, FEE, PLANNED, closed_days=NATIONAL_DAY
        )
        teachers, courses = [], []
        for k, cls in enumerate(self.classes):
            kind, rate = ("external", 12000) if k == 7 else ("staff", 5000)
            teachers.append(
                c.RegisterTeacher(self.school, cls.teacher, kind, rate, STARTS)
            )
            courses.append(
                c.OpenCourse(
                    self.term,
                    cls.code,
                    f"Course {cls.code}",
                    CATEGORIES[k % 8],
                    40,
                    self.teacher_id(cls.teacher),
                )
            )
        self.bus.handle(c.SetUp((*school, term, *teachers, *courses)), self.admin)
        self.registered = True

    def enrol(self) -> None:
        enrolments = tuple(
            c.Enrol(cls.course_id, student, STARTS, waived=s == 0)
            for cls in self.classes
            for s, student in enumerate(cls.roster)
        )
        self.bus.handle(c.EnrolMany(enrolments), self.admin)

    def payments(self, day: date, first: bool) -> None:
        """Families pay on the first day; the external course (C07) a quarter
        of its fee at a time, at the start of each month."""
        october = day.month == 10 and not self.paid_october
        if not first and not october:
            return
        self.paid_october |= october
        payments = tuple(
            self.payment(student, FEE // 4 if k == 7 else FEE, day, cls.course_id)
            for k, cls in enumerate(self.classes)
            if k == 7 or not october
            for s, student in enumerate(cls.roster)
            if s > 0 and "GHOST" not in student and student not in self.away
        )
        self.bus.handle(c.RecordPayments(payments), self.bursar)
        # Not touched again: kept, a city's payments would push its courses
        # out of the cache, to be read back from the log on the next day.
        self.bus.funds.forget(
            [Payment.id_for(self.school, p.channel, p.reference) for p in payments]
        )

    def pay(self, student: str, amount: int, day: date, suffix: str, course=None):
        payment = self.payment(student, amount, day, course, suffix)
        self.bus.handle(payment, self.bursar)

    def payment(
        self, student: str, amount: int, day: date, course: UUID | None, suffix=""
    ) -> c.RecordPayment:
        """Paid by bank transfer, naming the course it pays, if any."""
        reference = f"{student}-{day:%m%d}{suffix}"
        lines = (Allocation(course, amount),) if course else None
        return c.RecordPayment(
            self.school, student, amount, "bank", reference, day, lines
        )

    def sessions(self, day: date, substitutes: list[str]) -> None:
        reports = []
        for cls in self.classes:
            if (cls.code, day) in self.skip:
                continue
            reports.append(self.report(cls, day, substitutes))
        self.bus.handle(c.DeliverSessions(tuple(reports)), self.admin)

    def report(self, cls: Class, day: date, substitutes: list[str]) -> c.DeliverSession:
        if cls.fixed_times:
            starts, ends = time(15, 30), time(17, 30)
        else:
            starts = time(15, 20 + self.rng.randrange(11), self.rng.randrange(60))
            ends = time(17, 30 + self.rng.randrange(9), self.rng.randrange(60))
        teacher = self.teacher_of.get((cls.code, day), cls.teacher)
        if teacher == cls.teacher and substitutes and self.rng.random() < 1 / 60:
            teacher = self.rng.choice([t for t in substitutes if t != cls.teacher])
        present = [
            s
            for s in cls.roster
            if "GHOST" not in s
            and not (s in self.away and day >= self.away[s])
            and self.rng.random() < 0.95
        ] + self.extra_present.get(cls.code, [])
        self.week[cls.code].append((day, teacher, frozenset(present)))
        return c.DeliverSession(
            cls.course_id,
            None,
            day,
            starts,
            ends,
            self.teacher_id(teacher),
            tuple(present),
        )

    def withdraw(self, student: str, day: date) -> None:
        cls = next(c_ for c_ in self.classes if student in c_.roster)
        self.bus.handle(c.Withdraw(cls.course_id, student, day), self.admin)
        self.away[student] = day

    def refund(self, student: str, day: date, step: int) -> None:
        reference = f"RF-{student}"
        refund = Refund.id_for(self.school, reference)
        if step == 0:
            with self.bus.bookkeeper.open(self.school) as books:
                credit = books.family(student).credit
            if credit > 0:
                self.bus.handle(
                    c.RequestRefund(
                        self.school, student, credit, "withdrew", reference
                    ),
                    self.bursar,
                )
        elif step == 1 and self._refund_exists(refund):
            self.bus.handle(c.ApproveRefund(refund), self.approver)
        elif step == 2 and self._refund_exists(refund):
            self.bus.handle(c.PayRefund(refund, f"BANK-{reference}", day), self.bursar)

    def _refund_exists(self, refund: UUID) -> bool:
        """Not when nothing was owed, and nothing asked."""
        return self.bus.funds.get(refund) is not None

    def subsidy(self, day: date, allocate_to: list[UUID]) -> None:
        reference = f"{self.code}-GRANT"
        grant = SubsidyGrant.id_for(self.school, reference)
        if not allocate_to:
            self.bus.handle(
                c.ReceiveSubsidy(self.school, reference, "bureau", 1_000_000, day),
                self.bursar,
            )
            return
        for course in allocate_to:
            self.bus.handle(c.AllocateSubsidy(grant, course, 100_000, day), self.bursar)

    def payroll(self, month: date, day: date, step: int, setter_approves: bool):
        """Drafted, approved, paid: one step a call, so that every school is
        drafted before any is approved, and the read models each step waits
        for are projected meanwhile."""
        run = PayrollRun.id_for(self.school, month)
        if step == 0:
            self.bus.handle(c.DraftPayroll(self.school, month), self.bursar)
        elif step == 1 and setter_approves:
            approve_past_the_rules(self.bus.funds, run, self.approver)
        elif step == 1:
            self.bus.handle(c.ApprovePayroll(run), self.approver)
        else:
            payroll = self.bus.funds.get(run)
            refs = tuple((t, f"PAY-{self.code}-{t.hex[:8]}") for t in payroll.totals())
            self.bus.handle(c.PayPayroll(run, refs, day), self.bursar)
            self.bus.funds.forget([run])  # a paid run is not touched again

    def nightly(self) -> None:
        """Last night's run: families' silence confirms, and disputes nobody
        acted on in time lapse."""
        courses = tuple(cls.course_id for cls in self.classes)
        self.bus.handle(c.SettleByTime(courses, tuple(self.disputes)), SCHEDULER)

    def guardian(self, student: str) -> Actor:
        """The family, acting for its own child only."""
        children = frozenset({student})
        return Actor(
            f"G-{student}", "guardian", frozenset({self.school}), None, children
        )

    def friday(self, day: date) -> None:
        """Some families confirm what their child consumed up to today, some
        rate the week of each course the child attended; then the week is
        forgotten. Saved at once, as a bulk command would (there is none for
        these): each event still names the family that acted."""
        monday, funds = monday_of(day), self.bus.funds
        courses, ratings = [], []
        for cls in self.classes:
            course = funds.get(cls.course_id)
            courses.append(course)
            week = [x for x in self.week.pop(cls.code, []) if x[0] >= monday]
            for student in cls.roster:
                attended = [x for x in week if student in x[2]]
                if not attended:
                    continue
                family = stamp(funds, self.guardian(student), day)
                if student in self.confirmers and any(
                    (cls.code, student, d) not in self.disputed for d, *_ in attended
                ):
                    course.confirm(student, through=day, stamp=family)
                if (
                    self.rng.random() < RATING
                    and (cls.code, monday) not in self.unrated
                ):
                    teacher = max(attended)[1]
                    ratings.append(
                        self.rating(course, student, monday, teacher, family)
                    )
        funds.record([*courses, *ratings])

    def rating(
        self, course: Course, student: str, monday: date, teacher: str, family: Stamp
    ) -> Rating:
        """Mostly 4s and 5s; a lower teacher score only while the teacher's
        week stays rated 4 or 5 by CONTENT per cent of its families."""
        scores = (5, 4, 3, 2)
        score, teacher_score = self.rng.choices(scores, weights=(55, 35, 8, 2), k=2)
        rated, good = self.ratings.get((teacher, monday), (0, 0))
        if teacher_score < 4 and good * 100 < CONTENT * (rated + 1):
            teacher_score = 4
        self.ratings[(teacher, monday)] = (rated + 1, good + (teacher_score >= 4))
        return Rating.give(
            course=course,
            student_id=student,
            week=monday,
            course_score=score,
            teacher_score=teacher_score,
            commented=False,
            stamp=family,
        )

    def dispute(
        self, cls: Class, student: str, day: date, grounds: Grounds, reason: str
    ) -> UUID:
        """Opened by the family (or, for it, by the school's office)."""
        family = self.admin if grounds is Grounds.OTHER else self.guardian(student)
        opened = c.OpenDispute(cls.course_id, student, day, grounds, reason)
        self.bus.handle(opened, family)
        self.disputed.add((cls.code, student, day))
        dispute = Dispute.id_for(Course.session_id_for(cls.course_id, day), student)
        self.disputes.append(dispute)
        return dispute

    def present_on(self, cls: Class, day: date) -> list[str]:
        """Who consumed the session: present, not exempt, staying."""
        [present] = [p for d, _, p in self.week[cls.code] if d == day]
        return [s for s in cls.roster[1:] if s in present and s != self.leaver]


def stamp(funds: Funds, actor: Actor, on: date | None = None) -> Stamp:
    at = funds.clock()
    return Stamp(actor, at, on or at.astimezone(BEIJING).date())


def approve_past_the_rules(funds: Funds, run_id: UUID, actor: Actor) -> None:
    """Records an approval the application would refuse (by whoever set a rate
    it pays at): what a compromised client could write."""
    run = funds.get(run_id)
    now = stamp(funds, actor)
    deltas: dict[tuple[UUID, UUID], int] = defaultdict(int)
    for item in run.items:
        deltas[(item.course_id, item.teacher_id)] += item.amount - item.accrued
    teachers = [funds.get(t) for t in sorted(run.teachers)]
    run.trigger_event(
        PayrollRun.Approved,
        school_id=run.school_id,
        month=run.month,
        items=run.items,
        adjustments=[
            Adjustment(c_, t, d) for (c_, t), d in sorted(deltas.items()) if d
        ],
        **now.fields(),
    )
    for teacher in teachers:
        teacher.lock_pay(month_end(run.month), stamp=now)
    funds.record([run, *teachers])


def enrol_past_capacity(
    funds: Funds, course_id: UUID, students: list[str], actor: Actor, on: date
) -> None:
    """Enrolments beyond the course's places, written past the rule."""
    course = funds.get(course_id)
    now = stamp(funds, actor, on)
    for student in students:
        course.trigger_event(
            Course.StudentEnrolled,
            school_id=course.school_id,
            student_id=student,
            waived=True,
            fee=0,
            **now.fields(),
        )
    funds.record([course])


def simulate(bus: MessageBus, plan: Plan, progress: Progress | None = None) -> Truth:
    """Writes the planned term through the application; returns what was
    injected (nothing, unless the plan asks for anomalies)."""
    plan.check()
    rng = random.Random(plan.seed)
    truth = Truth(plan)
    funds = bus.funds
    clock, real = SimulatedClock(), funds.clock
    funds.clock = clock
    try:
        schools = [SimSchool(bus, plan, n, rng) for n in range(plan.schools)]
        injected = schools[: plan.per_rule] if plan.anomalies else []
        for school in injected:
            clock.set(date(2026, 7, 1), 8)
            summer_term(bus, school, clock, truth)
        clock.set(date(2026, 8, 25), 9)
        for school in schools:
            school.set_up()
        for school in injected:
            plant_before_term(bus, school, truth)
        clock.set(STARTS, 8)
        for school in schools:
            school.enrol()
        for school in injected:
            plant_at_enrolment(bus, school, truth)
        days = school_days(plan.days)
        run_days(bus, schools, injected, days, clock, truth, progress)
    finally:
        funds.clock = real
    return truth


def summer_term(bus: MessageBus, school: SimSchool, clock: SimulatedClock, truth):
    """A term that ended with a surplus nobody reported."""
    f, s = bus, school
    s.register()
    f.handle(
        c.OpenTerm(
            s.school, SUMMER, date(2026, 7, 1), date(2026, 8, 28), 20000, 36000, 10
        ),
        s.admin,
    )
    term = Term.id_for(s.school, SUMMER)
    f.handle(
        c.RegisterTeacher(s.school, "TS", "staff", 3000, date(2026, 7, 1)), s.admin
    )
    f.handle(
        c.OpenCourse(term, "SUMMER", "Summer club", "sports", 30, s.teacher_id("TS")),
        s.admin,
    )
    course = Course.id_for(term, "SUMMER")
    students = [f"{s.code}-SU-{n:02d}" for n in range(10)]
    f.handle(
        c.EnrolMany(tuple(c.Enrol(course, x, date(2026, 7, 1)) for x in students)),
        s.admin,
    )
    for student in students:
        f.handle(
            c.RecordPayment(
                s.school, student, 20000, "bank", f"{student}-su", date(2026, 7, 1)
            ),
            s.bursar,
        )
    for week in range(5):
        day = date(2026, 7, 6) + timedelta(days=7 * week)
        clock.set(day, 18)
        f.handle(
            c.DeliverSession(
                course,
                term,
                day,
                time(15, 21 + week),
                time(17, 33 + week),
                s.teacher_id("TS"),
                tuple(students),
            ),
            s.admin,
        )
    clock.set(date(2026, 8, 24), 2)  # the families stayed silent all summer
    f.handle(c.SettleByTime((course,)), SCHEDULER)
    truth.add("term-surplus-unreported", s.code, f"term {SUMMER}")


def plant_before_term(bus: MessageBus, school: SimSchool, truth: Truth) -> None:
    s = school
    ghost_teacher = f"GT{s.index}"
    bus.handle(
        c.RegisterTeacher(s.school, ghost_teacher, "staff", 5000, STARTS), s.admin
    )
    for day in school_days(11)[5:11]:
        s.teacher_of[("C02", day)] = ghost_teacher
    truth.add("ghost-teacher", s.code, f"teacher {ghost_teacher}")
    s.classes[3].fixed_times = True
    truth.add("identical-check-in-times", s.code, f"teacher {s.classes[3].teacher}")
    spare = c.OpenCourse(
        s.term, "SPARE", "Spare course", "arts", 40, s.teacher_id(s.classes[0].teacher)
    )
    bus.handle(spare, s.admin)
    truth.add("released-without-session", s.code, "course SPARE")
    # the rate its approver will have set, so the approval is theirs twice over
    bus.handle(
        c.ChangeRate(s.teacher_id(s.classes[5].teacher), 5500, STARTS), s.approver
    )
    truth.add("rate-setter-approved-pay", s.code, "payroll 2026-09")


def plant_at_enrolment(bus: MessageBus, school: SimSchool, truth: Truth) -> None:
    s, funds = school, bus.funds
    ghost = f"{s.code}-GHOST"
    bus.handle(c.Enrol(s.classes[1].course_id, ghost, STARTS), s.admin)
    s.classes[1].roster.append(ghost)
    truth.add("ghost-student", s.code, f"student {ghost}")
    extra = [f"{s.code}-OVER-{n:02d}" for n in range(41 - len(s.classes[6].roster))]
    enrol_past_capacity(funds, s.classes[6].course_id, extra, s.admin, STARTS)
    s.extra_present[s.classes[6].code] = extra
    truth.add("over-capacity", s.code, f"course {s.classes[6].code}")


def run_days(bus, schools, injected, days, clock, truth, progress) -> None:
    october = next((d for d in days if d.month == 10), None)
    backfill = {s.code: days[2] for s in injected}
    for s in injected:
        s.skip.add(("C04", backfill[s.code]))
    late: dict[date, list[tuple[SimSchool, date]]] = defaultdict(list)
    for s in injected:
        late[backfill[s.code] + timedelta(days=7)].append((s, backfill[s.code]))
    saturday = days[4] - timedelta(days=days[4].weekday() - 5 + 7)
    district = schools[0].plan.district
    regulator = Actor(f"regulator-{district.lower()}", "regulator", None, district)
    for number, day in enumerate(days):
        clock.set(day, 2)
        for s in schools if number else ():
            s.nightly()
        clock.set(day, 8)
        if number == 4:  # the weekend's session, recorded on Monday morning
            for s in injected:
                weekend = c.DeliverSessions((s.report(s.classes[4], saturday, []),))
                bus.handle(weekend, s.admin)
                truth.add("non-school-day", s.code, f"course C04 on {saturday}")
        clock.set(day, 9)
        for s in schools:
            s.payments(day, first=number == 0)
            if number == 0 and s in injected:
                plant_payments(s, day, truth)
            if number == 3:
                s.subsidy(day, [])
            if number == 2 and s in injected:
                plant_unpaid_refund(s, day, truth)
            if number == 8:
                s.withdraw(s.leaver, day)
        clock.set(day, 18)
        substitutes = {
            s.code: [x.teacher for x in s.classes[8:] or s.classes[4:6]]
            for s in schools
        }
        for s in schools:
            s.sessions(day, substitutes[s.code])
            for school, missed in late.get(day, []):
                if school is s:
                    backfilled = c.DeliverSessions(
                        (s.report(s.classes[4], missed, []),)
                    )
                    bus.handle(backfilled, s.admin)
                    truth.add(
                        "backfilled-attendance", s.code, f"course C04 on {missed}"
                    )
        clock.set(day, 19)
        for s in injected if number == 4 else ():
            plant_poor_ratings(s, day, truth)
        for s in schools:
            if number in (8, 9, 10):
                s.refund(s.leaver, day, number - 8)
            if number == 9:
                s.subsidy(day, [s.classes[0].course_id, s.classes[1].course_id])
                if s in injected:
                    grant = SubsidyGrant.id_for(s.school, f"{s.code}-GRANT")
                    bus.handle(
                        c.AllocateSubsidy(
                            grant, Course.id_for(s.term, "SPARE"), 50_000, day
                        ),
                        s.bursar,
                    )
        if day == october:
            for step in range(3):
                for s in schools:
                    s.payroll(date(2026, 9, 1), day, step, s in injected)
        clock.set(day, 20)
        for s in schools:
            ordinary_disputes(s, number, days, regulator)
            if s in injected:
                plant_wide_disputes(s, number, days, truth)
            if day.weekday() == 4:
                s.friday(day)
        if progress:
            progress(number + 1, len(days))


def plant_payments(s: SimSchool, day: date, truth: Truth) -> None:
    exempt = s.classes[2].roster[0]
    s.pay(exempt, 100, day, "-X")
    truth.add("exempt-family-charged", s.code, f"student {exempt}")
    payer, course = s.classes[4].roster[5], s.classes[4].course_id
    s.pay(payer, 1000, day, "-A", course)
    s.pay(payer, 1000, day, "-B", course)
    truth.add("duplicate-payment", s.code, f"student {payer} on {day}")


def plant_poor_ratings(s: SimSchool, day: date, truth: Truth) -> None:
    """Families of one class rate its week poorly: the teacher they rate is
    the one the log says taught them that week."""
    cls = s.classes[7]
    rated = []
    for student in cls.roster[:8]:
        try:
            s.bus.handle(c.RateCourse(cls.course_id, student, day, 2, 1), s.admin)
        except DomainError:
            continue  # away all week: nothing to rate
        rated.append(Rating.id_for(cls.course_id, student, day))
    s.unrated.add((cls.code, monday_of(day)))
    teachers = {s.teacher_id(k.teacher): k.teacher for k in s.classes}
    taught = Counter(teachers[s.bus.funds.get(r).teacher_id] for r in rated)
    for teacher, n in taught.items():
        if n >= RATED_AT_LEAST:
            truth.add(
                "low-teacher-satisfaction",
                s.code,
                f"teacher {teacher} in the week of {monday_of(day)}",
            )


def plant_unpaid_refund(s: SimSchool, day: date, truth: Truth) -> None:
    student = s.classes[5].roster[4]
    s.withdraw(student, day)
    truth.add("refund-owed-unpaid", s.code, f"student {student}")


# course, grounds, the school's answer (None: none), the family's reason
ORDINARY = (
    (0, Grounds.ABSENT, True, "孩子那天请假在家"),
    (3, Grounds.OTHER_TEACHER, False, "那天不是平时的老师"),
    (5, Grounds.ABSENT, False, "孩子那天提前接走了"),  # escalated in one school
    (7, Grounds.OTHER, None, "家长电话反映课程内容与介绍不符"),
)
EVIDENCE = "签到表与课堂照片显示孩子在场"


def ordinary_disputes(s: SimSchool, number: int, days: list[date], regulator) -> None:
    """A family in each of a few courses disputes Monday's session of the
    second week: the school accepts one, rejects two with evidence and
    leaves one unanswered (the nightly run accepts it). In the first school
    the family escalates a rejection and the district dismisses it."""
    if number == 5:
        for k, grounds, _, reason in ORDINARY:
            cls = s.classes[k]
            student = s.rng.choice(s.present_on(cls, days[4]))
            s.dispute(cls, student, days[4], grounds, reason)
    elif number == 7:
        for (*_, accept, _), dispute in zip(ORDINARY, s.disputes, strict=False):
            if accept is not None:
                answer = c.AnswerDispute(dispute, accept, None if accept else EVIDENCE)
                s.bus.handle(answer, s.bursar)
    elif number in (8, 10) and s.index == 0:
        escalated = s.disputes[2]
        if number == 8:
            student = s.bus.funds.get(escalated).student_id
            s.bus.handle(c.EscalateDispute(escalated), s.guardian(student))
        else:
            note = "签到记录与授课记录一致"
            s.bus.handle(c.DecideDispute(escalated, False, note), regulator)


def plant_wide_disputes(s: SimSchool, number: int, days: list[date], truth) -> None:
    """Families of one class dispute the ghost teacher's sessions of the week:
    another teacher than the one recorded came; the school accepts."""
    cls = s.classes[2]
    if number == 7:
        share = 3 * DISPUTING_SHARE / 2  # well above the rule's share
        many = max(DISPUTED_AT_LEAST, math.ceil(len(cls.roster) * share / 100))
        present = {day: s.present_on(cls, day) for day in days[5:8]}
        last = {x: day for day, students in present.items() for x in students}
        for student in sorted(last)[:many]:
            s.dispute(
                cls, student, last[student], Grounds.OTHER_TEACHER, "来的不是这位老师"
            )
        truth.add(
            "widely-disputed-course",
            s.code,
            f"course {cls.code} in the week of {monday_of(days[7])}",
        )
    if number == 8:
        for dispute in s.disputes[len(ORDINARY) :]:
            s.bus.handle(c.AnswerDispute(dispute, True), s.bursar)
