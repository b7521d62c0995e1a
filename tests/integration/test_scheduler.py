"""Unattended: the watch alerts once per new finding, by webhook and e-mail,
each with a link to its evidence; the nightly run signs a digest kept in a
second place and reconciles each new statement once. Mail goes to an SMTP
server the test runs, webhooks to an HTTP receiver it runs."""

import json
import socket
import threading
from datetime import date, datetime
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.scheduler import NIGHTLY, WATCH, Scheduler
from application import commands as c
from domain.course import BEIJING
from domain.facts import Stamp
from domain.payroll import PayrollRun
from domain.statements import write_statement_csv
from infra.alerts import Notifier, Recipients
from infra.digests import make_digest
from projections.matching import ledger_statement
from tests.builders import BURSAR, SECOND_BURSAR
from tests.conftest import make_system
from tests.integration.test_term_story import SEP, Story

SEPTEMBER = date(2026, 9, 1)
ACCOUNT = "CN0001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append(f"{message['Subject']}\n{message.get_content()}")
        return "250 OK"


@pytest.fixture
def mail():
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    yield server, inbox
    server.stop()


@pytest.fixture
def receiver():
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


@pytest.fixture
def unattended(database, clock, mail, receiver, tmp_path):
    (smtp, inbox), (url, received) = mail, receiver
    system = make_system(
        database,
        clock,
        home=tmp_path / "home",
        public_url="https://fund.example",
        digest_copy_to=str(tmp_path / "elsewhere"),
    )
    to = Recipients(
        webhooks=(f"{url}/alerts",),
        emails=("bureau@example.org",),
        smtp_host=smtp.hostname,
        smtp_port=smtp.port,
    )
    key = Ed25519PrivateKey.generate()

    def sign():
        return make_digest(system.verified, key, system.funds.clock())

    yield system, Scheduler(system, Notifier(to), sign), inbox, received
    system.close()


def paid_around_the_rules(story: Story, system) -> None:
    """A payroll paid out of families' money, saved around the check that
    refuses it (what a bug or a restored tampered backup would leave)."""
    story.do(c.RecordPayment(story.school, "a", 3000, "bank", "B-a", SEP[1]), BURSAR)
    story.deliver(SEP[1], "a")
    run = PayrollRun.id_for(story.school, SEPTEMBER)
    story.do(c.DraftPayroll(story.school, SEPTEMBER), BURSAR, SEP[30])
    story.do(c.ApprovePayroll(run), SECOND_BURSAR, SEP[30])
    payroll = system.funds.get(run)
    at = system.funds.clock()
    stamp = Stamp(BURSAR, at, at.astimezone(BEIJING).date())
    payroll.pay(bank_references={story.teacher: "PAY-1"}, free_cash=10**9, stamp=stamp)
    system.funds.save(payroll)
    system.projector.catch_up()


def test_an_uncovered_fund_is_told_once_by_webhook_and_mail(unattended, clock):
    system, scheduler, inbox, received = unattended
    story = Story(system, clock)
    story.set_up()
    system.projector.catch_up()
    assert scheduler.run(WATCH)["alerts_sent"] == 0
    paid_around_the_rules(story, system)

    outcome = scheduler.run(WATCH)
    assert outcome["alerts_sent"] == 1 and outcome["intact"]
    [(path, alert)] = received
    assert path == "/alerts" and alert["kind"] == "uncovered"
    assert alert["link"] == f"https://fund.example/v1/schools/{story.school}/fund"
    [message] = inbox.messages
    assert "A fund is uncovered" in message and alert["link"] in message

    assert scheduler.run(WATCH)["alerts_sent"] == 0  # still open: not again
    [listed] = system.alerts.listed([story.school])
    assert listed["sent_at"] is not None and listed["closed_at"] is None
    assert system.alerts.listed([uuid4()]) == []  # another school's auditor


def test_tampering_and_a_stopped_read_model_are_told(unattended, clock):
    system, scheduler, inbox, received = unattended
    story = Story(system, clock)
    story.set_up()
    system.projector.catch_up()
    scheduler.run(WATCH)
    story.do(c.RecordPayment(story.school, "a", 100, "bank", "LATER", SEP[9]), BURSAR)
    with psycopg.connect(system.database.conninfo, autocommit=True) as conn:
        conn.execute(
            "UPDATE funds_events SET state = set_byte(state, 3, get_byte(state, 3)"
            " # 1) WHERE notification_id = %s",
            (system.funds.head(),),
        )
    system.projector.catch_up()  # the edited event no longer reads: a failure
    outcome = scheduler.run(WATCH)
    assert not outcome["intact"]
    kinds = sorted(alert["kind"] for _, alert in received)
    assert "tampering" in kinds
    assert len(inbox.messages) == len(received)
    assert all(a["link"].startswith("https://fund.example/") for _, a in received)


def test_an_alert_that_could_not_be_sent_is_sent_next_round(unattended, clock):
    system, scheduler, inbox, _ = unattended
    story = Story(system, clock)
    story.set_up()
    unreachable = Recipients(emails=("x@example.org",), smtp_port=free_port())
    failing = Scheduler(system, Notifier(unreachable, timeout=2))
    paid_around_the_rules(story, system)
    assert failing.run(WATCH)["alerts_sent"] == 0
    assert scheduler.run(WATCH)["alerts_sent"] == 1
    assert len(inbox.messages) == 1


def test_the_night_signs_a_digest_kept_elsewhere_and_reconciles_once(
    unattended, clock, tmp_path
):
    system, scheduler, _, _ = unattended
    story = Story(system, clock)
    story.play()
    story.do(c.SetBankAccount(story.school, ACCOUNT), BURSAR)
    system.projector.catch_up()
    statement = ledger_statement(system.queries, story.school, ACCOUNT, SEP[1], SEP[30])
    content = write_statement_csv(statement).encode()
    story.do(c.ImportStatement(story.school, "csv", content), BURSAR, SEP[30])
    system.projector.catch_up()

    clock.set(date(2026, 10, 1), 1)  # 01:00 in Beijing: not yet
    assert not scheduler.due(system.funds.clock())
    clock.set(date(2026, 10, 1), 9)
    assert scheduler.due(system.funds.clock())
    night = scheduler.run(NIGHTLY)
    assert night["intact"] and night["digest"]["position"] == system.funds.head()
    kept = night["digest"]["kept"]
    assert any(str(tmp_path / "elsewhere") in place for place in kept)
    saved = json.loads(Path(kept[-1]).read_text())
    assert saved["merkle_root"] == night["digest"]["merkle_root"]
    [reconciled] = night["statements"]
    assert reconciled["difference"] == 0 and reconciled["unmatched_lines"] == 0

    assert not scheduler.due(system.funds.clock())  # done for today
    assert scheduler.run(NIGHTLY)["statements"] == []
    [latest, _] = system.runs.listed()[:2]
    assert latest["job"] == NIGHTLY and latest["ok"]
    assert isinstance(latest["started_at"], datetime)
