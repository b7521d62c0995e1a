"""Processes killed at random while clients write over HTTP: an API worker,
the projection process and the embedded PostgreSQL's postmaster, several
times each. Every write the service acknowledged is in the log exactly once,
a request sent again is recognised and writes nothing, the chain verifies,
and the read models are what a rebuild makes of the log."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import psutil
import psycopg
import pytest

from domain.school import School
from infra.database import (
    Database,
    Embedded,
    Postmaster,
    ensure_database,
    start_embedded,
    stop_server,
)
from infra.tokens import Role
from tests.conftest import make_system
from tests.e2e.conftest import free_port
from tests.integration.test_projections import dump

CLI = [sys.executable, "-c", "from api.cli import main; main()"]
SEED = 2026
KINDS = ("api worker", "projection process", "postmaster")
EACH = 3  # faults of each kind
WRITERS, STUDENTS = 2, 6  # clients writing at once; the families each writes for
RECOVERS_WITHIN = 30.0  # seconds after a fault until writes succeed again
DISTRICT, SCHOOL = "Faults", "FX-1"
SCHOOL_ID = School.id_for(SCHOOL)
FEE = "300.00"


@dataclass
class Write:
    """A request sent with its key until the service answers it."""

    kind: str
    path: str
    body: dict | None
    key: str
    attempts: int = 0
    answer: dict = field(default_factory=dict)


@dataclass
class Client:
    base_url: str
    tokens: dict[str, str]
    written: list[Write] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)

    def http(self, who: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def send(self, http: httpx.Client, write: Write) -> dict:
        write.answer = self.answered(http, write)
        self.written.append(write)
        return write.answer

    @staticmethod
    def answered(http: httpx.Client, write: Write) -> dict:
        """Sends until answered; a refusal other than "try again" fails."""
        deadline = time.monotonic() + RECOVERS_WITHIN
        while True:
            write.attempts += 1
            headers = {"Idempotency-Key": write.key}
            try:
                answer = http.post(write.path, json=write.body, headers=headers)
            except httpx.TransportError:  # the worker died with the request
                answer = None
            if answer is not None and not try_again(answer):
                assert answer.status_code in (200, 201), answer.text
                return answer.json()
            assert time.monotonic() < deadline, f"{write.path} not answered"
            time.sleep(0.05)


def try_again(answer: httpx.Response) -> bool:
    """What the API answers when sending the same request again is the cure:
    busy, down, or the school's books changed while it decided."""
    if answer.status_code == 409:
        return answer.json()["type"].endswith("/books-changed")
    return answer.status_code in (429, 503)


def school_days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        if day.weekday() < 5 and not (date(2026, 10, 1) <= day <= date(2026, 10, 8)):
            yield day
        day += timedelta(days=1)


def paying(student: str, amount: str, reference: str) -> Write:
    body = {"student_id": student, "amount": amount, "channel": "wechat",
            "reference": reference, "received_on": "2026-09-01"}  # fmt: skip
    return Write("payment", f"/v1/schools/{SCHOOL_ID}/payments", body, reference)


def refunding(student: str, reference: str) -> Write:
    body = {"student_id": student, "amount": "1.00", "reason": "overpaid",
            "reference": reference}  # fmt: skip
    return Write("refund", f"/v1/schools/{SCHOOL_ID}/refunds", body, reference)


def approving(refund: str) -> Write:
    return Write("approval", f"/v1/refunds/{refund}/approval", None, f"A-{refund}")


def delivering(course: tuple, day: date) -> Write:
    course_id, teacher, students = course
    body = {"day": str(day), "starts": "15:30", "ends": "17:30",
            "teacher_id": teacher, "present": students, "absent": []}  # fmt: skip
    path = f"/v1/courses/{course_id}/sessions"
    return Write("session", path, body, f"S-{course_id}-{day}")


def set_up(client: Client) -> list[tuple[str, str, list[str]]]:
    """A school, its term, and per writer a course and teacher whose families
    have paid the fee; each writer's payments from now on are credit."""
    with client.http("admin") as admin, client.http("bursar") as bursar:

        def post(kind: str, path: str, body: dict) -> str:
            return client.send(admin, Write(kind, path, body, uuid4().hex))["id"]

        post(
            "school",
            "/v1/schools",
            {"district": DISTRICT, "code": SCHOOL, "name": "Fault Road Primary"},
        )
        term = post("term", f"/v1/schools/{SCHOOL_ID}/terms", {
            "code": "T", "starts": "2026-09-01", "ends": "2027-01-15",
            "fee_per_term": FEE, "fee_cap": FEE, "planned_sessions": 80,
        })  # fmt: skip
        courses = []
        for writer in range(WRITERS):
            teacher = post("teacher", f"/v1/schools/{SCHOOL_ID}/teachers",
                           {"code": f"t{writer}", "kind": "staff", "rate": "50.00",
                            "since": "2026-09-01"})  # fmt: skip
            course = post("course", f"/v1/terms/{term}/courses", {
                "code": f"C{writer}", "name": f"Chess {writer}", "category": "science",
                "capacity": 50, "teacher_id": teacher,
            })  # fmt: skip
            students = [f"FX-{writer}-S{n}" for n in range(STUDENTS)]
            for student in students:
                post("enrolment", f"/v1/courses/{course}/enrolments",
                     {"student_id": student, "on": "2026-09-01"})  # fmt: skip
                client.send(bursar, paying(student, FEE, f"FEE-{student}"))
            courses.append((course, teacher, students))
    return courses


