"""Decisions that spend money, sent in pairs at the same instant to two API
processes: of two that together would overspend, exactly one goes through,
and afterwards no fund is uncovered and no family got back more than it was
owed."""

import os
import subprocess
import sys
import threading
from datetime import date, datetime, time
from time import monotonic, sleep
from uuid import uuid4

import httpx
import pytest

from application import commands as c
from domain.allocation import Allocation
from domain.course import BEIJING, Course
from domain.facts import Actor
from domain.payroll import PayrollRun
from domain.refund import Refund
from domain.school import School, Term
from domain.teacher import Teacher
from infra.database import ensure_database
from infra.tokens import Role
from projections import funds as f
from samples.pingcheng import SimulatedClock
from tests.conftest import make_system
from tests.e2e.conftest import free_port

PAIRS = 200
FEE, RATE = 4000, 2500  # a month's pay fits in the free cash, two months do not
SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)
ADMIN, BURSAR = Actor("admin", "school_admin"), Actor("bursar-1", "bursar")
APPROVER = Actor("bursar-2", "bursar")
SCHEDULER = Actor("scheduler", "system")


def school_term(code: str, fee: int, planned: int) -> tuple:
    school = School.id_for(code)
    term = Term.id_for(school, "T")
    teacher = Teacher.id_for(school, "t")
    steps = (
        c.RegisterSchool("Race", code, f"School {code}"),
        c.OpenTerm(school, "T", SEPTEMBER, date(2027, 1, 15), fee, fee, planned),
        c.RegisterTeacher(school, "t", "staff", RATE, SEPTEMBER),
        c.OpenCourse(term, "C", "Chess", "science", 300, teacher),
    )
    return school, Course.id_for(term, "C"), teacher, c.SetUp(steps)


def session(course, teacher, day: date) -> c.DeliverSession:
    return c.DeliverSession(
        course, None, day, time(15, 30), time(17, 30), teacher, ("s",)
    )


