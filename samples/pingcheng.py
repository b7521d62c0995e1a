"""A realistic sample term: one district, two schools, six weeks of service.

Deterministic for a given seed, and recorded day by day on a simulated clock,
so every fact is recorded when it happened. Two breaches are deliberate, for
the regulator to find, both at Heping Road: football ends at 17:00, and the
choir charges ¥400 against a cap of ¥360. Families of the external robotics
course pay by the month, inside the prepaid caps. Shares of delivered sessions
wait for the families: every fourth family confirms the week's sessions on
Friday evening, and the scheduler's nightly run lets the others' silence
confirm them after seven working days. September's teacher pay is paid in
October, from what families and their silence released and the subsidy.
"""

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from application import commands as c
from application.bus import MessageBus
from domain.allocation import Allocation
from domain.course import BEIJING, Course
from domain.errors import NothingToConfirm
from domain.facts import Actor
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.school import School, Term
from domain.subsidy import SubsidyGrant
from domain.teacher import Teacher
from domain.workdays import WorkingDays

DISTRICT = "Pingcheng"
TERM_CODE = "2026-autumn"
TERM_STARTS, TERM_ENDS = date(2026, 9, 1), date(2027, 1, 15)
NATIONAL_DAY = tuple(date(2026, 10, d) for d in range(1, 8))
SERVICE_UNTIL = date(2026, 10, 16)
FEE, CAP, PLANNED = 36000, 36000, 80
STAFF_RATE, EXTERNAL_RATE = 5000, 12000
STARTS, ENDS = time(15, 30), time(17, 30)
STUDENTS_PER_COURSE = 25
WITHDRAWAL_DAY = date(2026, 9, 21)
MONTHLY_DUE = (date(2026, 9, 1), date(2026, 10, 8))
GRANT_DAY, ALLOCATION_DAY = date(2026, 9, 10), date(2026, 9, 30)
SEPTEMBER, PAYDAY = date(2026, 9, 1), date(2026, 10, 9)
CONFIRMING = 4  # one family in four confirms in the app; the others stay silent
SCHEDULER = Actor("scheduler", "system")
NIGHTLY = 2  # o'clock, Beijing time, as the scheduler runs it
RECENT = 3  # working days of sessions the demo records up to today


@dataclass(frozen=True)
class CoursePlan:
    code: str
    name: str
    category: str
    teacher: str
    kind: str = "staff"
    fee: int | None = None
    starts: time = STARTS
    ends: time = ENDS


SCHOOLS = {
    "PC-101": (
        "Pingcheng No.1 Primary",
        (
            CoursePlan("HW-3A", "Homework club 3A", "homework", "T01"),
            CoursePlan("HW-4B", "Homework club 4B", "homework", "T02"),
            CoursePlan("FB-1", "Football", "sports", "T03"),
            CoursePlan("SCI-1", "Young scientists", "science", "T04"),
            CoursePlan("ART-1", "Paper cutting", "arts", "T05"),
            CoursePlan("READ-1", "Reading circle", "reading", "T06"),
        ),
    ),
    "PC-102": (
        "Heping Road Primary",
        (
            CoursePlan("HW-5A", "Homework club 5A", "homework", "T11"),
            CoursePlan("HW-6A", "Homework club 6A", "homework", "T12"),
            CoursePlan(
                "FB-2", "Football", "sports", "T13", starts=time(15), ends=time(17)
            ),
            CoursePlan("ROBO", "Robotics", "science", "X01", "external", fee=30000),
            CoursePlan("CHOIR", "Choir", "arts", "T14", fee=40000),
            CoursePlan("GARDEN", "School garden", "labour", "T15"),
        ),
    ),
}


def rosters(code: str, plans) -> dict[CoursePlan, list[str]]:
    """Each course's students, by their pseudonymous ids."""
    return {
        p: [f"{code}-S{i}{n:02d}" for n in range(STUDENTS_PER_COURSE)]
        for i, p in enumerate(plans)
    }


def admin(school: str) -> Actor:
    return Actor(f"admin-{school.lower()}", "school_admin")


