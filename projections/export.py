"""The national after-school platform's data, for one term of one school or of
a whole district: one file per record kind, each with its schema, and a
manifest with every file's row count and SHA-256.

Students appear only by their pseudonymous ids. Money is a decimal string in
yuan; dates are ISO 8601; times HH:MM.
"""

import csv
import hashlib
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg.rows import tuple_row
from psycopg.sql import SQL

from domain.money import format_fen
from projections.queries import Queries


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Kind:
    description: str
    fields: tuple[Field, ...]
    query: SQL


def f(name: str, type_: str, description: str) -> Field:
    return Field(name, type_, description)


_TERM_COURSES = """
    SELECT c.* FROM courses c JOIN terms t ON t.term_id = c.term_id
    WHERE c.school_id = ANY(%(schools)s) AND t.code = %(term)s
"""

KINDS: dict[str, Kind] = {
    "classes": Kind(
        "after-school classes (courses) of the term",
        (
            f("class_id", "uuid", "the class"),
            f("school", "string", "school code"),
            f("code", "string", "class code within the term"),
            f("name", "string", "class name"),
            f("category", "string", "one of the eight content categories"),
            f("capacity", "integer", "places"),
            f("teacher_id", "uuid", "assigned teacher"),
            f("fee", "yuan", "fee per term"),
            f("planned_sessions", "integer", "sessions planned in the term"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT c.course_id, s.code, c.code, c.name, c.category, c.capacity,
                   c.teacher_id, c.fee, c.planned_sessions
            FROM c JOIN schools s ON s.school_id = c.school_id
            ORDER BY s.code, c.code
        """),
    ),
    "students": Kind(
        "students enrolled in the term, by pseudonymous id only",
        (
            f("student_id", "string", "pseudonymous id"),
            f("school", "string", "school code"),
            f("exempt", "boolean", "fee waived in every class"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT e.student_id, s.code, bool_and(e.waived)
            FROM enrolments e JOIN c ON c.course_id = e.course_id
            JOIN schools s ON s.school_id = e.school_id
            GROUP BY e.student_id, s.code ORDER BY s.code, e.student_id
        """),
    ),
    "teachers": Kind(
        "teachers and external instructors of the schools",
        (
            f("teacher_id", "uuid", "the teacher"),
            f("school", "string", "school code"),
            f("code", "string", "teacher code within the school"),
            f("kind", "string", "staff or external"),
            f("rate", "yuan", "current rate per session"),
        ),
        SQL("""
            SELECT t.teacher_id, s.code, t.code, t.kind, t.rate
            FROM teachers t JOIN schools s ON s.school_id = t.school_id
            WHERE t.school_id = ANY(%(schools)s) ORDER BY s.code, t.code
        """),
    ),
    "enrolments": Kind(
        "who is in which class, and the money of each enrolment",
        (
            f("class_id", "uuid", "the class"),
            f("student_id", "string", "pseudonymous id"),
            f("status", "string", "active or withdrawn"),
            f("waived", "boolean", "fee waived"),
            f("enrolled_on", "date", "enrolment date"),
            f("withdrawn_on", "date", "withdrawal date, if any"),
            f("charged", "yuan", "fee charged"),
            f("consumed", "yuan", "released by delivered sessions"),
            f("cancelled", "yuan", "credited back: leave, withdrawal, waiver"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT e.course_id, e.student_id, e.status, e.waived, e.enrolled_on,
                   e.withdrawn_on, coalesce(m.charged, 0), coalesce(m.consumed, 0),
                   coalesce(m.cancelled, 0)
            FROM enrolments e JOIN c ON c.course_id = e.course_id
            LEFT JOIN LATERAL (
                SELECT h.charged, h.consumed, h.cancelled FROM holder_figures h
                WHERE h.school_id = e.school_id AND h.student_id = e.student_id
                  AND h.course_id = e.course_id
            ) m ON true
            ORDER BY e.course_id, e.student_id
        """),
    ),
    "payments": Kind(
        "fee payments of the term's students into the supervised account",
        (
            f("payment_id", "uuid", "the payment"),
            f("school", "string", "school code"),
            f("student_id", "string", "pseudonymous id"),
            f("amount", "yuan", "amount received"),
            f("channel", "string", "payment channel"),
            f("reference", "string", "the channel's reference"),
            f("received_on", "date", "day received"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT p.payment_id, s.code, p.student_id, p.amount, p.channel,
                   p.reference, p.received_on
            FROM payments p JOIN schools s ON s.school_id = p.school_id
            WHERE p.school_id = ANY(%(schools)s) AND EXISTS (
                SELECT 1 FROM enrolments e JOIN c ON c.course_id = e.course_id
                WHERE e.school_id = p.school_id AND e.student_id = p.student_id)
            ORDER BY p.position
        """),
    ),
    "refunds": Kind(
        "refunds to the term's families",
        (
            f("refund_id", "uuid", "the refund"),
            f("school", "string", "school code"),
            f("student_id", "string", "pseudonymous id"),
            f("amount", "yuan", "amount"),
            f("status", "string", "requested, approved or paid"),
            f("requested_on", "date", "day asked for"),
            f("paid_on", "date", "day paid, if paid"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT r.refund_id, s.code, r.student_id, r.amount, r.status,
                   r.requested_on, r.paid_on
            FROM refunds r JOIN schools s ON s.school_id = r.school_id
            WHERE r.school_id = ANY(%(schools)s) AND EXISTS (
                SELECT 1 FROM enrolments e JOIN c ON c.course_id = e.course_id
                WHERE e.school_id = r.school_id AND e.student_id = r.student_id)
            ORDER BY s.code, r.requested_on, r.refund_id
        """),
    ),
    "sessions": Kind(
        "delivered sessions (corrections applied)",
        (
            f("session_id", "uuid", "the session"),
            f("class_id", "uuid", "the class"),
            f("day", "date", "day delivered"),
            f("starts", "time", "teacher check-in"),
            f("ends", "time", "teacher check-out"),
            f("teacher_id", "uuid", "who taught it"),
            f("present", "integer", "students present"),
            f("absent", "integer", "students absent"),
            f("on_leave", "integer", "students on approved leave"),
            f("backfilled_days", "integer", "days between the session and its record"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT s.session_id, s.course_id, s.day, s.starts, s.ends, s.teacher_id,
                   cardinality(s.present), cardinality(s.absent),
                   cardinality(s.on_leave), s.delay_days
            FROM service_sessions s JOIN c ON c.course_id = s.course_id
            WHERE NOT s.reversed ORDER BY s.day, s.course_id
        """),
    ),
    "teacher_attendance": Kind(
        "each teacher's check-in and check-out per session",
        (
            f("session_id", "uuid", "the session"),
            f("teacher_id", "uuid", "the teacher"),
            f("day", "date", "day"),
            f("check_in", "time", "check-in"),
            f("check_out", "time", "check-out"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT s.session_id, s.teacher_id, s.day, s.starts, s.ends
            FROM service_sessions s JOIN c ON c.course_id = s.course_id
            WHERE NOT s.reversed ORDER BY s.day, s.course_id
        """),
    ),
    "student_attendance": Kind(
        "each enrolled student's mark per session",
        (
            f("session_id", "uuid", "the session"),
            f("student_id", "string", "pseudonymous id"),
            f("day", "date", "day"),
            f("status", "string", "present, absent or on_leave"),
        ),
        SQL(f"""
            WITH c AS ({_TERM_COURSES})
            SELECT s.session_id, m.student_id, s.day, m.status
            FROM service_sessions s JOIN c ON c.course_id = s.course_id
            CROSS JOIN LATERAL (
                SELECT unnest(s.present) AS student_id, 'present' AS status
                UNION ALL SELECT unnest(s.absent), 'absent'
                UNION ALL SELECT unnest(s.on_leave), 'on_leave'
            ) m
            WHERE NOT s.reversed ORDER BY s.day, s.course_id, m.student_id
        """),
    ),
}


def _plain(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "yuan":
        return format_fen(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, UUID | date):
        return str(value)
    return value


def _records(queries: Queries, kind: Kind, params: dict) -> Iterator[list[Any]]:
    """Rows streamed from the server, so a city's term fits in little memory."""
    with queries.datastore.get_connection() as conn:
        curs = conn.cursor(row_factory=tuple_row)
        for row in curs.stream(kind.query, params):
            yield [_plain(v, fld.type) for v, fld in zip(row, kind.fields, strict=True)]


def export(
    queries: Queries, *, term: str, schools: Collection[UUID], fmt: str, out: Path
) -> dict[str, Any]:
    """Writes one file per kind into ``out`` and returns the manifest."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"format is jsonl or csv, not {fmt}")
    out.mkdir(parents=True, exist_ok=True)
    params = {"schools": list(schools), "term": term}
    files = []
    for name, kind in KINDS.items():
        path = out / f"{name}.{fmt}"
        names = [fld.name for fld in kind.fields]
        rows = 0
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle) if fmt == "csv" else None
            if writer:
                writer.writerow(names)
            for values in _records(queries, kind, params):
                if writer:
                    writer.writerow(["" if v is None else v for v in values])
                else:
                    record = dict(zip(names, values, strict=True))
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                rows += 1
        files.append(
            {
                "file": path.name,
                "kind": name,
                "description": kind.description,
                "rows": rows,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "schema": [fld.__dict__ for fld in kind.fields],
            }
        )
    manifest = {"term": term, "format": fmt, "files": files}
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False)
    )
    return manifest
