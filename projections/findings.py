"""Service compliance: what the regulator checks, one SQL rule per finding kind,
each finding naming the sessions, courses, enrolments or payments behind it.

The period checked for missing service runs from the term's start to its
last recorded service day, so a term in progress is not blamed for days still
to come.
"""

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain.figures import CHARGED, CONSUMED, PAID
from domain.money import format_fen as yuan
from projections.figures import column, rows_of
from projections.queries import Queries, Snapshot

EXTERNAL_PREPAID_CAP = 500_000  # ¥5,000
EXTERNAL_PREPAID_HOURS = 60
EXTERNAL_PREPAID_DAYS = 91  # three months


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    school_id: UUID
    school_code: str
    subject: str
    detail: str
    evidence: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceDay:
    school_id: UUID
    day: date
    sessions: int
    first_start: time
    last_end: time
    service_minutes: int
    homework: bool
    categories: list[str]


def evidence(kind: str, ids: list[Any]) -> list[dict[str, str]]:
    return [{"kind": kind, "id": str(i)} for i in ids]


RULES: dict[str, tuple[str, SQL]] = {
    "ends-before-off-work": (
        "medium",
        SQL("""
        WITH k AS MATERIALIZED (
            SELECT c.course_id, c.school_id, c.code, t.earliest_end
            FROM courses c JOIN terms t ON t.term_id = c.term_id
            WHERE c.school_id = ANY(%(schools)s)
        )
        SELECT k.school_id, k.code, k.earliest_end, count(*) AS n,
               min(s.ends) AS ends, array_agg(s.session_id ORDER BY s.day) AS ids
        FROM service_sessions s JOIN k ON k.course_id = s.course_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND s.ends < k.earliest_end
        GROUP BY k.school_id, k.course_id, k.code, k.earliest_end
        """),
    ),
    "service-too-short": (
        "medium",
        SQL("""
        WITH k AS MATERIALIZED (
            SELECT c.course_id, c.school_id, c.code, t.min_minutes,
                   make_interval(mins => t.min_minutes) AS shortest
            FROM courses c JOIN terms t ON t.term_id = c.term_id
            WHERE c.school_id = ANY(%(schools)s)
        )
        SELECT k.school_id, k.code, k.min_minutes, count(*) AS n,
               min(extract(epoch FROM s.ends - s.starts) / 60)::int AS minutes,
               array_agg(s.session_id ORDER BY s.day) AS ids
        FROM service_sessions s JOIN k ON k.course_id = s.course_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND s.ends - s.starts < k.shortest
        GROUP BY k.school_id, k.course_id, k.code, k.min_minutes
        """),
    ),
    "day-without-service": (
        "medium",
        SQL("""
        WITH span AS (
            SELECT t.school_id, t.starts, least(t.ends, last.day) AS until,
                   t.closed_days
            FROM terms t CROSS JOIN LATERAL (
                SELECT max(s.day) AS day FROM service_sessions s
                WHERE s.school_id = t.school_id AND NOT s.reversed
                  AND s.day BETWEEN t.starts AND t.ends
            ) last
            WHERE t.school_id = ANY(%(schools)s)
        )
        SELECT span.school_id, d::date AS day
        FROM span
        CROSS JOIN generate_series(span.starts, span.until, interval '1 day') d
        LEFT JOIN LATERAL (
            SELECT true AS served FROM service_sessions s
            WHERE s.school_id = span.school_id AND s.day = d::date AND NOT s.reversed
            LIMIT 1
        ) x ON true
        WHERE extract(isodow FROM d) < 6 AND NOT d::date = ANY(span.closed_days)
          AND x.served IS NULL
        ORDER BY 1, 2
        """),
    ),
    "week-without-homework-guidance": (
        "low",
        SQL("""
        WITH weeks AS MATERIALIZED (
            SELECT DISTINCT t.school_id, w::date AS week
            FROM terms t CROSS JOIN LATERAL (
                SELECT max(s.day) AS day FROM service_sessions s
                WHERE s.school_id = t.school_id AND NOT s.reversed
                  AND s.day BETWEEN t.starts AND t.ends
            ) last
            CROSS JOIN generate_series(
                date_trunc('week', t.starts), last.day, interval '7 days') w
            LEFT JOIN LATERAL (
                SELECT true AS given FROM service_sessions s
                JOIN courses c ON c.course_id = s.course_id
                WHERE s.school_id = t.school_id AND NOT s.reversed
                  AND s.day BETWEEN w::date AND w::date + 6
                  AND c.category = 'homework'
                LIMIT 1
            ) homework ON true
            WHERE t.school_id = ANY(%(schools)s) AND homework.given IS NULL
        )
        SELECT w.school_id, w.week, x.ids
        FROM weeks w CROSS JOIN LATERAL (
            SELECT array_agg(s.session_id ORDER BY s.day) AS ids
            FROM service_sessions s
            WHERE s.school_id = w.school_id AND NOT s.reversed
              AND s.day BETWEEN w.week AND w.week + 6
        ) x
        WHERE x.ids IS NOT NULL
        """),
    ),
    "over-capacity": (
        "high",
        SQL("""
        SELECT c.school_id, c.code, c.capacity, s.day, cardinality(s.present) AS n,
               ARRAY[s.session_id] AS ids
        FROM service_sessions s JOIN courses c ON c.course_id = s.course_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND c.school_id = ANY(%(schools)s)
          AND cardinality(s.present) > c.capacity
        """),
    ),
    "fee-over-cap": (
        "high",
        SQL("""
        SELECT c.school_id, c.code, c.course_id, c.fee, t.fee_cap,
               array_remove(array_agg(e.student_id), NULL) AS students
        FROM courses c
        JOIN terms t ON t.term_id = c.term_id
        LEFT JOIN enrolments e ON e.course_id = c.course_id AND NOT e.waived
        WHERE c.school_id = ANY(%(schools)s) AND c.fee > t.fee_cap
        GROUP BY c.school_id, c.code, c.course_id, c.fee, t.fee_cap
        """),
    ),
    "prepaid-beyond-term": (
        "high",
        SQL(f"""
        WITH over AS (
            SELECT x.school_id, x.student_id, x.charged AS total FROM (
                SELECT school_id, student_id, {column(PAID)}, {column(CHARGED)}
                FROM ledger_balances
                WHERE school_id = ANY(%(schools)s) AND {rows_of(PAID, CHARGED)}
                GROUP BY school_id, student_id
            ) x
            WHERE x.paid > x.charged AND NOT EXISTS (
                SELECT 1 FROM enrolments e
                WHERE e.school_id = x.school_id AND e.student_id = x.student_id
                  AND e.waived)
        )
        SELECT over.school_id, over.student_id, p.payment_id, p.to_date, over.total
        FROM over CROSS JOIN LATERAL (
            SELECT q.payment_id,
                   sum(q.amount) OVER (ORDER BY q.position) AS to_date
            FROM payments q
            WHERE q.school_id = over.school_id AND q.student_id = over.student_id
        ) p
        WHERE p.to_date > over.total
        """),
    ),
    "prepaid-over-external-cap": (
        "high",
        SQL(f"""
        WITH external AS MATERIALIZED (
            SELECT e.school_id, e.student_id, e.course_id, c.code,
                   least(%(cap)s,
                         c.fee * %(hours)s * 60
                             / (c.planned_sessions * t.min_minutes),
                         c.fee * %(days)s / (t.ends - t.starts + 1)) AS cap
            FROM enrolments e
            JOIN courses c ON c.course_id = e.course_id
            JOIN terms t ON t.term_id = c.term_id
            JOIN teachers k ON k.teacher_id = c.teacher_id AND k.kind = 'external'
            WHERE e.school_id = ANY(%(schools)s) AND NOT e.waived
              AND c.school_id = ANY(%(schools)s) AND k.school_id = ANY(%(schools)s)
        ), paid AS MATERIALIZED (
            SELECT x.school_id, x.student_id, x.course_id, x.code, x.cap,
                   p.payment_id, p.position, p.to_date
            FROM external x CROSS JOIN LATERAL (
                SELECT q.payment_id, q.position,
                       sum(a.amount) OVER (ORDER BY q.position) AS to_date
                FROM payment_allocations a
                JOIN payments q ON q.payment_id = a.payment_id
                WHERE a.school_id = x.school_id AND a.student_id = x.student_id
                  AND a.course_id = x.course_id
            ) p
            WHERE p.to_date > x.cap
        )
        SELECT paid.school_id, paid.student_id, paid.code, paid.cap,
               paid.payment_id, paid.to_date - used.consumed AS prepaid
        FROM paid CROSS JOIN LATERAL (
            SELECT {column(CONSUMED)} FROM ledger_lines
            WHERE school_id = paid.school_id
              AND account = 'unearned:' || paid.student_id || '/' || paid.course_id
              AND position <= paid.position
        ) used
        WHERE paid.to_date - used.consumed > paid.cap
        """),
    ),
    "exempt-family-charged": (
        "high",
        SQL("""
        WITH exempt AS MATERIALIZED (
            SELECT w.school_id, w.student_id, array_agg(w.course_id) AS courses
            FROM enrolments w
            WHERE w.school_id = ANY(%(schools)s) AND w.waived
              AND NOT EXISTS (
                  SELECT 1 FROM enrolments e
                  WHERE e.school_id = w.school_id AND e.student_id = w.student_id
                    AND NOT e.waived)
            GROUP BY w.school_id, w.student_id
        )
        SELECT p.school_id, p.student_id, p.payment_id, p.amount, x.courses
        FROM exempt x JOIN payments p
          ON p.school_id = x.school_id AND p.student_id = x.student_id
        WHERE p.school_id = ANY(%(schools)s)
        """),
    ),
    "refund-late": (
        "high",
        SQL("""
        WITH withdrawn AS MATERIALIZED (
            SELECT e.school_id, e.student_id, e.course_id, e.withdrawn_on,
                   e.withdrawn_on + t.refund_deadline_days AS due,
                   (SELECT h.credit FROM holder_figures h
                    WHERE h.school_id = e.school_id AND h.student_id = e.student_id
                      AND h.course_id = e.course_id) AS credit
            FROM enrolments e
            JOIN courses c ON c.course_id = e.course_id
            JOIN terms t ON t.term_id = c.term_id
            WHERE e.school_id = ANY(%(schools)s) AND e.withdrawn_on IS NOT NULL
        )
        SELECT w.school_id, w.student_id, w.course_id, w.withdrawn_on, w.due,
               r.refund_id, r.paid_on, w.credit
        FROM withdrawn w
        LEFT JOIN LATERAL (
            SELECT refund_id, paid_on FROM refunds r
            WHERE r.school_id = w.school_id AND r.student_id = w.student_id
              AND r.requested_on >= w.withdrawn_on AND r.status = 'paid'
            ORDER BY paid_on LIMIT 1
        ) r ON true
        WHERE r.paid_on > w.due
           OR (r.refund_id IS NULL AND %(today)s > w.due AND w.credit > 0)
        """),
    ),
}


