"""Fraud and error detection: one rule per pattern an auditor hunts for, each
a SQL query over the read models, each finding naming its evidence.

Rules (severity):
- ghost-student (high): a student marked present who was never enrolled, or
  enrolled, never present in five or more sessions, and never paid for.
- ghost-teacher (high): a teacher assigned to no course who is recorded as
  the actual teacher of five or more sessions, so is paid for them.
- identical-check-in-times (medium): a teacher whose check-in and check-out
  are the same to the second in all of ten or more sessions.
- non-school-day (high): a session on a weekend or on a day the term closed.
- backfilled-attendance (medium): a session recorded more than two days late.
- duplicate-payment (medium): one enrolment paid the same amount twice on one
  day under different references (a family paying two courses is not one).
- refund-owed-unpaid (high): a family that withdrew is still owed money and
  no refund was paid within the term's deadline.
- exempt-family-charged (high): a family exempt in all its courses that paid.
- rate-setter-approved-pay (high): someone approved a payroll that pays at a
  rate they set themselves.
- over-capacity (high): more enrolled, or present, than the course's places.
- released-without-session (high): money released to a course that has not
  delivered a single session.
- term-surplus-unreported (medium): a term that has ended with a surplus in
  its courses and no surplus report.
- low-teacher-satisfaction (medium): a teacher rated 4 or 5 by fewer than
  60 % of the families who rated a week of theirs, when five or more did.
- widely-disputed-course (medium): three or more disputes opened in one
  course within one ISO week, by families of 20 % or more of its enrolled
  students.

Several of these cannot happen through the application's own commands (it
refuses them); the rules are there for data that went around it.
"""

from collections.abc import Collection
from datetime import date
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain.course import BACKFILLED_AFTER_DAYS
from domain.figures import PAID
from domain.money import format_fen as yuan
from projections.figures import column, rows_of
from projections.findings import Finding, evidence
from projections.queries import Queries

GHOST_SESSIONS = 5
IDENTICAL_SESSIONS = 10
RATED_AT_LEAST, SATISFIED_SHARE = 5, 60  # ratings in a week; per cent 4 or 5
DISPUTED_AT_LEAST, DISPUTING_SHARE = 3, 20  # disputes in a week; per cent of roster