def keep_writing(
    client: Client, writer: int, course: tuple, stop: threading.Event
) -> None:
    try:
        write_until_stopped(client, writer, course, stop)
    except BaseException as failure:  # told to the test, not lost in the thread
        client.failures.append(failure)
        raise


def write_until_stopped(
    client: Client, writer: int, course: tuple, stop: threading.Event
) -> None:
    """Payments, refunds of part of the credit they make, their approvals by
    a second bursar, and now and then a delivered session."""
    days = school_days(date(2026, 9, 1), date(2026, 11, 30))
    with (
        client.http("admin") as admin,
        client.http("bursar") as bursar,
        client.http("approver") as approver,
    ):
        n = 0
        while not stop.is_set():
            student, tag = course[2][n % STUDENTS], f"W{writer}-{n}"
            client.send(bursar, paying(student, "10.00", f"P-{tag}"))
            refund = client.send(bursar, refunding(student, f"R-{tag}"))["id"]
            client.send(approver, approving(refund))
            if n % 3 == 0 and (day := next(days, None)):
                client.send(admin, delivering(course, day))
            n += 1


class Service:
    """`fundledger serve` with two API workers, and `fundledger project`
    restarted whenever it dies, as a service manager would."""

    def __init__(self, home: Path, port: int):
        self.pgdata = (home / "pgdata").resolve()
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env = env | {"FUNDLEDGER_HOME": str(home), "FUNDLEDGER_PORT": str(port)}
        self.base_url = f"http://127.0.0.1:{port}"
        serve = ["serve", "--workers", "2", "--no-projections", "--no-scheduler"]
        self.server = self.start(serve)
        self.projector = self.start(["project"])

    def start(self, command: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            [*CLI, *command], env=self.env, stderr=subprocess.DEVNULL
        )

    def workers(self) -> list[psutil.Process]:
        workers = []
        for child in psutil.Process(self.server.pid).children():
            with suppress(psutil.Error):  # ended, or a zombie not yet reaped
                if "spawn_main" in " ".join(child.cmdline()):
                    workers.append(child)
        return workers

    def kill(self, kind: str, rng: random.Random) -> None:
        if kind == "api worker":
            os.kill(rng.choice(self.workers()).pid, signal.SIGKILL)
        elif kind == "projection process":
            self.projector.kill()
            self.projector.wait()
            self.projector = self.start(["project"])
        else:
            postmaster = Postmaster.of(self.pgdata)
            assert postmaster is not None and postmaster.alive()
            os.kill(postmaster.pid, signal.SIGKILL)

    def wait_until_ready(self) -> None:
        """Until both workers serve and the database answers."""
        deadline = time.monotonic() + RECOVERS_WITHIN
        while len(self.workers()) < 2 or not self.answers():
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.1)

    def wait_until_projected(self, head: int) -> None:
        deadline = time.monotonic() + RECOVERS_WITHIN
        while httpx.get(f"{self.base_url}/health").json().get("position") != head:
            assert time.monotonic() < deadline, "the read models did not catch up"
            time.sleep(0.1)

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/health/live").status_code == 200 and (
                httpx.get(f"{self.base_url}/health").status_code == 200
            )
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        for process in (self.projector, self.server):
            process.send_signal(signal.SIGTERM)
        for process in (self.projector, self.server):
            process.wait(60)


@pytest.fixture
def service(tmp_path) -> Iterator[tuple[Service, Database, Client]]:
    home = tmp_path / "home"
    pgdata = (home / "pgdata").resolve()
    database = ensure_database(start_embedded(pgdata), "fundledger")
    grants = {
        "admin": (Role.SCHOOL_ADMIN, DISTRICT),
        "bursar": (Role.BURSAR, None),
        "approver": (Role.BURSAR, None),
    }
    system = make_system(database)
    tokens = {
        who: system.tokens.create(
            subject=who, role=role, district=district, schools=(SCHOOL,)
        )[1]
        for who, (role, district) in grants.items()
    }
    system.close()
    service = Service(home, free_port())
    try:
        service.wait_until_ready()
        yield service, database, Client(service.base_url, tokens)
    finally:
        if service.server.poll() is None or service.projector.poll() is None:
            service.stop()
        # whatever server runs now: the service restarted it, and processes
        # killed while using it never said they were done with it
        Embedded(pgdata).release()
        stop_server(pgdata)