def bursar(school: str, n: int = 1) -> Actor:
    return Actor(f"bursar{n}-{school.lower()}", "bursar")


def family(school_id: UUID, student: str) -> Actor:
    """A child's guardian in the parent app (the sample names guardians later)."""
    schools, students = frozenset({school_id}), frozenset({student})
    return Actor(f"{student}-family", "guardian", schools, None, students)


def days(first: date, last: date) -> Iterator[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def service_days() -> Iterator[date]:
    for day in days(TERM_STARTS, SERVICE_UNTIL):
        if day.weekday() < 5 and day not in NATIONAL_DAY:
            yield day


def clocked(plan: CoursePlan, day: date) -> tuple[time, time]:
    """Check-in a few minutes early and check-out a few late, as teachers
    do; a register of identical times day after day is an anomaly."""
    clock = random.Random(f"{plan.code}{day}")
    early, late = clock.randrange(600), clock.randrange(480)
    starts = datetime.combine(day, plan.starts) - timedelta(seconds=early)
    ends = datetime.combine(day, plan.ends) + timedelta(seconds=late)
    return starts.time(), ends.time()


class SimulatedClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 8, 25, 9, tzinfo=BEIJING)

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, hour: int) -> None:
        self.now = datetime.combine(day, time(hour), BEIJING)