RULES: dict[str, tuple[str, SQL]] = {
    "ghost-student": (
        "high",
        SQL(f"""
        WITH paid AS MATERIALIZED (
            SELECT school_id, student_id, {column(PAID)} FROM ledger_balances
            WHERE school_id = ANY(%(schools)s) AND {rows_of(PAID)}
            GROUP BY school_id, student_id
        ), unpaid AS MATERIALIZED (
            SELECT e.school_id, e.student_id, e.course_id, e.enrolled_on
            FROM enrolments e
            LEFT JOIN paid p
              ON p.school_id = e.school_id AND p.student_id = e.student_id
            WHERE e.school_id = ANY(%(schools)s) AND e.status = 'active'
              AND coalesce(p.paid, 0) = 0
        )
        SELECT x.school_id, x.student_id, 'enrolled' AS how,
               ARRAY[x.course_id::text || '/' || x.student_id] AS ids
        FROM unpaid x
        WHERE (SELECT count(*) FROM service_sessions s
               WHERE s.course_id = x.course_id AND NOT s.reversed
                 AND s.day >= x.enrolled_on) >= %(ghost)s
          AND NOT EXISTS (
              SELECT 1 FROM service_sessions s
              WHERE s.course_id = x.course_id AND NOT s.reversed
                AND x.student_id = ANY(s.present))
        UNION ALL
        SELECT s.school_id, m.student_id, 'never enrolled',
               array_agg(s.session_id::text)
        FROM service_sessions s CROSS JOIN unnest(s.present) AS m(student_id)
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND NOT EXISTS (
              SELECT 1 FROM enrolments e
              WHERE e.course_id = s.course_id AND e.student_id = m.student_id)
        GROUP BY s.school_id, m.student_id
        """),
    ),
    "ghost-teacher": (
        "high",
        SQL("""
        SELECT t.school_id, t.code, count(*) AS n,
               array_agg(d.session_id::text ORDER BY d.day) AS ids
        FROM teachers t
        JOIN pay_deliveries d ON d.teacher_id = t.teacher_id AND NOT d.reversed
        WHERE t.school_id = ANY(%(schools)s)
          AND NOT EXISTS (SELECT 1 FROM courses c WHERE c.teacher_id = t.teacher_id)
        GROUP BY t.school_id, t.teacher_id, t.code
        HAVING count(*) >= %(ghost)s
        """),
    ),
    "identical-check-in-times": (
        "medium",
        SQL("""
        SELECT s.school_id, t.code, count(*) AS n, min(s.starts) AS starts,
               min(s.ends) AS ends, array_agg(s.session_id::text ORDER BY s.day) AS ids
        FROM service_sessions s JOIN teachers t ON t.teacher_id = s.teacher_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
        GROUP BY s.school_id, t.teacher_id, t.code
        HAVING count(*) >= %(identical)s AND count(DISTINCT (s.starts, s.ends)) = 1
        """),
    ),
    "non-school-day": (
        "high",
        SQL("""
        SELECT s.school_id, c.code, s.day, ARRAY[s.session_id::text] AS ids
        FROM service_sessions s
        JOIN courses c ON c.course_id = s.course_id
        JOIN terms t ON t.term_id = c.term_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND (extract(isodow FROM s.day) > 5 OR s.day = ANY(t.closed_days))
        """),
    ),
    "backfilled-attendance": (
        "medium",
        SQL("""
        SELECT s.school_id, c.code, s.day, s.delay_days,
               ARRAY[s.session_id::text] AS ids
        FROM service_sessions s JOIN courses c ON c.course_id = s.course_id
        WHERE s.school_id = ANY(%(schools)s) AND NOT s.reversed
          AND s.delay_days > %(backfilled)s
        """),
    ),
    "duplicate-payment": (
        "medium",
        SQL("""
        SELECT p.school_id, p.student_id, c.code, p.received_on AS day, a.amount,
               array_agg(p.payment_id::text ORDER BY p.position) AS ids
        FROM payment_allocations a
        JOIN payments p ON p.payment_id = a.payment_id
        JOIN courses c ON c.course_id = a.course_id
        WHERE a.school_id = ANY(%(schools)s) AND a.amount > 0
        GROUP BY p.school_id, p.student_id, c.code, a.course_id, p.received_on,
                 a.amount
        HAVING count(*) > 1
        """),
    ),
    "refund-owed-unpaid": (
        "high",
        SQL("""
        SELECT e.school_id, e.student_id, e.withdrawn_on,
               e.withdrawn_on + t.refund_deadline_days AS due,
               b.credit + b.refund_due AS credit,
               ARRAY[e.course_id::text || '/' || e.student_id] AS ids
        FROM enrolments e
        JOIN courses c ON c.course_id = e.course_id
        JOIN terms t ON t.term_id = c.term_id
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(h.credit), 0) AS credit,
                   coalesce(sum(h.refund_due), 0) AS refund_due
            FROM holder_figures h
            WHERE h.school_id = e.school_id AND h.student_id = e.student_id
              AND (h.course_id = e.course_id OR h.course_id IS NULL)
        ) b
        WHERE e.school_id = ANY(%(schools)s) AND e.withdrawn_on IS NOT NULL
          AND %(today)s > e.withdrawn_on + t.refund_deadline_days
          AND b.credit + b.refund_due > 0
          AND NOT EXISTS (
              SELECT 1 FROM refunds r
              WHERE r.school_id = e.school_id AND r.student_id = e.student_id
                AND r.status = 'paid'
                AND r.paid_on <= e.withdrawn_on + t.refund_deadline_days)
        """),
    ),
    "exempt-family-charged": (
        "high",
        SQL("""
        SELECT p.school_id, p.student_id, sum(p.amount) AS amount,
               array_agg(p.payment_id::text) AS ids
        FROM payments p
        WHERE p.school_id = ANY(%(schools)s)
          AND EXISTS (
              SELECT 1 FROM enrolments e
              WHERE e.school_id = p.school_id AND e.student_id = p.student_id)
          AND NOT EXISTS (
              SELECT 1 FROM enrolments e
              WHERE e.school_id = p.school_id AND e.student_id = p.student_id
                AND NOT e.waived)
        GROUP BY p.school_id, p.student_id
        """),
    ),
    "rate-setter-approved-pay": (
        "high",
        SQL("""
        SELECT a.school_id, a.payload->>'month' AS month, a.actor,
               ARRAY[a.position::text] AS ids
        FROM audit_events a
        WHERE a.type = 'PayrollRun.Approved' AND a.school_id = ANY(%(schools)s)
          AND EXISTS (
              SELECT 1 FROM audit_events r
              WHERE r.type IN ('Teacher.Registered', 'Teacher.RateChanged')
                AND r.actor = a.actor
                AND r.effective <= (a.payload->>'month')::date + interval '1 month'
                AND r.originator_id::text IN (
                    SELECT item->>'teacher_id'
                    FROM jsonb_array_elements(a.payload->'items') item))
        """),
    ),
    "over-capacity": (
        "high",
        SQL("""
        SELECT c.school_id, c.code, c.capacity, c.enrolled,
               coalesce(max(cardinality(s.present)), 0) AS present,
               ARRAY[c.course_id::text] AS ids
        FROM courses c
        LEFT JOIN service_sessions s ON s.course_id = c.course_id AND NOT s.reversed
        WHERE c.school_id = ANY(%(schools)s)
        GROUP BY c.school_id, c.course_id, c.code, c.capacity, c.enrolled
        HAVING c.enrolled > c.capacity
            OR coalesce(max(cardinality(s.present)), 0) > c.capacity
        """),
    ),
    "released-without-session": (
        "high",
        SQL("""
        SELECT c.school_id, c.code, m.amount, ARRAY[c.course_id::text] AS ids
        FROM courses c CROSS JOIN LATERAL (
            SELECT coalesce(sum(h.fees_released + h.subsidy_used), 0) AS amount
            FROM holder_figures h WHERE h.course_id = c.course_id
        ) m
        WHERE c.school_id = ANY(%(schools)s) AND c.sessions = 0 AND m.amount > 0
        """),
    ),
    "term-surplus-unreported": (
        "medium",
        SQL("""
        SELECT t.school_id, t.code, t.ends, sum(m.surplus) AS surplus,
               ARRAY[t.term_id::text] AS ids
        FROM terms t
        JOIN courses c ON c.term_id = t.term_id
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(h.surplus), 0) AS surplus FROM holder_figures h
            WHERE h.course_id = c.course_id
        ) m
        WHERE t.school_id = ANY(%(schools)s) AND t.ends < %(today)s
          AND NOT EXISTS (
              SELECT 1 FROM audit_events a
              WHERE a.originator_id = t.term_id AND a.type = 'Term.SurplusReported')
        GROUP BY t.school_id, t.term_id, t.code, t.ends
        HAVING sum(m.surplus) > 0
        """),
    ),
    "low-teacher-satisfaction": (
        "medium",
        SQL("""
        SELECT r.school_id, t.code, r.week, count(*) AS n,
               count(*) FILTER (WHERE r.teacher_score >= 4) AS good,
               array_agg(r.rating_id::text ORDER BY r.student_id) AS ids
        FROM satisfaction_ratings r JOIN teachers t ON t.teacher_id = r.teacher_id
        WHERE r.school_id = ANY(%(schools)s)
        GROUP BY r.school_id, r.teacher_id, t.code, r.week
        HAVING count(*) >= %(rated)s
           AND count(*) FILTER (WHERE r.teacher_score >= 4) * 100
               < %(satisfied)s * count(*)
    """),
    ),
    "widely-disputed-course": (
        "medium",
        SQL("""
        SELECT d.school_id, c.code, date_trunc('week', d.opened_on)::date AS week,
               c.enrolled, count(*) AS n, count(DISTINCT d.student_id) AS families,
               array_agg(d.dispute_id::text ORDER BY d.opened_at, d.student_id) AS ids
        FROM disputes d JOIN courses c ON c.course_id = d.course_id
        WHERE d.school_id = ANY(%(schools)s)
        GROUP BY d.school_id, d.course_id, c.code, c.enrolled,
                 date_trunc('week', d.opened_on)
        HAVING count(*) >= %(disputed)s
           AND count(DISTINCT d.student_id) * 100 >= %(disputing)s * c.enrolled
    """),
    ),
}

