"""The lists behind a console's screens, a page at a time, oldest or first in
order: a page's `next_after` is the `after` of the next, until it is null.

Readers see their own schools' lists; a school, term or course outside their
scope is not found."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import QueriesDep
from api.pages import After, Limit, cursor, next_after
from api.requests import Code, StudentId
from api.routes.compliance import District, in_district
from api.schemas import (
    READ_PROBLEMS,
    CourseListedPublic,
    CoursesPublic,
    EnrolmentListedPublic,
    EnrolmentsPublic,
    PaymentListedPublic,
    PaymentsPublic,
    PayrollRunListedPublic,
    PayrollRunsPublic,
    RefundListedPublic,
    RefundsPublic,
    SchoolListedPublic,
    SchoolsPublic,
    StatementListedPublic,
    StatementsPublic,
    SubsidiesPublic,
    SubsidyListedPublic,
    TeacherListedPublic,
    TeachersPublic,
    TermListedPublic,
    TermsPublic,
)
from domain.course import Category
from projections import lists as q

router = APIRouter(prefix="/v1", tags=["lists"], responses=READ_PROBLEMS)
Student = Annotated[StudentId | None, Query()]
RefundStatus = Literal["requested", "approved", "cancelled", "paid"]
RunStatus = Literal["drafted", "approved", "paid"]
EnrolmentStatus = Literal["active", "withdrawn"]
TeacherKind = Literal["staff", "external"]


@router.get("/districts/{district}/schools")
def schools(
    district: District,
    queries: QueriesDep,
    who: Reader,
    after: After = None,
    limit: Limit = 100,
) -> SchoolsPublic:
    """The district's schools a reader may see, by code."""
    params = {"schools": list(in_district(queries, who, district))}
    page = q.SCHOOLS.page(queries, params, cursor(after, "schools", str, UUID), limit)
    return SchoolsPublic(
        schools=_public(SchoolListedPublic, page), **_next(page, "schools")
    )


@router.get("/schools/{school_id}/terms")
def terms(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    after: After = None,
    limit: Limit = 100,
) -> TermsPublic:
    """The school's terms, by first day, each with its rules and courses."""
    who.check_school(school_id)
    key = cursor(after, "terms", date.fromisoformat, UUID)
    page = q.TERMS.page(queries, {"school": school_id}, key, limit)
    return TermsPublic(terms=_public(TermListedPublic, page), **_next(page, "terms"))


@router.get("/terms/{term_id}/courses")
def courses(
    term_id: UUID,
    queries: QueriesDep,
    who: Reader,
    category: Category | None = None,
    teacher_id: UUID | None = None,
    after: After = None,
    limit: Limit = 100,
) -> CoursesPublic:
    """The term's courses by code, with their teacher, seats taken and
    sessions delivered; of one category or one teacher."""
    who.check_school(q.term_school(queries, term_id), "term")
    params = {"term": term_id, "category": category, "teacher": teacher_id}
    page = q.COURSES.page(queries, params, cursor(after, "courses", str, UUID), limit)
    return CoursesPublic(
        courses=_public(CourseListedPublic, page), **_next(page, "courses")
    )


@router.get("/schools/{school_id}/teachers")
def teachers(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    kind: TeacherKind | None = None,
    after: After = None,
    limit: Limit = 100,
) -> TeachersPublic:
    """The school's teachers by code, with the rate in force (names are the
    personal-data registry's)."""
    who.check_school(school_id)
    params = {"school": school_id, "kind": kind}
    page = q.TEACHERS.page(queries, params, cursor(after, "teachers", str, UUID), limit)
    return TeachersPublic(
        teachers=_public(TeacherListedPublic, page), **_next(page, "teachers")
    )


