"""The supervised account and its statements."""

import hashlib

from application import commands as c
from application.unit_of_work import UnitOfWork
from domain.bank import FUND_CURRENCY, BankStatement
from domain.errors import AlreadyExists
from domain.school import School
from domain.statements import (
    Statement,
    StatementError,
    parse_camt053,
    parse_statement_csv,
)


def set_bank_account(cmd: c.SetBankAccount, uow: UnitOfWork) -> int:
    school = uow.get(School, cmd.school_id, "school")
    school.set_bank_account(cmd.account, stamp=uow.stamp())
    return uow.commit()


def import_statement(cmd: c.ImportStatement, uow: UnitOfWork) -> int:
    """A statement once per file: the same file again is recognised."""
    school = uow.get(School, cmd.school_id, "school")
    statement = read_statement(cmd.format, cmd.content, school.bank_account)
    imported = BankStatement.import_(
        school_id=school.id,
        account=school.bank_account,
        statement=statement,
        sha256=hashlib.sha256(cmd.content).hexdigest(),
        stamp=uow.stamp(),
    )
    uow.add(imported, "that statement")
    try:
        return uow.commit()
    except AlreadyExists:
        return uow.funds.position_of(imported.id)


def read_statement(form: str, content: bytes, account: str | None) -> Statement:
    if form == "camt053":
        return parse_camt053(content)
    if form == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StatementError("a CSV statement is UTF-8 text") from None
        return parse_statement_csv(text, account=account or "", currency=FUND_CURRENCY)
    raise StatementError(f"a statement is camt053 or csv, not {form!r}")
