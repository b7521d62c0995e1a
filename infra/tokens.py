"""Bearer tokens: random and long, stored only as SHA-256 hashes."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
);
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS city text;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS province text;
CREATE TABLE IF NOT EXISTS login_codes (
    code_hash text PRIMARY KEY,
    school text NOT NULL,
    subject text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
)
"""
LOGIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing read two ways
LOGIN_LIFE = timedelta(hours=72)


class Role(StrEnum):
    REGULATOR = "regulator"
    AUDITOR = "auditor"
    BURSAR = "bursar"
    SCHOOL_ADMIN = "school_admin"
    GUARDIAN = "guardian"


@dataclass(frozen=True)
class Grant:
    """Who a token speaks for, and where: a district, or listed school codes
    (a school administrator's may also name the school's district), or for a
    regulator or auditor over the roll-up, a city or a province."""

    token_id: UUID
    subject: str
    role: Role
    district: str | None
    schools: tuple[str, ...]
    city: str | None = None
    province: str | None = None

    @classmethod
    def of(cls, row: dict) -> "Grant":
        """The grant of a row of api_tokens."""
        return cls(
            row["token_id"],
            row["subject"],
            Role(row["role"]),
            row["district"],
            tuple(row["schools"]),
            row["city"],
            row["province"],
        )

    @property
    def scope(self) -> str:
        """Where it reaches, as ``tokens list`` shows it."""
        if self.province or self.city:
            kind = "province" if self.province else "city"
            return f"{kind} {self.province or self.city}"
        return self.district or ", ".join(self.schools)


class ScopeError(ValueError):
    pass


def check_scope(
    role: Role,
    district: str | None,
    schools: tuple[str, ...],
    city: str | None = None,
    province: str | None = None,
) -> None:
    wide = [place for place in (city, province) if place]
    if wide and (role not in (Role.REGULATOR, Role.AUDITOR)):
        raise ScopeError("only regulator and auditor tokens are for a city or province")
    if wide and (len(wide) > 1 or district or schools):
        raise ScopeError(
            "a city or province token is for that one place: not with --district,"
            " --school or both --city and --province"
        )
    if wide:
        return
    match role:
        case Role.BURSAR if district or len(schools) != 1:
            raise ScopeError("a bursar token is for exactly one school (--school)")
        case Role.SCHOOL_ADMIN if len(schools) != 1:
            raise ScopeError(
                "a school_admin token is for exactly one school (--school), and "
                "to register that school, for its district (--district)"
            )
        case Role.REGULATOR if not district or schools:
            raise ScopeError(
                "a regulator token is for one district (--district), city (--city)"
                " or province (--province)"
            )
        case Role.GUARDIAN if district or len(schools) != 1:
            raise ScopeError(
                "a guardian token is for one school (--school), its subject the "
                "guardian's code in that school (--subject)"
            )
        case Role.AUDITOR if bool(district) == bool(schools):
            raise ScopeError(
                "an auditor token is for a district, listed schools, a city or a"
                " province"
            )


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
        city: str | None = None,
        province: str | None = None,
    ) -> tuple[Grant, str]:
        """Returns the grant and the token; the token is never stored or shown again."""
        check_scope(role, district, schools, city, province)
        grant = Grant(
            uuid4(), subject, Role(role), district, tuple(schools), city, province
        )
        with self.datastore.transaction(commit=True) as curs:
            return _insert(curs, grant)

    def issue_login_code(self, school: str, subject: str) -> tuple[str, datetime]:
        """A one-time code a school gives a guardian, who exchanges it for a
        token of their own; stored only as a hash, valid for three days."""
        code = "".join(secrets.choice(LOGIN_ALPHABET) for _ in range(10))
        now = datetime.now(UTC)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO login_codes (code_hash, school, subject, created_at,"
                " expires_at) VALUES (%s, %s, %s, %s, %s)",
                (digest(code), school, subject, now, now + LOGIN_LIFE),
            )
        return f"{code[:5]}-{code[5:]}", now + LOGIN_LIFE

    def redeem_login_code(self, code: str) -> tuple[Grant, str] | None:
        """The guardian token a code is exchanged for, once; None for a code
        unknown, used or expired."""
        plain = "".join(code.split("-")).upper()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE login_codes SET used_at = now() WHERE code_hash = %s"
                " AND used_at IS NULL AND expires_at > now()"
                " RETURNING school, subject",
                (digest(plain),),
            )
            row = curs.fetchone()
            if row is None:
                return None
            grant = Grant(
                uuid4(), row["subject"], Role.GUARDIAN, None, (row["school"],)
            )
            return _insert(curs, grant)

    def find(self, token: str) -> Grant | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT token_id, subject, role, district, schools, city, province"
                " FROM api_tokens WHERE token_hash = %s AND revoked_at IS NULL",
                (digest(token),),
            )
            row = curs.fetchone()
        return None if row is None else Grant.of(row)

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
                "SELECT token_id, subject, role, district, schools, city, province,"
                " created_at, revoked_at FROM api_tokens ORDER BY created_at"
            )
            return curs.fetchall()


def _insert(curs, grant: Grant) -> tuple[Grant, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    curs.execute(
        "INSERT INTO api_tokens (token_id, token_hash, subject, role, district,"
        " schools, city, province, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            grant.token_id,
            digest(token),
            grant.subject,
            grant.role.value,
            grant.district,
            list(grant.schools),
            grant.city,
            grant.province,
            datetime.now(UTC),
        ),
    )
    return grant, token
