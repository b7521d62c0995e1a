"""The money of a family, a course and a school's fund, as the ledger holds it:
every figure from ``holder_figures``, read in one snapshot at one position."""

from dataclasses import dataclass, fields
from datetime import date
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from domain import figures as f
from domain.errors import NotFound
from projections.figures import NAMES, columns, sums
from projections.ledger import HOLDER
from projections.queries import Queries, until_clause


@dataclass(frozen=True)
class Figures:
    """Every money figure of some holders (a family, a course, a school's
    fund), summed after each holder's own floor: see ``domain.figures``."""

    charged: int = 0
    cancelled: int = 0
    consumed: int = 0
    paid: int = 0
    refunded: int = 0
    refund_paid: int = 0
    refund_due: int = 0
    unallocated: int = 0
    unconsumed: int = 0
    owed: int = 0
    credit: int = 0
    held: int = 0
    bank: int = 0
    fees_released: int = 0
    subsidy_received: int = 0
    subsidy_used: int = 0
    subsidy_unused: int = 0
    teacher_pay_accrued: int = 0
    teacher_pay_paid: int = 0
    teacher_pay_due: int = 0
    surplus: int = 0
    awaiting: int = 0
    disputed: int = 0
    credited_back: int = 0
    released: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, n) + getattr(other, n) for n in NAMES))

    @property
    def free_cash(self) -> int:
        return f.free_cash(self.bank, self.held)

    @property
    def covered(self) -> bool:
        return f.covered(self.bank, self.held)

    @property
    def status(self) -> str:
        return f.status(self.owed, self.credit)


assert tuple(x.name for x in fields(Figures)) == NAMES


def figures_of(row: dict[str, Any]) -> Figures:
    return Figures(*(row.get(name) or 0 for name in NAMES))


@dataclass(frozen=True)
class Fund:
    """A school's supervised fund, read at one log position."""

    school_id: UUID
    district: str
    code: str
    name: str
    position: int
    figures: Figures


@dataclass(frozen=True)
class EnrolmentMoney:
    course_id: UUID
    course_code: str | None
    figures: Figures


@dataclass(frozen=True)
class StudentBalance:
    """A family's money at a school, in all and enrolment by enrolment."""

    school_id: UUID
    student_id: str
    position: int
    figures: Figures
    enrolments: list[EnrolmentMoney]


@dataclass(frozen=True)
class CourseBalance:
    course_id: UUID
    school_id: UUID
    term_id: UUID
    code: str
    name: str
    category: str
    capacity: int
    fee: int
    planned_sessions: int
    enrolled: int
    sessions: int
    position: int
    figures: Figures


_SCHOOLS = SQL("""
    SELECT school_id, district, code, name FROM schools WHERE {where} ORDER BY code
""")

_SCHOOL_FIGURES = SQL(f"""
    SELECT school_id, {sums()} FROM holder_figures
    WHERE school_id = ANY(%s) GROUP BY school_id
""")

_HOLDERS = SQL("""
    SELECT h.*, c.code AS course_code FROM holder_figures h
    LEFT JOIN courses c ON c.course_id = h.course_id
    WHERE h.school_id = %s AND h.student_id = %s
    ORDER BY c.code NULLS FIRST
""")

_ACCOUNTS_OF = SQL("""
    SELECT DISTINCT account FROM ledger_balances
    WHERE school_id = %s AND student_id = %s
""")

# The same figures from the journal's lines up to a day or a position.
_HOLDERS_UNTIL = SQL(f"""
    SELECT x.student_id, x.course_id, c.code AS course_code,
        {columns()}
    FROM (
        SELECT l.account, l.kind, l.flow, l.debit, l.credit, {HOLDER}
        FROM ledger_lines l
        WHERE l.school_id = %s AND l.account = ANY(%s) AND {{until}}
    ) x LEFT JOIN courses c ON c.course_id = x.course_id
    GROUP BY x.student_id, x.course_id, c.code
    ORDER BY c.code NULLS FIRST
""")

_ENROLLED = SQL(
    "SELECT 1 FROM enrolments WHERE school_id = %s AND student_id = %s LIMIT 1"
)

_COURSE = SQL("""
    SELECT course_id, school_id, term_id, code, name, category, capacity, fee,
           planned_sessions, enrolled, sessions
    FROM courses WHERE course_id = %s
""")

_COURSE_FIGURES = SQL(f"SELECT {sums()} FROM holder_figures WHERE course_id = %s")

_STUDENTS = SQL(f"""
    SELECT student_id, {sums()} FROM holder_figures
    WHERE school_id = %s AND student_id IS NOT NULL
    GROUP BY student_id HAVING {{status}}
    ORDER BY student_id LIMIT %s
""")

STUDENT_STATUS = {
    "owes": SQL("sum(owed) > 0"),
    "in credit": SQL("sum(owed) = 0 AND sum(credit) > 0"),
    "settled": SQL("sum(owed) = 0 AND sum(credit) = 0"),
    "all": SQL("true"),
}


def funds(
    queries: Queries, *, school_id: UUID | None = None, district: str | None = None
) -> list[Fund]:
    where = SQL("school_id = %s") if school_id else SQL("district = %s")
    with queries.snapshot() as snap:
        schools = snap.rows(_SCHOOLS.format(where=where), (school_id or district,))
        ids = [s["school_id"] for s in schools]
        found = {r["school_id"]: r for r in snap.rows(_SCHOOL_FIGURES, (ids,))}
        return [
            Fund(
                **school,
                position=snap.position,
                figures=figures_of(found.get(school["school_id"], {})),
            )
            for school in schools
        ]


def fund(queries: Queries, school_id: UUID) -> Fund:
    if not (found := funds(queries, school_id=school_id)):
        raise NotFound("no school with that id")
    return found[0]


def student_balance(
    queries: Queries,
    school_id: UUID,
    student_id: str,
    *,
    as_of: date | None = None,
    at_position: int | None = None,
) -> StudentBalance:
    with queries.snapshot() as snap:
        if as_of is None and at_position is None:
            holders = snap.rows(_HOLDERS, (school_id, student_id))
        else:
            accounts = snap.rows(_ACCOUNTS_OF, (school_id, student_id))
            until, limits = until_clause(as_of, at_position, prefix="l.")
            holders = snap.rows(
                _HOLDERS_UNTIL.format(until=until),
                (school_id, [a["account"] for a in accounts], *limits),
            )
        if not holders and not snap.rows(_ENROLLED, (school_id, student_id)):
            raise NotFound(f"no student {student_id} at this school")
        enrolments = [
            EnrolmentMoney(h["course_id"], h["course_code"], figures_of(h))
            for h in holders
            if h["course_id"] is not None
        ]
        total = sum((figures_of(h) for h in holders), Figures())
        position = min(snap.position, at_position or snap.position)
        return StudentBalance(school_id, student_id, position, total, enrolments)


def students(
    queries: Queries, school_id: UUID, status: str, limit: int
) -> list[tuple[str, Figures]]:
    statement = _STUDENTS.format(status=STUDENT_STATUS[status])
    rows = queries.rows(statement, (school_id, limit))
    return [(r["student_id"], figures_of(r)) for r in rows]


def course(queries: Queries, course_id: UUID) -> CourseBalance:
    with queries.snapshot() as snap:
        if not (rows := snap.rows(_COURSE, (course_id,))):
            raise NotFound("no course with that id")
        money = figures_of(snap.rows(_COURSE_FIGURES, (course_id,))[0])
        return CourseBalance(**rows[0], position=snap.position, figures=money)
