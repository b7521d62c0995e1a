"""Telling people: each new finding goes once to the configured webhooks and
e-mail addresses, with a link to its evidence.

A finding is open from the round that first sees it until a round no longer
does; while open it is never sent twice, and if it comes back later it is
new again. A finding whose sending failed stays unsent and is tried again
next round, so an unreachable mail server loses nothing."""

import json
import smtplib
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from email.message import EmailMessage

import psycopg
import structlog
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

log = structlog.get_logger("alerts")

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id bigserial PRIMARY KEY,
    key text NOT NULL,
    kind text NOT NULL,
    school_id uuid,
    body jsonb NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    closed_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open ON alerts (key) WHERE closed_at IS NULL
"""


@dataclass(frozen=True)
class Alert:
    key: str  # the same finding has the same key in every round
    kind: str
    title: str
    detail: str
    link: str
    school_id: str | None = None


@dataclass(frozen=True)
class Recipients:
    webhooks: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "fundledger@localhost"


class Notifier:
    def __init__(self, to: Recipients, timeout: float = 10.0) -> None:
        self.to, self.timeout = to, timeout

    def send(self, alert: Alert) -> None:
        """Every recipient, or an exception naming the first that failed."""
        for url in self.to.webhooks:
            request = urllib.request.Request(
                url,
                data=json.dumps(asdict(alert), ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=self.timeout):
                pass
        if self.to.emails:
            message = EmailMessage()
            message["Subject"] = f"[fundledger] {alert.title}"
            message["From"] = self.to.sender
            message["To"] = ", ".join(self.to.emails)
            message.set_content(f"{alert.detail}\n\n证据 Evidence: {alert.link}\n")
            with smtplib.SMTP(
                self.to.smtp_host, self.to.smtp_port, timeout=self.timeout
            ) as smtp:
                smtp.send_message(message)


class AlertLog:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    def round(self, found: Iterable[Alert], kinds: Iterable[str]) -> list[Alert]:
        """Opens the findings not open yet, closes the open ones of ``kinds``
        no longer found, and answers every open finding not sent yet."""
        found = {alert.key: alert for alert in found}
        with psycopg.connect(self.conninfo) as conn:
            conn.execute(
                "UPDATE alerts SET closed_at = now() WHERE closed_at IS NULL"
                " AND kind = ANY(%s) AND NOT key = ANY(%s)",
                (list(kinds), list(found)),
            )
            for alert in found.values():
                conn.execute(
                    "INSERT INTO alerts (key, kind, school_id, body)"
                    " VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (key) WHERE closed_at IS NULL DO NOTHING",
                    (alert.key, alert.kind, alert.school_id, Jsonb(asdict(alert))),
                )
            rows = conn.execute(
                "SELECT body FROM alerts WHERE closed_at IS NULL AND sent_at IS NULL"
                " ORDER BY id"
            ).fetchall()
        return [Alert(**body) for (body,) in rows]

    def sent(self, alert: Alert) -> None:
        with psycopg.connect(self.conninfo) as conn:
            conn.execute(
                "UPDATE alerts SET sent_at = now()"
                " WHERE key = %s AND closed_at IS NULL",
                (alert.key,),
            )

    def listed(self, schools: Iterable, *, open_only: bool = True) -> list[dict]:
        """Alerts about the given schools, and those about no school."""
        with psycopg.connect(self.conninfo, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT id, kind, body, opened_at, sent_at, closed_at FROM alerts"
                " WHERE (school_id IS NULL OR school_id = ANY(%s))"
                " AND (closed_at IS NULL OR NOT %s) ORDER BY id DESC LIMIT 500",
                (list(schools), open_only),
            ).fetchall()


def raise_alerts(
    alerts: AlertLog, notifier: Notifier, found: Iterable[Alert], kinds: Iterable[str]
) -> int:
    """One round: what is new is sent; answers how many were sent."""
    count = 0
    for alert in alerts.round(found, kinds):
        try:
            notifier.send(alert)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("alert not sent", key=alert.key, error=str(error))
            continue
        alerts.sent(alert)
        count += 1
    return count