_KIND = {
    "ghost-student": "enrolment",
    "ghost-teacher": "session",
    "identical-check-in-times": "session",
    "non-school-day": "session",
    "backfilled-attendance": "session",
    "duplicate-payment": "payment",
    "refund-owed-unpaid": "enrolment",
    "exempt-family-charged": "payment",
    "rate-setter-approved-pay": "event",
    "over-capacity": "course",
    "released-without-session": "course",
    "term-surplus-unreported": "term",
    "low-teacher-satisfaction": "rating",
    "widely-disputed-course": "dispute",
}


def _describe(rule: str, r: dict[str, Any]) -> tuple[str, str]:
    match rule:
        case "low-teacher-satisfaction":
            return f"teacher {r['code']} in the week of {r['week']}", (
                f"{r['good']} of {r['n']} families rated the teacher 4 or 5"
            )
        case "widely-disputed-course":
            return f"course {r['code']} in the week of {r['week']}", (
                f"{r['n']} disputes from {r['families']} of {r['enrolled']} "
                "enrolled families"
            )
        case "ghost-student":
            return f"student {r['student_id']}", (
                "marked present but never enrolled"
                if r["how"] == "never enrolled"
                else "enrolled, never present, never paid"
            )
        case "ghost-teacher":
            return f"teacher {r['code']}", f"taught {r['n']} sessions, assigned none"
        case "identical-check-in-times":
            return f"teacher {r['code']}", (
                f"checked in at {r['starts']} and out at {r['ends']} "
                f"in all {r['n']} sessions"
            )
        case "non-school-day":
            return f"course {r['code']} on {r['day']}", "a session on a day off"
        case "backfilled-attendance":
            return f"course {r['code']} on {r['day']}", (
                f"recorded {r['delay_days']} days after it happened"
            )
        case "duplicate-payment":
            return f"student {r['student_id']} on {r['day']}", (
                f"{len(r['ids'])} payments of {yuan(r['amount'])} for {r['code']}"
            )
        case "refund-owed-unpaid":
            return f"student {r['student_id']}", (
                f"withdrew {r['withdrawn_on']}, owed {yuan(r['credit'])}, "
                f"refund due by {r['due']} not paid"
            )
        case "exempt-family-charged":
            return (
                f"student {r['student_id']}",
                f"exempt, paid {yuan(r['amount'])}",
            )
        case "rate-setter-approved-pay":
            return f"payroll {r['month'][:7]}", (
                f"{r['actor']} approved pay at a rate they set"
            )
        case "over-capacity":
            return f"course {r['code']}", (
                f"{r['enrolled']} enrolled, up to {r['present']} present, "
                f"for {r['capacity']} places"
            )
        case "released-without-session":
            return (
                f"course {r['code']}",
                f"{yuan(r['amount'])} released, no session",
            )
        case "term-surplus-unreported":
            return f"term {r['code']}", (
                f"ended {r['ends']} with {yuan(r['surplus'])} unreported"
            )
    raise ValueError(rule)