@router.get("/courses/{course_id}/enrolments")
def enrolments(
    course_id: UUID,
    queries: QueriesDep,
    who: Reader,
    status: EnrolmentStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> EnrolmentsPublic:
    """The course's students by id, active or withdrawn, with counts."""
    who.check_school(q.course_school(queries, course_id), "course")
    params = {"course": course_id, "status": status}
    page = q.ENROLMENTS.page(queries, params, cursor(after, "enrolments", str), limit)
    return EnrolmentsPublic(
        counts=q.counts(queries, "enrolments", course_id, q.ENROLMENT_STATUSES),
        enrolments=_public(EnrolmentListedPublic, page),
        **_next(page, "enrolments"),
    )


@router.get("/schools/{school_id}/payments")
def payments(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    student_id: Student = None,
    channel: Annotated[Code | None, Query()] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    after: After = None,
    limit: Limit = 100,
) -> PaymentsPublic:
    """The school's payments by the day received, then as recorded; of one
    student, one channel, or received between two days."""
    who.check_school(school_id)
    params = {
        "school": school_id,
        "student": student_id,
        "channel": channel,
        "start": start,
        "end": end,
    }
    key = cursor(after, "payments", date.fromisoformat, int, UUID)
    page = q.PAYMENTS.page(queries, params, key, limit)
    return PaymentsPublic(
        payments=_public(PaymentListedPublic, page), **_next(page, "payments")
    )


@router.get("/schools/{school_id}/refunds")
def refunds(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    status: RefundStatus | None = None,
    student_id: Student = None,
    after: After = None,
    limit: Limit = 100,
) -> RefundsPublic:
    """The school's refunds oldest first, of one status or all, with counts
    per status (reasons are the registry's: `/v1/refunds/{id}/reason`)."""
    who.check_school(school_id)
    params = {"school": school_id, "status": status, "student": student_id}
    key = cursor(after, "refunds", date.fromisoformat, UUID)
    page = q.REFUNDS.page(queries, params, key, limit)
    return RefundsPublic(
        counts=q.counts(queries, "refunds", school_id, q.REFUND_STATUSES),
        refunds=_public(RefundListedPublic, page),
        **_next(page, "refunds"),
    )


@router.get("/schools/{school_id}/payroll")
def payroll_runs(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    status: RunStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> PayrollRunsPublic:
    """The school's payroll runs by month, with what the current draft pays,
    and counts per status."""
    who.check_school(school_id)
    params = {"school": school_id, "status": status}
    key = cursor(after, "payroll_runs", date.fromisoformat, UUID)
    page = q.PAYROLL_RUNS.page(queries, params, key, limit)
    return PayrollRunsPublic(
        counts=q.counts(queries, "payroll_runs", school_id, q.RUN_STATUSES),
        runs=_public(PayrollRunListedPublic, page),
        **_next(page, "payroll_runs"),
    )


@router.get("/schools/{school_id}/subsidies")
def subsidies(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    after: After = None,
    limit: Limit = 100,
) -> SubsidiesPublic:
    """The school's subsidy grants by the day received, with what is left to
    allocate."""
    who.check_school(school_id)
    key = cursor(after, "subsidies", date.fromisoformat, UUID)
    page = q.SUBSIDIES.page(queries, {"school": school_id}, key, limit)
    return SubsidiesPublic(
        subsidies=_public(SubsidyListedPublic, page), **_next(page, "subsidies")
    )


@router.get("/schools/{school_id}/bank-statements")
def bank_statements(
    school_id: UUID,
    queries: QueriesDep,
    who: Reader,
    after: After = None,
    limit: Limit = 100,
) -> StatementsPublic:
    """The statements imported for the school's supervised account, by the
    bank's statement id; each one's reconciliation is a route of its own."""
    who.check_school(school_id)
    key = cursor(after, "bank_statements", str, UUID)
    page = q.STATEMENTS_OF.page(queries, {"school": school_id}, key, limit)
    return StatementsPublic(
        statements=_public(StatementListedPublic, page),
        **_next(page, "bank_statements"),
    )


def _public(model: type, page: q.Page) -> list:
    return [model(**row.__dict__) for row in page.rows]


def _next(page: q.Page, of: str) -> dict[str, str | None]:
    return {"next_after": next_after(page.after, of)}
