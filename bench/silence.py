"""A city's weekly confirmation wave: every share of a week of sessions
confirmed by the families' silence in one run of `fundledger settle` (what
the nightly run does), as shares released per second and the run's peak
memory, next to a raw COPY of as many rows of a share's size."""

from datetime import date, time, timedelta
from time import perf_counter
from uuid import uuid4

import psycopg

from api.bootstrap import bootstrap
from application import commands as c
from bench.common import Result, fresh_database
from bench.scale import command
from domain.course import Course
from domain.facts import Actor
from domain.school import School, Term
from domain.teacher import Teacher
from infra.settings import Settings
from samples.pingcheng import SimulatedClock

ADMIN = Actor("bench-admin", "school_admin")
MONDAY = date(2026, 9, 7)
PER_SAVE = 200  # sessions or enrolments in one bulk command


def shape(quick: bool) -> tuple[int, int, int]:
    """Courses, students in each, sessions of each in the week's wave."""
    return (40, 25, 5) if quick else (4000, 50, 5)


def run(quick: bool) -> list[Result]:
    courses, students, sessions = shape(quick)
    database = fresh_database()
    clock = SimulatedClock()
    clock.set(MONDAY, 8)
    settings = Settings(pool_size=2, aggregate_cache=10_000, sole_writer=True)
    system = bootstrap(settings, database=database, clock=clock)
    try:
        course_ids = set_up(system, clock, courses, students)
        deliver(system, clock, course_ids, students, sessions)
        system.projector.catch_up()
        shares = courses * students * sessions
    finally:
        system.close()
    seconds, peak = command(database, "settle")
    with psycopg.connect(database.conninfo) as conn:
        released = conn.execute(
            "SELECT count(*) FROM funds_events WHERE topic LIKE '%SilenceElapsed'"
        ).fetchone()[0]
    if released != courses:
        raise RuntimeError(f"silence confirmed {released} courses of {courses}")
    return [
        Result(
            f"silence.{shares}_shares_released",
            shares / seconds,
            "shares/s",
            "raw COPY of as many rows of a share's size",
            raw_copy_rate(database.conninfo, shares),
        ),
        Result(
            f"silence.{shares}_shares_peak_memory",
            peak,
            "MiB",
            "the process at rest (its interpreter and imports)",
            resting_memory(database),
        ),
    ]


def set_up(system, clock, courses: int, students: int) -> list:
    school = School.id_for("BENCH-1")
    term = Term.id_for(school, "T")
    teacher = Teacher.id_for(school, "t")
    steps = [
        c.RegisterSchool("Bench", "BENCH-1", "Bench school"),
        c.OpenTerm(school, "T", date(2026, 9, 1), date(2027, 1, 15), 36000, 36000, 80),
        c.RegisterTeacher(school, "t", "staff", 5000, date(2026, 9, 1)),
    ]
    codes = [f"C{n:05d}" for n in range(courses)]
    steps += [
        c.OpenCourse(term, code, "Course", "arts", students, teacher) for code in codes
    ]
    system.bus.handle(c.SetUp(tuple(steps)), ADMIN)
    ids = [Course.id_for(term, code) for code in codes]
    enrolments = [
        c.Enrol(course, f"{course.hex[:8]}-{n:02d}", MONDAY)
        for course in ids
        for n in range(students)
    ]
    for n in range(0, len(enrolments), PER_SAVE):
        system.bus.handle(c.EnrolMany(tuple(enrolments[n : n + PER_SAVE])), ADMIN)
    return ids


def deliver(system, clock, course_ids, students: int, sessions: int) -> None:
    """Monday to Friday, every student present at every session."""
    teacher = Teacher.id_for(School.id_for("BENCH-1"), "t")
    for n in range(sessions):
        day = MONDAY + timedelta(days=n)
        clock.set(day, 18)
        batch = [
            c.DeliverSession(
                course,
                None,
                day,
                time(15, 30),
                time(17, 30),
                teacher,
                tuple(f"{course.hex[:8]}-{k:02d}" for k in range(students)),
            )
            for course in course_ids
        ]
        for k in range(0, len(batch), PER_SAVE):
            system.bus.handle(c.DeliverSessions(tuple(batch[k : k + PER_SAVE])), ADMIN)


def raw_copy_rate(conninfo: str, rows: int) -> float:
    """Rows/s of COPY into a plain table, each row a share: course, student,
    day, amount."""
    course, day = uuid4(), MONDAY
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "CREATE TABLE raw_shares (course_id uuid, student_id text, day date,"
            " amount bigint)"
        )
        started = perf_counter()
        with conn.cursor().copy("COPY raw_shares FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "text", "date", "int8"])
            for n in range(rows):
                copy.write_row((course, f"{course.hex[:8]}-{n % 50:02d}", day, 450))
        conn.commit()
        seconds = perf_counter() - started
        conn.execute("DROP TABLE raw_shares")
        conn.commit()
    return rows / seconds


def resting_memory(database) -> float:
    """The same command once nothing is left to settle: what the process
    needs at all."""
    system = bootstrap(Settings(pool_size=2), database=database)
    try:
        system.projector.catch_up()
    finally:
        system.close()
    return command(database, "settle")[1]


if __name__ == "__main__":  # a single run, for measuring by hand
    for result in run(quick=False):
        print(result)