def anomalies(
    queries: Queries,
    schools: Collection[UUID],
    *,
    today: date,
    rules: Collection[str] = (),
    severity: str | None = None,
) -> list[Finding]:
    ids = list(schools)
    codes = dict(
        (r["school_id"], r["code"])
        for r in queries.rows(
            SQL("SELECT school_id, code FROM schools WHERE school_id = ANY(%s)"), (ids,)
        )
    )
    params = {
        "schools": ids,
        "today": today,
        "ghost": GHOST_SESSIONS,
        "identical": IDENTICAL_SESSIONS,
        "backfilled": BACKFILLED_AFTER_DAYS,
        "rated": RATED_AT_LEAST,
        "satisfied": SATISFIED_SHARE,
        "disputed": DISPUTED_AT_LEAST,
        "disputing": DISPUTING_SHARE,
    }
    found = []
    for rule, (level, statement) in RULES.items():
        if (rules and rule not in rules) or (severity and level != severity):
            continue
        for row in queries.rows(statement, params):
            subject, detail = _describe(rule, row)
            school = row["school_id"]
            proof = evidence(_KIND[rule], row["ids"])
            found.append(
                Finding(rule, level, school, codes[school], subject, detail, proof)
            )
    return sorted(found, key=lambda f: (f.school_code, f.rule, f.subject))
