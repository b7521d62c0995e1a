"""Console sessions: a random id in an HttpOnly cookie names a row here.

The row holds only the id's SHA-256 and the token it stands for (by token
id, never the token): revoking the token ends its sessions too.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from infra.database import SCHEMA_LOCK
from infra.tokens import Grant, digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS console_sessions (
    session_hash text PRIMARY KEY,
    token_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX IF NOT EXISTS console_sessions_token ON console_sessions (token_id)
"""
SESSION_LIFE = timedelta(hours=12)

_GRANT = """
    SELECT t.token_id, t.subject, t.role, t.district, t.schools, t.city, t.province
    FROM console_sessions s JOIN api_tokens t USING (token_id)
    WHERE s.session_hash = %s AND s.ended_at IS NULL AND s.expires_at > now()
      AND t.revoked_at IS NULL
"""


def csrf_for(secret: str) -> str:
    """The form token that goes with a cookie: whoever cannot read the cookie
    cannot write it."""
    return hmac.new(secret.encode(), b"csrf", hashlib.sha256).hexdigest()


def csrf_matches(secret: str | None, sent: str | None) -> bool:
    return bool(secret and sent) and hmac.compare_digest(csrf_for(secret), sent)


class SessionStore:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        with datastore.transaction(commit=True) as curs:
            curs.execute(SCHEMA_LOCK)
            curs.execute(SCHEMA)

    def open(self, token_id: UUID) -> str:
        """A new session for the token; the id is returned once, for the cookie."""
        session = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO console_sessions (session_hash, token_id, created_at,"
                " expires_at) VALUES (%s, %s, %s, %s)",
                (digest(session), token_id, now, now + SESSION_LIFE),
            )
        return session

    def grant(self, session: str) -> Grant | None:
        """Whom a live session speaks for; None once ended, expired or revoked."""
        with self.datastore.cursor() as curs:
            curs.execute(_GRANT, (digest(session),))
            row = curs.fetchone()
        return None if row is None else Grant.of(row)

    def end(self, session: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE console_sessions SET ended_at = now()"
                " WHERE session_hash = %s AND ended_at IS NULL",
                (digest(session),),
            )
