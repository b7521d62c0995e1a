"""What an operator must be told of, read from the read models: a school
whose bank holds less than it holds for families, and a refund past its
deadline. Each finding keeps the same key from one round to the next."""

from datetime import date

from psycopg.sql import SQL

from domain.money import format_fen as yuan
from infra.alerts import Alert
from projections.findings import Compliance, Finding
from projections.funds import Fund, funds
from projections.queries import Queries

KINDS = ("uncovered", "refund-late")
_SCHOOLS = SQL("SELECT school_id, district FROM schools ORDER BY district, code")


def alarms(queries: Queries, today: date, base_url: str) -> list[Alert]:
    schools = queries.rows(_SCHOOLS)
    found = [
        uncovered(fund, base_url)
        for district in sorted({s["district"] for s in schools})
        for fund in funds(queries, district=district)
        if not fund.figures.covered
    ]
    ids = [s["school_id"] for s in schools]
    late = Compliance(queries).findings(ids, today=today, rules=["refund-late"])
    return found + [refund_late(finding, base_url) for finding in late]


def uncovered(fund: Fund, base_url: str) -> Alert:
    money = fund.figures
    return Alert(
        key=f"uncovered:{fund.school_id}",
        kind="uncovered",
        title=f"学校资金不足 A fund is uncovered: {fund.code} {fund.name}",
        detail=(
            f"银行存款 bank ¥{yuan(money.bank)} < 代管家庭资金 held for families"
            f" ¥{yuan(money.held)} (log position {fund.position})"
        ),
        link=f"{base_url}/v1/schools/{fund.school_id}/fund",
        school_id=str(fund.school_id),
    )


def refund_late(finding: Finding, base_url: str) -> Alert:
    enrolment = "/".join(e["id"] for e in finding.evidence if e["kind"] == "enrolment")
    return Alert(
        key=f"refund-late:{finding.school_id}:{enrolment}",
        kind="refund-late",
        title=f"退费逾期 A refund is late: {finding.school_code} {finding.subject}",
        detail=finding.detail,
        link=f"{base_url}/v1/schools/{finding.school_id}/compliance",
        school_id=str(finding.school_id),
    )