def _describe(rule: str, r: dict[str, Any]) -> tuple[str, str, list[dict[str, str]]]:
    """Subject, detail and evidence of one rule's row."""
    match rule:
        case "ends-before-off-work":
            return (
                f"course {r['code']}",
                f"{r['n']} session(s) ended before {r['earliest_end']:%H:%M}, "
                f"as early as {r['ends']:%H:%M}",
                evidence("session", r["ids"]),
            )
        case "service-too-short":
            return (
                f"course {r['code']}",
                f"{r['n']} session(s) shorter than {r['min_minutes']} minutes, "
                f"as short as {r['minutes']}",
                evidence("session", r["ids"]),
            )
        case "day-without-service":
            return f"{r['day']}", "a school day without after-school service", []
        case "week-without-homework-guidance":
            return (
                f"week of {r['week']}",
                "no homework guidance in a week with service",
                evidence("session", r["ids"]),
            )
        case "over-capacity":
            return (
                f"course {r['code']} on {r['day']}",
                f"{r['n']} present for {r['capacity']} places",
                evidence("session", r["ids"]),
            )
        case "fee-over-cap":
            return (
                f"course {r['code']}",
                f"fee {yuan(r['fee'])} above the cap of {yuan(r['fee_cap'])}, "
                f"charged to {len(r['students'])} student(s)",
                evidence("course", [r["course_id"]])
                + evidence(
                    "enrolment", [f"{r['course_id']}/{s}" for s in r["students"]]
                ),
            )
        case "prepaid-beyond-term":
            return (
                f"student {r['student_id']}",
                f"paid {yuan(r['to_date'])}, more than the term's "
                f"{yuan(r['total'] or 0)}",
                evidence("payment", [r["payment_id"]]),
            )
        case "prepaid-over-external-cap":
            return (
                f"student {r['student_id']}",
                f"{yuan(r['prepaid'])} prepaid for external course {r['code']}, "
                f"above the cap of {yuan(r['cap'])}",
                evidence("payment", [r["payment_id"]]),
            )
        case "exempt-family-charged":
            return (
                f"student {r['student_id']}",
                f"an exempt family paid {yuan(r['amount'])}",
                evidence("payment", [r["payment_id"]])
                + evidence(
                    "enrolment", [f"{c}/{r['student_id']}" for c in r["courses"]]
                ),
            )
        case "refund-late":
            when = f"paid {r['paid_on']}" if r["paid_on"] else "not paid"
            return (
                f"student {r['student_id']}",
                f"withdrew {r['withdrawn_on']}, refund due by {r['due']}, {when}",
                evidence("enrolment", [f"{r['course_id']}/{r['student_id']}"])
                + evidence("refund", [r["refund_id"]] if r["refund_id"] else []),
            )
    raise ValueError(rule)


