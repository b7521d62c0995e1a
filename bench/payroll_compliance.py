"""Drafting a month's payroll for a large school, and the district compliance
query over many schools, each next to the plain read of the rows it uses."""

from datetime import date, time, timedelta
from time import perf_counter

from psycopg.sql import SQL

from api.bootstrap import System, bootstrap
from application import commands as c
from application.books import Bookkeeper
from bench.common import Result, fresh_database
from domain.course import Course
from domain.facts import Actor
from domain.payroll import PayrollRun
from domain.school import School, Term
from domain.teacher import Teacher
from infra.settings import Settings
from projections.findings import Compliance

ADMIN = Actor("bench-admin", "school_admin")
BURSAR = Actor("bench-bursar", "bursar")
MONTH = date(2026, 9, 1)
DISTRICT = "Bench"


def school_days(count: int) -> list[date]:
    days, day = [], MONTH
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def build_school(
    system: System,
    code: str,
    *,
    teachers: int,
    courses: int,
    students: int,
    days: int,
    district: str = DISTRICT,
) -> None:
    bus = system.bus
    bus.handle(c.RegisterSchool(district, code, f"School {code}"), ADMIN)
    school = School.id_for(code)
    bus.handle(
        c.OpenTerm(school, "T", MONTH, date(2027, 1, 15), 36000, 36000, 80), ADMIN
    )
    term = Term.id_for(school, "T")
    for t in range(teachers):
        bus.handle(c.RegisterTeacher(school, f"T{t}", "staff", 5000, MONTH), ADMIN)
    plans = []
    for n in range(courses):
        teacher = Teacher.id_for(school, f"T{n % teachers}")
        category = "homework" if n % 3 == 0 else "arts"
        bus.handle(c.OpenCourse(term, f"C{n}", "Course", category, 40, teacher), ADMIN)
        roster = tuple(f"{code}-{n}-{s}" for s in range(students))
        plans.append((Course.id_for(term, f"C{n}"), teacher, roster))
    enrolments = [
        c.Enrol(course, s, MONTH) for course, _, roster in plans for s in roster
    ]
    bus.handle(c.EnrolMany(tuple(enrolments)), ADMIN)
    for day in school_days(days):
        sessions = tuple(
            c.DeliverSession(
                course, term, day, time(15, 30), time(17, 30), teacher, roster
            )
            for course, teacher, roster in plans
        )
        bus.handle(c.DeliverSessions(sessions), ADMIN)


def fold(system: System, school) -> None:
    """The school's books read afresh from the log, as a new process would."""
    with Bookkeeper(system.funds).open(school):
        pass


def timed(action) -> float:
    started = perf_counter()
    action()
    return (perf_counter() - started) * 1000


def run(quick: bool) -> list[Result]:
    settings = Settings(pool_size=4, aggregate_cache=5000)
    system = bootstrap(settings, database=fresh_database())
    try:
        return _payroll(system, quick) + _compliance(system, quick)
    finally:
        system.close()


def _payroll(system: System, quick: bool) -> list[Result]:
    courses, days = (46, 22) if quick else (182, 22)
    build_school(
        system,
        "BIG",
        teachers=100,
        courses=courses,
        students=5,
        days=days,
        district="Payroll",
    )
    system.projector.catch_up()
    school = School.id_for("BIG")
    end = MONTH.replace(day=30)
    with system.bus.bookkeeper.open(school) as books:
        sessions = len(books.unsettled(end))
    read = min(timed(lambda: fold(system, school)) for _ in range(3))
    draft = timed(lambda: system.bus.handle(c.DraftPayroll(school, MONTH), BURSAR))
    assert system.funds.get(PayrollRun.id_for(school, MONTH)).items
    return [
        Result(
            f"payroll.draft.{sessions}_sessions_100_teachers",
            draft,
            "ms",
            "folding the school's books from the log",
            read,
        )
    ]


def _compliance(system: System, quick: bool) -> list[Result]:
    schools = 10 if quick else 50
    for n in range(schools):
        build_school(system, f"D{n:02d}", teachers=6, courses=6, students=20, days=40)
    system.projector.catch_up()
    ids = system.queries.schools_in(DISTRICT)
    compliance = Compliance(system.queries)
    scan = SQL(
        "SELECT count(*), sum(cardinality(present)) FROM service_sessions"
        " WHERE school_id = ANY(%s)"
    )
    compliance.findings(ids, today=date(2026, 11, 1))
    query = min(
        timed(lambda: compliance.findings(ids, today=date(2026, 11, 1)))
        for _ in range(5)
    )
    raw = min(timed(lambda: system.queries.rows(scan, (list(ids),))) for _ in range(5))
    return [
        Result(
            f"compliance.district.{len(ids)}_schools",
            query,
            "ms",
            "one scan of the same sessions",
            raw,
        )
    ]
