"""The API under load: a payment POST and a student-balance GET at 1 and 8
concurrent clients, against a served app, next to the same work done directly
through the application layer; and refund approvals of one school by 1 and 8
clients at once, each deciding on the school's books; and registrations by 8
clients in an open window, next to that run's payment POST."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

import httpx

from api.bootstrap import System, bootstrap
from application import commands as c
from bench import loadgen
from bench.common import Result, fresh_database, percentile, timed
from domain.course import Course
from domain.facts import Actor
from domain.refund import Refund
from domain.school import School, Term
from domain.teacher import Teacher
from infra.settings import Settings
from infra.tokens import Role
from projections import funds as f
from samples.pingcheng import load_sample

SCHOOL = School.id_for("PC-101")
STUDENT = "PC-101-S001"
WORKERS = 2
WARM_UP = 50
Call = Callable[[int, int], object]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(system: System) -> tuple[list[subprocess.Popen], str]:
    """The API in one process and the projections in another, as deployed."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": system.database.url,
        "FUNDLEDGER_PORT": str(port),
        "FUNDLEDGER_POOL_SIZE": "10",
        # throughput is measured here, not the limits a token is held to
        "FUNDLEDGER_TOKEN_RATE": "1000000",
        "FUNDLEDGER_TOKEN_BURST": "1000000",
    }
    cli = [sys.executable, "-c", "from api.cli import main; main()"]
    processes = [
        subprocess.Popen(
            cli + command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for command in (["serve", "--workers", str(WORKERS)], ["project"])
    ]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return processes, base
        except httpx.TransportError:
            time.sleep(0.1)
    for process in processes:
        process.kill()
    raise RuntimeError("the API did not start")


def summary(latencies: list[float], elapsed: float) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 latency (ms)."""
    return (
        len(latencies) / elapsed,
        percentile(latencies, 50),
        percentile(latencies, 99),
    )


def load_http(
    clients: int, per_client: int, base: str, token: str, request: loadgen.Request
) -> tuple[float, float, float]:
    return summary(*loadgen.run(base, token, clients, per_client, request))


def load(clients: int, per_client: int, call: Call) -> tuple[float, float, float]:
    """The same through the application layer, one thread per client."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(client: int) -> None:
        mine = [timed(lambda n=n: call(client, n)) for n in range(per_client)]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return (
        len(latencies) / elapsed,
        percentile(latencies, 50),
        percentile(latencies, 99),
    )


def payment(tag: str, client: int, n: int) -> c.RecordPayment:
    return c.RecordPayment(
        SCHOOL, STUDENT, 100, "bench", f"{tag}-{client}-{n}", date(2026, 9, 2)
    )


def run(quick: bool) -> list[Result]:
    per_client = 50 if quick else 500
    system = bootstrap(Settings(pool_size=10), database=fresh_database())
    load_sample(system.bus)
    system.projector.catch_up()
    _, token = system.tokens.create(
        subject="bench-bursar", role=Role.BURSAR, schools=("PC-101",)
    )
    actor = Actor("bench-bursar", "bursar", frozenset({SCHOOL}))
    processes, base = serve(system)

    def post(client: int, n: int):
        p = payment(f"http{len(results)}", client, n)
        body = {
            "student_id": p.student_id,
            "amount": "1.00",
            "channel": p.channel,
            "reference": p.reference,
            "received_on": str(p.received_on),
        }
        return "POST", f"/v1/schools/{SCHOOL}/payments", body

    def get(client: int, n: int):
        return "GET", f"/v1/schools/{SCHOOL}/students/{STUDENT}/balance", None

    def direct_post(client: int, n: int) -> None:
        system.bus.handle(payment(f"app{len(results)}", client, n), actor)

    def direct_get(client: int, n: int) -> None:
        f.student_balance(system.queries, SCHOOL, STUDENT)

    results: list[Result] = []
    try:
        for label, over_http, directly in (
            ("payment_post", post, direct_post),
            ("balance_get", get, direct_get),
        ):
            load_http(2, WARM_UP, base, token, over_http)
            load(2, WARM_UP, directly)
            for clients in (1, 8):
                rps, p50, p99 = load_http(clients, per_client, base, token, over_http)
                base_rps, base_p50, base_p99 = load(clients, per_client, directly)
                name = f"api.{label}.c{clients}"
                results += [
                    Result(f"{name}.rps", rps, "req/s", "application layer", base_rps),
                    Result(f"{name}.p50", p50, "ms", "application layer", base_p50),
                    Result(f"{name}.p99", p99, "ms", "application layer", base_p99),
                ]
        results += decisions(system, base, quick)
        payment_rps = next(r.value for r in results if r.name.endswith("post.c8.rps"))
        results += registrations(system, base, quick, payment_rps)
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        system.close()
    return results


def decisions(system: System, base: str, quick: bool) -> list[Result]:
    """Refund approvals of one school: each reads the school's books and is
    saved only if nothing about the school was recorded meanwhile, so
    approvals sent at once take turns (a loser decides again)."""
    per_client = 25 if quick else 250
    refunds = ask_refunds(system, 9 * per_client)
    _, token = system.tokens.create(
        subject="bench-approver", role=Role.BURSAR, schools=("PC-101",)
    )
    figures, refused = {}, []
    for clients, mine in ((1, refunds[:per_client]), (8, refunds[per_client:])):

        def approve(client: int, n: int, mine=mine):
            refund = mine[client * per_client + n]
            return "POST", f"/v1/refunds/{refund}/approval", None

        figures[clients] = summary(
            *loadgen.run(base, token, clients, per_client, approve, refused)
        )
    (one_rps, _, one_p99), (rps, p50, p99) = figures[1], figures[8]
    name = "decision.refund_approval"
    return [
        Result(f"{name}.c1.rps", one_rps, "approvals/s", "-", 0),
        Result(f"{name}.c8.rps", rps, "approvals/s", "1 client", one_rps),
        Result(f"{name}.c8.p50", p50, "ms", "-", 0),
        Result(f"{name}.c8.p99", p99, "ms", "1 client p99", one_p99),
        Result(f"{name}.c8.refused", len(refused), "answers", "-", 0),
    ]


def ask_refunds(system: System, count: int) -> list:
    """Families of PC-101 pay ¥10.00 more than they owe and a bursar asks to
    refund it a fen at a time: ``count`` refunds waiting for approval."""
    # the sample's first eleven families of each course paid their whole fee
    families = [f"PC-101-S{i}{n:02d}" for i in range(6) for n in range(1, 12)]
    bursar = Actor("bench-bursar", "bursar", frozenset({SCHOOL}))
    extra = tuple(
        c.RecordPayment(SCHOOL, s, 1000, "bench", f"extra-{s}", date(2026, 9, 2))
        for s in families
    )
    system.bus.handle(c.RecordPayments(extra), bursar)
    refunds = []
    for n in range(count):
        reference = f"bench-refund-{n}"
        ask = c.RequestRefund(
            SCHOOL, families[n % len(families)], 1, "bench", reference
        )
        system.bus.handle(ask, bursar)
        refunds.append(Refund.id_for(SCHOOL, reference))
    return refunds


REGISTRATION_COURSES, SEATS = 24, 100


def registrations(
    system: System, base: str, quick: bool, payment_rps: float
) -> list[Result]:
    """Registration opening: 8 clients register distinct students into a
    term's courses (a seat and its fee charge, or a place on a full course's
    waiting list), each a decision on the course's register."""
    per_client = 50 if quick else 500
    term_id, courses = open_registration(system)
    _, token = system.tokens.create(
        subject="bench-registrar", role=Role.SCHOOL_ADMIN, schools=("PC-101",)
    )

    def register(client: int, n: int, tag: str = "r"):
        student = f"PC-101-{tag}{client}-{n}"
        course = courses[(client * per_client + n) % len(courses)]
        body = {"student_id": student, "course_id": str(course)}
        return "POST", f"/v1/terms/{term_id}/registrations", body

    loadgen.run(base, token, 2, WARM_UP, lambda c_, n: register(c_, n, "warm"))
    refused: list = []
    rps, p50, p99 = summary(*loadgen.run(base, token, 8, per_client, register, refused))
    name = "api.registration_post.c8"
    return [
        Result(f"{name}.rps", rps, "req/s", "payment POST c8, same run", payment_rps),
        Result(f"{name}.p50", p50, "ms", "-", 0),
        Result(f"{name}.p99", p99, "ms", "-", 0),
        Result(f"{name}.refused", len(refused), "answers", "-", 0),
    ]


def open_registration(system: System) -> tuple:
    """A spring term of PC-101 with its window open for the next hour."""
    admin = Actor("bench-admin", "school_admin", frozenset({SCHOOL}))
    term = c.OpenTerm(
        SCHOOL, "bench-spring", date(2027, 2, 22), date(2027, 7, 9), 36000, 36000, 80
    )
    system.bus.handle(term, admin)
    term_id = Term.id_for(SCHOOL, "bench-spring")
    teacher = Teacher.id_for(SCHOOL, "T01")
    steps = tuple(
        c.OpenCourse(term_id, f"R{n:02d}", f"Course {n}", "arts", SEATS, teacher)
        for n in range(REGISTRATION_COURSES)
    )
    system.bus.handle(c.SetUp(steps), admin)
    now = system.funds.clock()
    window = c.OpenRegistration(term_id, now, now + timedelta(hours=1))
    system.bus.handle(window, admin)
    courses = [Course.id_for(term_id, step.code) for step in steps]
    return term_id, courses
