"""Bearer tokens: random and long, stored only as SHA-256 hashes."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from eventsourcing.postgres import PostgresDatastore

from infra.database import SCHEMA_LOCK

PREFIX = "fl_"

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    subject text NOT NULL,
    role text NOT NULL,
    district text,
    schools text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
)
"""


class Role(StrEnum):
    REGULATOR = "regulator"
    AUDITOR = "auditor"
    BURSAR = "bursar"
    SCHOOL_ADMIN = "school_admin"
    GUARDIAN = "guardian"


@dataclass(frozen=True)
class Grant:
    """Who a token speaks for, and where: a district, or listed school codes
    (a school administrator's may also name the school's district)."""

    token_id: UUID
    subject: str
    role: Role
    district: str | None
    schools: tuple[str, ...]


class ScopeError(ValueError):
    pass


def check_scope(role: Role, district: str | None, schools: tuple[str, ...]) -> None:
    match role:
        case Role.BURSAR if district or len(schools) != 1:
            raise ScopeError("a bursar token is for exactly one school (--school)")
        case Role.SCHOOL_ADMIN if len(schools) != 1:
            raise ScopeError(
                "a school_admin token is for exactly one school (--school), and "
                "to register that school, for its district (--district)"
            )
        case Role.REGULATOR if not district or schools:
            raise ScopeError("a regulator token is for one district (--district)")
        case Role.GUARDIAN if district or len(schools) != 1:
            raise ScopeError(
                "a guardian token is for one school (--school), its subject the "
                "guardian's code in that school (--subject)"
            )
        case Role.AUDITOR if bool(district) == bool(schools):
            raise ScopeError("an auditor token is for a district or for listed schools")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        with datastore.transaction(commit=True) as curs:
            curs.execute(SCHEMA_LOCK)
            curs.execute(SCHEMA)

    def create(
        self,
        *,
        subject: str,
        role: Role,
        district: str | None = None,
        schools: tuple[str, ...] = (),
    ) -> tuple[Grant, str]:
        """Returns the grant and the token; the token is never stored or shown again."""
        check_scope(role, district, schools)
        token = PREFIX + secrets.token_urlsafe(32)
        grant = Grant(uuid4(), subject, Role(role), district, tuple(schools))
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO api_tokens (token_id, token_hash, subject, role, district,"
                " schools, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    grant.token_id,
                    digest(token),
                    subject,
                    grant.role.value,
                    district,
                    list(schools),
                    datetime.now(UTC),
                ),
            )
        return grant, token

    def find(self, token: str) -> Grant | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT token_id, subject, role, district, schools FROM api_tokens"
                " WHERE token_hash = %s AND revoked_at IS NULL",
                (digest(token),),
            )
            row = curs.fetchone()
        if row is None:
            return None
        return Grant(
            row["token_id"],
            row["subject"],
            Role(row["role"]),
            row["district"],
            tuple(row["schools"]),
        )

    def revoke(self, token_id: UUID) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE api_tokens SET revoked_at = %s"
                " WHERE token_id = %s AND revoked_at IS NULL",
                (datetime.now(UTC), token_id),
            )
            return curs.rowcount == 1

    def revoke_subjects(self, prefix: str) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE api_tokens SET revoked_at = %s"
                " WHERE subject LIKE %s AND revoked_at IS NULL",
                (datetime.now(UTC), prefix + "%"),
            )
            return curs.rowcount

    def list(self) -> list[dict]:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT token_id, subject, role, district, schools, created_at,"
                " revoked_at FROM api_tokens ORDER BY created_at"
            )
            return curs.fetchall()
