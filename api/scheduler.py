"""What runs unattended, inside `fundledger serve` or as `fundledger
scheduler`: every few minutes a watch round, each night the nightly run.

The watch checks the chain from its checkpoint, the read models, the funds
and the refunds, and alerts on what is new. The nightly run settles what time
settles (families' silence confirms sessions, disputes nobody acted on in
time lapse), checks the chain, signs a digest and keeps a copy away from the
database, and reconciles the bank statements imported since. Every run is a
row of ``scheduled_runs`` (``GET /v1/audit/runs``). Several processes may run
a scheduler: a run takes a lock first, and a night's run is done once."""

import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError

from api.bootstrap import System
from application import commands as c
from domain.course import BEIJING
from domain.facts import Actor
from infra.alerts import Alert, AlertLog, Notifier, Recipients, raise_alerts
from infra.digests import PRIVATE_KEY, Digest, load_signing_key, make_digest
from infra.runs import RunLog
from projections import confirmations
from projections.alarms import KINDS, alarms
from projections.matching import reconcile

log = structlog.get_logger("scheduler")
WATCH, NIGHTLY = "watch", "nightly"
_LOCKS = {WATCH: 0x5EA1_0101, NIGHTLY: 0x5EA1_0102}


class Scheduler:
    def __init__(
        self,
        system: System,
        notifier: Notifier,
        sign: Callable[[], Digest] | None = None,
    ) -> None:
        self.system, self.notifier, self.sign = system, notifier, sign
        settings = system.settings
        self.base_url, self.copy_to = settings.public_url, settings.digest_copy_to
        self.alerts = AlertLog(system.database.conninfo)
        self.runs = RunLog(system.database.conninfo)

    def watch(self) -> dict:
        """One round: what is wrong now, and the alerts for what is new."""
        system = self.system
        found: list[Alert] = []
        verdict = system.verified.advance()
        if not verdict.intact:
            found.append(tampering(verdict, self.base_url))
        for name, failure in system.projector.failures().items():
            found.append(read_model_failed(name, failure, self.base_url))
        today = system.funds.clock().astimezone(BEIJING).date()
        found += alarms(system.queries, today, self.base_url)
        kinds = ("tampering", "read-model-failed", *KINDS)
        sent = raise_alerts(self.alerts, self.notifier, found, kinds)
        return {
            "verified_up_to": verdict.position if verdict.intact else None,
            "intact": verdict.intact,
            "findings": len(found),
            "alerts_sent": sent,
        }

    def nightly(self) -> dict:
        """What time settles, the chain from its checkpoint, a signed digest
        kept in a second place, and each newly imported statement reconciled."""
        settled = settle_by_time(self.system)
        verdict = self.system.verified.advance()
        outcome: dict = {"intact": verdict.intact, "message": verdict.message}
        outcome["settled"] = settled
        if verdict.intact and self.sign:
            digest = self.sign()
            outcome["digest"] = {
                "position": digest.position,
                "size": digest.size,
                "merkle_root": digest.merkle_root,
                "kept": self.keep(digest),
            }
        found = [
            (school, statement, statement_summary(self.system, school, statement))
            for school, statement in self.runs.unreconciled()
        ]
        self.runs.reconciled(found)
        outcome["statements"] = [summary for _, _, summary in found]
        return outcome

    def keep(self, digest: Digest) -> list[str]:
        """Saved under FUNDLEDGER_HOME and in the second place, if one is set."""
        name = f"digest-{digest.position}.json"
        places = [self.system.settings.home / "digests"]
        if self.copy_to and not self.copy_to.startswith(("http://", "https://")):
            places.append(Path(self.copy_to))
        kept = []
        for folder in places:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(digest.to_json())
            kept.append(str(folder / name))
        if self.copy_to and self.copy_to.startswith(("http://", "https://")):
            request = urllib.request.Request(
                self.copy_to,
                data=digest.to_json().encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10):
                kept.append(self.copy_to)
        return kept

    def run(self, job: str, *, if_due: bool = False) -> dict | None:
        """Runs a job under its lock and records it; None if another process
        is running it (or, ``if_due``, ran it today already)."""
        with psycopg.connect(self.system.database.conninfo, autocommit=True) as lock:
            taken = lock.execute("SELECT pg_try_advisory_lock(%s)", (_LOCKS[job],))
            if not taken.fetchone()[0]:
                return None
            started = self.system.funds.clock()
            if if_due and not self.due(started):
                return None
            try:
                outcome, ok = (self.watch if job == WATCH else self.nightly)(), True
            except Exception as error:  # recorded and logged; the loop goes on
                log.exception("scheduled run failed", job=job)
                outcome, ok = {"error": f"{type(error).__name__}: {error}"}, False
            self.runs.record(job, started, ok, outcome)
            return outcome

    def due(self, now: datetime) -> bool:
        """Whether tonight's run is due: past the hour, and not done today."""
        local = now.astimezone(BEIJING)
        if local.time() < self.system.settings.nightly_at:
            return False
        last = self.runs.last_ok(NIGHTLY)
        return last is None or last.astimezone(BEIJING).date() < local.date()

    def run_forever(self, stop: threading.Event) -> None:
        """Several processes may run this: the locks make each round once."""
        every = self.system.settings.watch_every
        while not stop.is_set():
            try:
                self.run(WATCH)
                self.run(NIGHTLY, if_due=True)
            except (psycopg.Error, PersistenceError) as error:
                log.warning("the scheduler lost the database", error=str(error))
            stop.wait(every)