_DAYS = SQL("""
    SELECT s.school_id, s.day, count(*) AS sessions, min(s.starts) AS first_start,
           max(s.ends) AS last_end,
           (extract(epoch FROM max(s.ends) - min(s.starts)) / 60)::int
               AS service_minutes,
           bool_or(c.category = 'homework') AS homework,
           array_agg(DISTINCT c.category) AS categories
    FROM service_sessions s JOIN courses c ON c.course_id = s.course_id
    WHERE s.school_id = ANY(%s) AND NOT s.reversed
      AND (%s::date IS NULL OR s.day >= %s) AND (%s::date IS NULL OR s.day <= %s)
    GROUP BY s.school_id, s.day ORDER BY s.school_id, s.day
""")

_MIX = SQL("""
    SELECT c.category, count(*) AS sessions
    FROM service_sessions s JOIN courses c ON c.course_id = s.course_id
    WHERE s.school_id = ANY(%s) AND NOT s.reversed
    GROUP BY c.category ORDER BY c.category
""")

_CODES = SQL("SELECT school_id, code FROM schools WHERE school_id = ANY(%s)")


# The rules are independent statements: a few run at once, each on a pooled
# connection, so that PostgreSQL answers them on every core.
_AT_ONCE = ThreadPoolExecutor(max_workers=3, thread_name_prefix="compliance")