class SampleSchool:
    def __init__(self, bus: MessageBus, rng: random.Random, code: str, plans):
        self.bus, self.rng, self.code, self.plans = bus, rng, code, plans
        self.school_id = School.id_for(code)
        self.term_id = Term.id_for(self.school_id, TERM_CODE)
        self.rosters = rosters(code, plans)
        first = plans[0]
        self.leaver = self.rosters[first][5]
        self.on_leave = self.rosters[first][7]
        self.payments = self.plan_payments()

    def course_id(self, plan: CoursePlan) -> UUID:
        return Course.id_for(self.term_id, plan.code)

    def set_up(self, name: str) -> None:
        setup = admin(self.code)
        self.bus.handle(c.RegisterSchool(DISTRICT, self.code, name), setup)
        self.bus.handle(
            c.OpenTerm(
                self.school_id,
                TERM_CODE,
                TERM_STARTS,
                TERM_ENDS,
                fee_per_term=FEE,
                fee_cap=CAP,
                planned_sessions=PLANNED,
                closed_days=NATIONAL_DAY,
            ),
            setup,
        )
        for plan in self.plans:
            rate = EXTERNAL_RATE if plan.kind == "external" else STAFF_RATE
            teacher = c.RegisterTeacher(
                self.school_id, plan.teacher, plan.kind, rate, TERM_STARTS
            )
            self.bus.handle(teacher, setup)
            course = c.OpenCourse(
                self.term_id,
                plan.code,
                plan.name,
                plan.category,
                capacity=30,
                teacher_id=Teacher.id_for(self.school_id, plan.teacher),
                fee=plan.fee,
            )
            self.bus.handle(course, setup)

    def enrol(self) -> None:
        enrolments = [
            c.Enrol(self.course_id(plan), student, TERM_STARTS, waived=n == 0)
            for plan, students in self.rosters.items()
            for n, student in enumerate(students)
        ]
        self.bus.handle(c.EnrolMany(tuple(enrolments)), admin(self.code))

    def plan_payments(self) -> dict[date, list[c.RecordPayment]]:
        """Most families pay in the first week; some pay half; a few not yet.
        External courses are paid a month at a time. Payments by WeChat name
        the course they pay; bank transfers do not, and pay the family's
        oldest unpaid charge."""
        payments: dict[date, list[c.RecordPayment]] = {}
        for plan, students in self.rosters.items():
            fee = plan.fee or FEE
            for n, student in enumerate(students):
                if n == 0 or n % 20 == 0:
                    continue  # exempt, or not paid yet
                if plan.kind == "external":
                    dues = [(day, fee // 4) for day in MONTHLY_DUE]
                else:
                    day = TERM_STARTS + timedelta(days=self.rng.randrange(0, 4))
                    dues = [(day, fee // 2 if n % 12 == 0 else fee)]
                for day, amount in dues:
                    lines = (Allocation(self.course_id(plan), amount),)
                    payments.setdefault(day, []).append(
                        c.RecordPayment(
                            self.school_id,
                            student,
                            amount,
                            "wechat" if n % 3 else "bank",
                            f"{student}-{day:%m%d}",
                            day,
                            lines if n % 3 else None,
                        )
                    )
        return payments

    def morning(self, day: date) -> None:
        for payment in self.payments.get(day, []):
            self.bus.handle(payment, bursar(self.code))
        if day == TERM_STARTS:
            dates = (date(2026, 9, 14), date(2026, 9, 15))
            first = self.course_id(self.plans[0])
            self.bus.handle(
                c.ApproveLeave(first, self.on_leave, dates), admin(self.code)
            )
        if day == WITHDRAWAL_DAY:
            first = self.course_id(self.plans[0])
            self.bus.handle(c.Withdraw(first, self.leaver, day), admin(self.code))
        if day == GRANT_DAY:
            self.bus.handle(
                c.ReceiveSubsidy(
                    self.school_id,
                    self.grant_reference,
                    "Pingcheng Education Bureau",
                    1_000_000,
                    day,
                ),
                bursar(self.code),
            )

    @property
    def grant_reference(self) -> str:
        return f"{self.code}-GRANT-2026"

    def afternoon(self, day: date) -> None:
        sessions = [
            c.DeliverSession(
                self.course_id(plan),
                self.term_id,
                day,
                *clocked(plan, day),
                Teacher.id_for(self.school_id, plan.teacher),
                tuple(s for s in students if self.attends(s, day)),
            )
            for plan, students in self.rosters.items()
        ]
        self.bus.handle(c.DeliverSessions(tuple(sessions)), admin(self.code))

    def attends(self, student: str, day: date) -> bool:
        away = (student == self.leaver and day >= WITHDRAWAL_DAY) or (
            student == self.on_leave and day in (date(2026, 9, 14), date(2026, 9, 15))
        )
        return not away and self.rng.random() < 0.95

    def night(self) -> None:
        """The scheduler's nightly run: silence confirms what time settled."""
        courses = tuple(self.course_id(plan) for plan in self.plans)
        self.bus.handle(c.SettleByTime(courses), SCHEDULER)

    def confirm_week(self, day: date) -> None:
        """Families who use the app confirm what their child attended so far."""
        for plan, students in self.rosters.items():
            for student in students[1::CONFIRMING]:
                confirmed = c.ConfirmShares(self.course_id(plan), student, day, True)
                try:
                    self.bus.handle(confirmed, family(self.school_id, student))
                except NothingToConfirm:
                    continue  # away all week, or left the course

    def evening(self, day: date) -> None:
        if day.weekday() == 4:
            self.confirm_week(day)
        reference = f"{self.code}-RF-{self.leaver}"
        refund_id = Refund.id_for(self.school_id, reference)
        if day == WITHDRAWAL_DAY:
            first = self.course_id(self.plans[0])
            with self.bus.bookkeeper.open(self.school_id) as books:
                credit = books.family(self.leaver).refundable(first)
            self.bus.handle(
                c.RequestRefund(
                    self.school_id,
                    self.leaver,
                    credit,
                    "withdrew from the course",
                    reference,
                    first,
                ),
                bursar(self.code),
            )
        if day == WITHDRAWAL_DAY + timedelta(days=1):
            self.bus.handle(c.ApproveRefund(refund_id), bursar(self.code, 2))
        if day == WITHDRAWAL_DAY + timedelta(days=3):
            self.bus.handle(
                c.PayRefund(refund_id, f"BANK-{reference}", day), bursar(self.code)
            )
        if day == PAYDAY:
            self.pay_teachers(SEPTEMBER, day)
        if day == ALLOCATION_DAY:
            grant_id = SubsidyGrant.id_for(self.school_id, self.grant_reference)
            for plan in self.plans[:2]:
                self.bus.handle(
                    c.AllocateSubsidy(grant_id, self.course_id(plan), 250_000, day),
                    bursar(self.code),
                )

    def pay_teachers(self, month: date, day: date) -> None:
        """Drafted by one bursar, approved by the other, paid by bank transfer."""
        run_id = PayrollRun.id_for(self.school_id, month)
        self.bus.handle(c.DraftPayroll(self.school_id, month), bursar(self.code))
        self.bus.handle(c.ApprovePayroll(run_id), bursar(self.code, 2))
        references = tuple(
            (
                Teacher.id_for(self.school_id, plan.teacher),
                f"SAL-{plan.teacher}-{month:%m}",
            )
            for plan in self.plans
        )
        self.bus.handle(c.PayPayroll(run_id, references, day), bursar(self.code))


def load_sample(bus: MessageBus, seed: int = 2026) -> None:
    """Writes the sample term through the application, as it would have happened."""
    rng = random.Random(seed)
    clock, real = SimulatedClock(), bus.funds.clock
    bus.funds.clock = clock
    try:
        schools = [SampleSchool(bus, rng, code, p) for code, (_, p) in SCHOOLS.items()]
        for school, (name, _) in zip(schools, SCHOOLS.values(), strict=True):
            school.set_up(name)
        clock.set(TERM_STARTS, 8)
        for school in schools:
            school.enrol()
        served = set(service_days())
        for day in days(TERM_STARTS, SERVICE_UNTIL):
            if day > TERM_STARTS:
                clock.set(day, NIGHTLY)
                for school in schools:
                    school.night()
            if day not in served:
                continue
            for hour, step in ((9, "morning"), (18, "afternoon"), (19, "evening")):
                clock.set(day, hour)
                for school in schools:
                    getattr(school, step)(day)
    finally:
        bus.funds.clock = real


def recent_days(
    calendar: WorkingDays, now: datetime, count: int = RECENT
) -> list[date]:
    """The term's last ``count`` working days up to ``now``, today once its
    sessions are over; none when ``now`` is outside the term."""
    local = now.astimezone(BEIJING)
    if not TERM_STARTS <= local.date() <= TERM_ENDS:
        return []
    today = local.date()
    day = today if local.time() >= ENDS else today - timedelta(days=1)
    found: list[date] = []
    while len(found) < count and day >= TERM_STARTS:
        if calendar.works(day):
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def record_recent(bus: MessageBus, students: Collection[str]) -> list[date]:
    """The sessions of these students' courses on the last few working days,
    each recorded on its own evening with every active student present, so
    their shares wait for the families, who have seven working days from
    each to confirm or dispute them. A day already recorded stays as it is.
    Returns the days, none outside the term."""
    real = bus.funds.clock
    recent = recent_days(bus.funds.calendar.closing(NATIONAL_DAY), real())
    evening = bus.funds.clock = SimulatedClock()
    try:
        for day in recent:
            evening.set(day, 18)
            for code, sessions in sessions_of(bus, students, day).items():
                bus.handle(c.DeliverSessions(sessions), admin(code))
    finally:
        bus.funds.clock = real
    return recent


def sessions_of(bus: MessageBus, students: Collection[str], day: date) -> dict:
    """Per school, the day's sessions of the courses these students attend,
    if not recorded yet."""
    found: dict[str, tuple] = {}
    for code, (_, plans) in SCHOOLS.items():
        school_id = School.id_for(code)
        term_id = Term.id_for(school_id, TERM_CODE)
        for plan, roster in rosters(code, plans).items():
            course = bus.funds.get(Course.id_for(term_id, plan.code))
            if course is None or not set(roster) & set(students):
                continue
            if day in course.deliveries:
                continue
            present = tuple(
                s for s, seat in sorted(course.seats.items()) if seat.active
            )
            teacher = Teacher.id_for(school_id, plan.teacher)
            session = c.DeliverSession(
                course.id, term_id, day, *clocked(plan, day), teacher, present
            )
            found[code] = (*found.get(code, ()), session)
    return found