SCHEDULER = Actor("scheduler", "system")
SETTLED_PER_SAVE = 200  # courses or disputes saved in one transaction


def settle_by_time(system: System) -> dict:
    """Confirms by silence and lapses disputes as of today. The read models
    only name the courses and disputes to look at; each decides on its own
    events, so a read model behind leaves work for the next night, never
    wrong work."""
    today = system.funds.clock().astimezone(BEIJING).date()
    courses = confirmations.courses_awaiting(system.queries, today)
    disputes = confirmations.disputes_due(system.queries, today)
    position = None
    for n in range(0, max(len(courses), len(disputes)), SETTLED_PER_SAVE):
        part = slice(n, n + SETTLED_PER_SAVE)
        settle = c.SettleByTime(tuple(courses[part]), tuple(disputes[part]))
        position = system.bus.handle(settle, SCHEDULER)
    return {"courses": len(courses), "disputes": len(disputes), "position": position}


def scheduler_for(system: System) -> Scheduler:
    """Alerts to the addresses in the settings; digests signed with the key in
    the keys folder, if there is one (without it, the night signs nothing)."""
    settings = system.settings
    to = Recipients(
        webhooks=tuple(settings.alert_webhooks),
        emails=tuple(settings.alert_emails),
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        sender=settings.smtp_from,
    )
    folder = settings.keys_dir
    secret = settings.key_passphrase

    def sign() -> Digest:
        passphrase = secret.get_secret_value() if secret else None
        key = load_signing_key(folder, passphrase)
        return make_digest(system.verified, key, datetime.now(UTC))

    signs = folder is not None and (folder / PRIVATE_KEY).exists()
    return Scheduler(system, Notifier(to), sign if signs else None)


def tampering(verdict, base_url: str) -> Alert:
    return Alert(
        key=f"tampering:{verdict.position}",
        kind="tampering",
        title=f"账本被篡改 Tampering found at log position {verdict.position}",
        detail=verdict.message,
        link=f"{base_url}/v1/audit/verify",
    )


def read_model_failed(name: str, failure: dict, base_url: str) -> Alert:
    return Alert(
        key=f"read-model-failed:{name}:{failure['position']}",
        kind="read-model-failed",
        title=f"读模型停止 Read model {name} stopped at position {failure['position']}",
        detail=failure["error"],
        link=f"{base_url}/health/ready",
    )


def statement_summary(system: System, school: UUID, statement: UUID) -> dict:
    found = reconcile(system.queries, school, statement)
    return {
        "school_id": str(school),
        "statement": str(statement),
        "statement_id": found.statement_id,
        "matched": len(found.matched),
        "unmatched_lines": len(found.unmatched_lines),
        "unmatched_movements": len(found.unmatched_movements),
        "difference": found.difference,
    }