class Compliance:
    def __init__(self, queries: Queries) -> None:
        self.queries = queries

    def findings(
        self, schools: Collection[UUID], *, today: date, rules: Collection[str] = ()
    ) -> list[Finding]:
        ids = list(schools)
        # a snapshot's one connection reads one statement at a time
        each = map if isinstance(self.queries, Snapshot) else _AT_ONCE.map
        params = {
            "schools": ids,
            "today": today,
            "cap": EXTERNAL_PREPAID_CAP,
            "hours": EXTERNAL_PREPAID_HOURS,
            "days": EXTERNAL_PREPAID_DAYS,
        }
        chosen = [rule for rule in RULES if not rules or rule in rules]
        asked = [(_CODES, (ids,)), *((RULES[r][1], params) for r in chosen)]
        named, *answers = each(lambda q: self.queries.rows(*q), asked)
        codes = {r["school_id"]: r["code"] for r in named}
        found = []
        for rule, rows in zip(chosen, answers, strict=True):
            severity = RULES[rule][0]
            for row in rows:
                subject, detail, proof = _describe(rule, row)
                school = row["school_id"]
                found.append(
                    Finding(
                        rule, severity, school, codes[school], subject, detail, proof
                    )
                )
        return sorted(found, key=lambda f: (f.school_code, f.rule, f.subject))

    def days(
        self, schools: Collection[UUID], start: date | None, end: date | None
    ) -> list[ServiceDay]:
        rows = self.queries.rows(_DAYS, (list(schools), start, start, end, end))
        return [ServiceDay(**r) for r in rows]

    def category_mix(self, schools: Collection[UUID]) -> dict[str, int]:
        rows = self.queries.rows(_MIX, (list(schools),))
        return {r["category"]: r["sessions"] for r in rows}