def log_head(database: Database) -> int:
    with psycopg.connect(database.conninfo) as conn:
        query = "SELECT coalesce(max(notification_id), 0) FROM funds_events"
        return conn.execute(query).fetchone()[0]


def test_killed_workers_projections_and_postmaster_lose_and_double_nothing(
    service, capsys
):
    service, database, client = service
    courses = set_up(client)
    stop = threading.Event()
    writers = [
        threading.Thread(target=keep_writing, args=(client, n, course, stop))
        for n, course in enumerate(courses)
    ]
    for writer in writers:
        writer.start()

    rng, faults = random.Random(SEED), Counter()
    try:
        for kind in rng.sample(KINDS * EACH, len(KINDS) * EACH):
            time.sleep(rng.uniform(0.5, 2.5))
            service.kill(kind, rng)
            faults[kind] += 1
            service.wait_until_ready()
        time.sleep(1.0)  # writes after the last recovery too
    finally:
        stop.set()
        for writer in writers:
            writer.join(RECOVERS_WITHIN * 2)
    assert client.failures == [], client.failures
    assert not any(writer.is_alive() for writer in writers)
    written = list(client.written)
    head = log_head(database)
    assert head == max(w.answer["position"] for w in written)

    again = resend_everything(client, written)
    assert again == {"sent": len(written), "same answer": len(written)}
    assert log_head(database) == head, "a request sent again wrote something"

    service.wait_until_projected(head)
    service.stop()
    Embedded(service.pgdata).revive()  # the last process to use it stopped it
    system = make_system(database)
    try:
        projected = dump(system)  # as the projection processes left it
        system.projector.rebuild()
        assert dump(system) == projected
        verdict = system.verified.verify_whole()
        assert verdict.intact and verdict.position == head, verdict.message
    finally:
        system.close()

    lost, doubled = compare_with_the_log(database, written)
    assert (lost, doubled) == (0, 0)
    kinds = Counter(w.kind for w in written)
    assert kinds["payment"] >= 20 and kinds["session"] >= 5
    with capsys.disabled():
        print(
            "\nfault injection:",
            {
                "writes acknowledged": len(written),
                "by kind": dict(sorted(kinds.items())),
                "sent more than once": sum(w.attempts > 1 for w in written),
                "sent again afterwards, same answer": again["same answer"],
                "faults injected": dict(sorted(faults.items())),
                "lost": lost,
                "doubled": doubled,
            },
        )


def resend_everything(client: Client, written: list[Write]) -> dict[str, int]:
    """Every acknowledged request, sent again with its key by its sender."""
    senders = {"approval": "approver", "session": "admin", "school": "admin",
               "term": "admin", "teacher": "admin", "course": "admin",
               "enrolment": "admin"}  # fmt: skip
    outcome = Counter()
    clients = {who: client.http(who) for who in ("admin", "bursar", "approver")}
    try:
        for write in written:
            http = clients[senders.get(write.kind, "bursar")]
            answer = client.answered(http, replace(write))
            outcome["sent"] += 1
            outcome["same answer"] += answer == write.answer
    finally:
        for http in clients.values():
            http.close()
    return dict(outcome)


def compare_with_the_log(database: Database, written: list[Write]) -> tuple[int, int]:
    """Writes acknowledged and missing from the log or read models; writes
    there more than once, or there and never acknowledged."""
    with psycopg.connect(database.conninfo) as conn:
        rows = {
            "payment": "SELECT reference FROM payments WHERE school_id = %s",
            "refund": "SELECT reference FROM refunds WHERE school_id = %s"
            " AND status = 'approved'",
            "session": "SELECT course_id || ':' || day FROM service_sessions"
            " WHERE school_id = %s",
        }
        found = Counter(
            (kind, str(value))
            for kind, query in rows.items()
            for (value,) in conn.execute(query, (SCHOOL_ID,))
        )
        events = Counter(
            str(originator)
            for (originator,) in conn.execute(
                "SELECT originator_id FROM funds_events WHERE originator_id = ANY(%s)",
                ([w.answer["id"] for w in written if w.kind in ("payment", "refund")],),
            )
        )
    expected = Counter(identity(write) for write in written if write.kind in rows)
    lost = sum((expected - found).values())
    doubled = sum((found - expected).values())
    for write in written:
        if write.kind == "payment":  # received, once
            lost += events[write.answer["id"]] < 1
            doubled += events[write.answer["id"]] > 1
        elif write.kind == "refund":  # requested and approved
            lost += events[write.answer["id"]] < 2
            doubled += events[write.answer["id"]] > 2
    return lost, doubled


def identity(write: Write) -> tuple[str, str]:
    if write.kind == "session":
        course = write.path.split("/")[3]
        return "session", f"{course}:{write.body['day']}"
    return write.kind, write.body["reference"]
