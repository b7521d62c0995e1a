from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from api.auth import PersonReader, Reader
from api.deps import QueriesDep, SystemDep
from api.family_statement import statement_file
from api.files import documented
from api.names import names_of
from api.requests import StudentId
from api.schemas import (
    READ_PROBLEMS,
    CourseBalancePublic,
    DistrictPublic,
    FamilyStatementPublic,
    FundPublic,
    PaymentListedPublic,
    RefundListedPublic,
    SharePublic,
    StudentBalancePublic,
    StudentListedPublic,
)
from domain.errors import NotFound
from domain.person import Kind
from projections import funds as f
from projections.statement import family_statement

router = APIRouter(prefix="/v1", tags=["balances"], responses=READ_PROBLEMS)
District = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
]


@router.get("/districts/{district}/funds")
def district_funds(
    district: District, queries: QueriesDep, who: Reader
) -> DistrictPublic:
    """Every school's fund in a district, and which hold less than they owe."""
    funds = [
        x for x in f.funds(queries, district=district) if x.school_id in who.schools
    ]
    if not funds:
        raise NotFound(f"no district {district}")
    total = sum((x.figures for x in funds), f.Figures())
    return DistrictPublic(
        district=district,
        position=funds[0].position,
        schools=[FundPublic.of(x) for x in funds],
        bank=total.bank,
        held_for_families=total.held,
        uncovered_schools=[x.code for x in funds if not x.figures.covered],
    )


@router.get("/schools/{school_id}/fund")
def school_fund(school_id: UUID, queries: QueriesDep, who: Reader) -> FundPublic:
    """A school's supervised fund: bank, what it owes families and teachers."""
    who.check_school(school_id)
    return FundPublic.of(f.fund(queries, school_id))


@router.get("/schools/{school_id}/students")
def students(
    school_id: UUID,
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
    status: Literal["owes", "in credit", "settled", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StudentListedPublic]:
    """Students of a school by balance: who still owes, who is in credit;
    with their names for the school's staff."""
    who.check_school(school_id)
    listed = f.students(queries, school_id, status, limit)
    known = names_of(
        system, who, request, school_id, Kind.STUDENT, (s for s, _ in listed)
    )
    return [
        StudentListedPublic(
            **m.__dict__,
            student_id=student,
            status=m.status,
            name=known.names.get(student),
            erased=student in known.erased,
        )
        for student, m in listed
    ]


@router.get("/schools/{school_id}/students/{student_id}/balance")
def student_balance(
    school_id: UUID,
    student_id: Annotated[StudentId, Path()],
    queries: QueriesDep,
    system: SystemDep,
    who: PersonReader,
    request: Request,
    as_of: date | None = None,
    at_position: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> StudentBalancePublic:
    """What a family was charged, paid, consumed and refunded; what it owes.
    A guardian sees their own children's."""
    who.check_student(school_id, student_id)
    balance = f.student_balance(
        queries, school_id, student_id, as_of=as_of, at_position=at_position
    )
    known = names_of(system, who, request, school_id, Kind.STUDENT, [student_id])
    return StudentBalancePublic.of(
        balance,
        as_of=as_of,
        at_position=at_position,
        name=known.names.get(student_id),
        erased=student_id in known.erased,
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/statement",
    responses=documented("xlsx", "pdf"),
)
def student_statement(
    school_id: UUID,
    student_id: Annotated[StudentId, Path()],
    queries: QueriesDep,
    system: SystemDep,
    who: Reader,
    request: Request,
    format: Annotated[Literal["json", "xlsx", "pdf"], Query()] = "json",
) -> FamilyStatementPublic:
    """A family's statement for the school to hand over: each enrolment's
    charges, the payments, every session's share (awaiting, confirmed,
    disputed, credited back), the refunds and the balance. As JSON, XLSX or
    PDF (Chinese text in an embedded CJK font)."""
    who.check_school(school_id)
    found = family_statement(queries, school_id, student_id)
    if format != "json":
        return statement_file(format, found)
    known = names_of(system, who, request, school_id, Kind.STUDENT, [student_id])
    return FamilyStatementPublic(
        balance=StudentBalancePublic.of(
            found.balance,
            name=known.names.get(student_id),
            erased=student_id in known.erased,
        ),
        payments=[PaymentListedPublic(**p.__dict__) for p in found.payments],
        shares=[SharePublic(**s.__dict__) for s in found.shares],
        refunds=[RefundListedPublic(**r.__dict__) for r in found.refunds],
    )


@router.get("/courses/{course_id}/balance")
def course_balance(
    course_id: UUID, queries: QueriesDep, who: Reader
) -> CourseBalancePublic:
    """A course's fees charged, released and credited back; teacher pay; subsidy."""
    course = f.course(queries, course_id)
    who.check_school(course.school_id, "course")
    return CourseBalancePublic.of(course)