@pytest.fixture(scope="module")
def race(pg_server):
    """Two hundred schools with two approved payrolls each that their free cash
    pays one of, and one school with two hundred families owed their fee
    back; served by two API processes."""
    clock = SimulatedClock()
    database = ensure_database(pg_server, f"race_{uuid4().hex[:12]}")
    system = make_system(database, clock, pool_size=4)
    bus = system.bus
    clock.set(SEPTEMBER, 9)
    # both sessions of the term consumed, and confirmed by the families'
    # silence before the payrolls: nothing held, the fee is free cash
    schools = [school_term(f"R{n:03d}", FEE, 2) for n in range(PAIRS)]
    for *_, set_up in schools:
        bus.handle(set_up, ADMIN)
    bus.handle(
        c.EnrolMany(
            tuple(c.Enrol(course, "s", SEPTEMBER) for _, course, *_ in schools)
        ),
        ADMIN,
    )
    bus.handle(
        c.RecordPayments(
            tuple(
                c.RecordPayment(
                    school,
                    "s",
                    FEE,
                    "bank",
                    f"P-{n}",
                    SEPTEMBER,
                    (Allocation(course, FEE),),
                )
                for n, (school, course, *_) in enumerate(schools)
            )
        ),
        BURSAR,
    )
    for day in (date(2026, 9, 7), date(2026, 10, 7)):
        clock.set(day, 18)
        sessions = tuple(session(course, t, day) for _, course, t, _ in schools)
        bus.handle(c.DeliverSessions(sessions), ADMIN)
    clock.set(date(2026, 10, 31), 2)
    courses = tuple(course for _, course, *_ in schools)
    bus.handle(c.SettleByTime(courses), SCHEDULER)
    clock.set(date(2026, 10, 31), 19)
    for school, *_ in schools:
        for month in (SEPTEMBER, OCTOBER):
            bus.handle(c.DraftPayroll(school, month), BURSAR)
            bus.handle(c.ApprovePayroll(PayrollRun.id_for(school, month)), APPROVER)

    families, course, _, set_up = school_term("FAM", 36000, 10)
    bus.handle(set_up, ADMIN)
    students = [f"f{n:03d}" for n in range(PAIRS)]
    clock.set(SEPTEMBER, 9)
    bus.handle(
        c.EnrolMany(tuple(c.Enrol(course, s, SEPTEMBER) for s in students)), ADMIN
    )
    bus.handle(
        c.RecordPayments(
            tuple(
                c.RecordPayment(families, s, 36000, "bank", f"F-{s}", SEPTEMBER)
                for s in students
            )
        ),
        BURSAR,
    )
    clock.set(date(2026, 9, 2), 9)
    for s in students:
        bus.handle(c.Withdraw(course, s, date(2026, 9, 2)), ADMIN)

    tokens = {}
    for school in (*(f"R{n:03d}" for n in range(PAIRS)), "FAM"):
        for subject in ("bursar-1", "bursar-2"):
            _, tokens[(school, subject)] = system.tokens.create(
                subject=subject, role=Role.BURSAR, schools=(school,)
            )
    workers, ports = [], [free_port(), free_port()]
    cli = [sys.executable, "-c", "from api.cli import main; main()"]
    for port in ports:
        env = os.environ | {
            "DATABASE_URL": database.url,
            "FUNDLEDGER_PORT": str(port),
            "FUNDLEDGER_POOL_SIZE": "4",
        }
        workers.append(
            subprocess.Popen(
                [*cli, "serve", "--no-projections"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for base in bases:
        deadline = monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert monotonic() < deadline, "an API process did not start"
            sleep(0.1)
    try:
        yield system, schools, (families, course, students), tokens, bases
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
        system.close()


def at_once(bases, *requests) -> list[httpx.Response]:
    """Each request to its own API process, released at the same instant."""
    start, answers = threading.Barrier(len(requests)), [None] * len(requests)

    def send(n, token, path, body):
        with httpx.Client(base_url=bases[n], timeout=60) as client:
            start.wait()
            answers[n] = client.post(
                f"/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}
            )

    threads = [
        threading.Thread(target=send, args=(n, *request))
        for n, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def today() -> str:
    return datetime.now(BEIJING).date().isoformat()


def problem(answer: httpx.Response) -> str:
    return answer.json().get("type", "").rsplit("/", 1)[-1]


def test_two_payrolls_paid_at_once_never_spend_money_held_for_families(race):
    system, schools, _, tokens, bases = race
    outcomes = []
    for n, (school, *_) in enumerate(schools):
        code, teacher = f"R{n:03d}", Teacher.id_for(school, "t")
        pay = [
            (
                tokens[(code, "bursar-1")],
                f"/payroll/{PayrollRun.id_for(school, month)}/payment",
                {"bank_references": {str(teacher): f"PAY-{n}-{k}"}, "paid_on": today()},
            )
            for k, month in enumerate((SEPTEMBER, OCTOBER))
        ]
        answers = at_once(bases, *pay)
        outcomes.append(sorted((a.status_code, problem(a)) for a in answers))
        with system.bus.bookkeeper.open(school) as books:
            assert books.bank >= books.held, f"{code} was left uncovered"
    assert outcomes == [[(200, ""), (422, "fund-would-be-uncovered")]] * PAIRS


def test_two_requests_for_a_familys_whole_credit_at_once_grant_one(race):
    _, _, (families, _, students), tokens, bases = race
    outcomes = []
    for s in students:
        asks = [
            (
                tokens[("FAM", "bursar-1")],
                f"/schools/{families}/refunds",
                {
                    "student_id": s,
                    "amount": "360.00",
                    "reason": "left",
                    "reference": f"{s}-{k}",
                },
            )
            for k in range(2)
        ]
        outcomes.append(sorted(a.status_code for a in at_once(bases, *asks)))
    assert outcomes == [[201, 422]] * PAIRS


def test_a_refund_approved_twice_and_paid_twice_at_once_is_paid_once(race):
    system, _, (families, _, students), tokens, bases = race
    approvals, payments = [], []
    for s in students:
        requested = [Refund.id_for(families, f"{s}-{k}") for k in range(2)]
        refund = next(r for r in requested if system.funds.get(r) is not None)
        second = tokens[("FAM", "bursar-2")]
        answers = at_once(bases, *[(second, f"/refunds/{refund}/approval", None)] * 2)
        approvals.append(sorted(a.status_code for a in answers))
        pay = [
            (
                tokens[("FAM", "bursar-1")],
                f"/refunds/{refund}/payment",
                {"bank_reference": f"RF-{s}-{k}", "paid_on": today()},
            )
            for k in range(2)
        ]
        payments.append(sorted(a.status_code for a in at_once(bases, *pay)))
    # the second finds the refund approved (409), or its credit drawn (422)
    odd = [a for a in approvals if a[0] != 200 or a[1] not in (409, 422)]
    assert not odd, odd
    assert payments == [[200, 409]] * PAIRS

    system.projector.catch_up()
    for s in students:
        family = f.student_balance(system.queries, families, s).figures
        assert (family.refunded, family.refund_paid, family.credit) == (36000, 36000, 0)
    assert f.fund(system.queries, families).figures.covered
