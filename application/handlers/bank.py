"""The supervised account, its statements, and how each bank's export is read."""

import hashlib

from application import commands as c
from application.tables import csv_rows, xlsx_rows
from application.unit_of_work import UnitOfWork
from domain.bank import FUND_CURRENCY, BankStatement
from domain.bankformats import BankFormat, ColumnMap, read_rows
from domain.errors import AlreadyExists, NotFound
from domain.school import School
from domain.statements import (
    Statement,
    StatementError,
    parse_camt053,
    parse_statement_csv,
)

FORMATS = ("camt053", "csv", "csv-mapped", "xlsx")
MAPPED = ("csv-mapped", "xlsx")


def set_bank_account(cmd: c.SetBankAccount, uow: UnitOfWork) -> int:
    school = uow.get(School, cmd.school_id, "school")
    school.set_bank_account(cmd.account, stamp=uow.stamp())
    return uow.commit()


def save_bank_format(cmd: c.SaveBankFormat, uow: UnitOfWork) -> int:
    """Saved once, replaced when changed; the same mapping again records nothing."""
    school = uow.get(School, cmd.school_id, "school")
    format_id = BankFormat.id_for(school.id, cmd.name)
    if uow.find(BankFormat, format_id) is None:
        saved = BankFormat.save(
            school_id=school.id, name=cmd.name, mapping=cmd.mapping, stamp=uow.stamp()
        )
        uow.add(saved, "that bank format")
    elif not uow.get(BankFormat, format_id, "bank format").change(
        cmd.mapping, stamp=uow.stamp()
    ):
        return uow.funds.position_of(format_id)
    return uow.commit()


def import_statement(cmd: c.ImportStatement, uow: UnitOfWork) -> int:
    """A statement once per file: the same file again is recognised."""
    school = uow.get(School, cmd.school_id, "school")
    mapping = _mapping(cmd, uow, school) if cmd.format in MAPPED else None
    statement = read_statement(
        cmd.format, cmd.content, school.bank_account, mapping, cmd.bank_format
    )
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


def _mapping(cmd: c.ImportStatement, uow: UnitOfWork, school: School) -> ColumnMap:
    if not cmd.bank_format:
        raise StatementError(f"a {cmd.format} statement names its saved bank_format")
    found = uow.find(BankFormat, BankFormat.id_for(school.id, cmd.bank_format))
    if found is None:
        raise NotFound(f"no bank format {cmd.bank_format!r} saved for the school")
    return found.mapping


def read_statement(
    form: str,
    content: bytes,
    account: str | None,
    mapping: ColumnMap | None = None,
    name: str = "",
) -> Statement:
    if form == "camt053":
        return parse_camt053(content)
    if form == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StatementError("a CSV statement is UTF-8 text") from None
        return parse_statement_csv(text, account=account or "", currency=FUND_CURRENCY)
    if form in MAPPED and mapping is not None:
        rows = (
            xlsx_rows(content)
            if form == "xlsx"
            else csv_rows(content, mapping.encoding)
        )
        return read_rows(
            rows,
            mapping,
            account=account or "",
            currency=FUND_CURRENCY,
            source=f"{form}:{name}",
        )
    raise StatementError(f"a statement is one of {', '.join(FORMATS)}, not {form!r}")
