"""Bank statements as the fund reads them: camt.053 XML or a simple CSV.

Pure parsing: the caller reads the bytes. Amounts become integer minor units,
exactly; a figure the parser cannot read is refused, never guessed.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

from domain.errors import DomainError

CREDIT = "credit"
DEBIT = "debit"
CSV_HEADER = ("date", "reference", "description", "amount", "direction")

_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_TOO_PRECISE = re.compile(r"[0-9]+\.[0-9]{3,}")
_VERSION = re.compile(r"camt\.\d{3}\.\d{3}\.\d{2}")
_INDICATORS = {"CRDT": CREDIT, "DBIT": DEBIT}
# The business dates the API takes anywhere else.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class StatementError(DomainError):
    code = "invalid-statement"


@dataclass(frozen=True)
class StatementLine:
    reference: str
    amount: int
    direction: str
    currency: str
    booked_on: date | None
    description: str = ""
    splits: tuple[int, ...] = ()
    split_references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.amount < 0 or self.direction not in (CREDIT, DEBIT):
            raise StatementError(
                f"a statement line needs a positive amount and a direction, "
                f"not {self.amount} {self.direction!r}"
            )


@dataclass(frozen=True)
class Statement:
    statement_id: str
    account: str
    currency: str
    opening: int | None
    opening_type: str
    closing: int | None
    lines: tuple[StatementLine, ...]
    version: str

    @property
    def credits(self) -> int:
        return self._total(CREDIT)

    @property
    def debits(self) -> int:
        return self._total(DEBIT)

    @property
    def foreign_lines(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.currency != self.currency)

    @property
    def reconciles(self) -> bool:
        # A line in another currency cannot be added to the balances without a
        # rate, so such a statement is reported as not reconciling.
        if self.opening is None or self.closing is None or self.foreign_lines:
            return False
        return self.opening + self.credits - self.debits == self.closing

    def _total(self, direction: str) -> int:
        return sum(
            line.amount
            for line in self.lines
            if line.direction == direction and line.currency == self.currency
        )


def parse_camt053(data: bytes, *, max_bytes: int = 5_000_000) -> Statement:
    message, version = _message(data, max_bytes)
    statements = message.findall("Stmt")
    if not statements:
        raise StatementError("the camt.053 file holds no Stmt (statement) element")
    if len(statements) > 1:
        raise StatementError(
            f"the camt.053 file holds {len(statements)} Stmt elements; "
            "import one statement per file",
            count=len(statements),
        )
    return _statement(statements[0], version)


def parse_statement_csv(text: str, *, account: str, currency: str) -> Statement:
    try:
        return _parse_csv(text, account=account, currency=currency)
    except csv.Error as error:  # a field beyond the module's limit, a stray quote
        raise StatementError(f"not a CSV statement: {error}") from None


def _parse_csv(text: str, *, account: str, currency: str) -> Statement:
    reader = csv.reader(text.lstrip("\ufeff").splitlines(keepends=True))
    _check_header(next(reader, None))
    balances: dict[str, int] = {}
    lines = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        number = reader.line_num
        day, reference, description, amount, direction = _csv_fields(row, number)
        minor = _minor_units(amount, f"line {number}")
        side = _csv_direction(direction, number)
        kind = reference.upper()
        if kind in ("OPENING", "CLOSING"):
            if kind in balances:
                raise StatementError(f"line {number}: a second {kind} row", line=number)
            balances[kind] = minor if side == CREDIT else -minor
            continue
        booked_on = _csv_date(day, number)
        lines.append(
            StatementLine(reference, minor, side, currency, booked_on, description)
        )
    return Statement(
        statement_id="",
        account=account,
        currency=currency,
        opening=balances.get("OPENING"),
        opening_type="OPBD" if "OPENING" in balances else "",
        closing=balances.get("CLOSING"),
        lines=tuple(lines),
        version="csv",
    )


def check_account(statement: Statement, *, account: str, currency: str) -> None:
    if _compact(statement.account) != _compact(account):
        raise StatementError(
            f"statement is for account {statement.account}, not the fund's {account}",
            statement_account=statement.account,
            account=account,
        )
    if statement.currency.upper() != currency.upper():
        raise StatementError(
            f"statement is in {statement.currency}; "
            f"the fund keeps {currency} and does not convert",
            statement_currency=statement.currency,
            currency=currency,
        )


def _message(data: bytes, max_bytes: int) -> tuple[ET.Element, str]:
    if len(data) > max_bytes:
        raise StatementError(
            f"the statement file is {len(data):,} bytes; the limit is {max_bytes:,}",
            size=len(data),
            limit=max_bytes,
        )
    # UTF-16/32 would hide a DOCTYPE from the byte check below.
    if b"\x00" in data:
        raise StatementError(
            "the statement file holds NUL bytes; send it UTF-8 encoded"
        )
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise StatementError("the statement file declares a DOCTYPE or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise StatementError(
            f"the statement file is not well-formed XML: {error}"
        ) from None
    except (LookupError, ValueError) as error:  # what the declared encoding raised
        raise StatementError(
            f"the statement file declares an encoding it cannot be read in: {error}"
        ) from None
    message = next((e for e in root.iter() if _local(e.tag) == "BkToCstmrStmt"), None)
    if message is None:
        raise StatementError(
            f"not a camt.053 bank-to-customer statement: the document holds "
            f"{_local(root.tag)}, not BkToCstmrStmt"
        )
    found = _VERSION.search(message.tag)
    for element in message.iter():
        element.tag = _local(element.tag)
    return message, found.group() if found else ""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _statement(stmt: ET.Element, version: str) -> Statement:
    balances = {code: _balance(stmt, code) for code in ("OPBD", "PRCD", "CLBD")}
    currency = _text(stmt, "Acct/Ccy") or next(
        (ccy for _, ccy in filter(None, balances.values())), ""
    )
    if not currency:
        raise StatementError("the statement names no account currency")
    for code, balance in balances.items():
        if balance and balance[1] != currency:
            raise StatementError(
                f"the {code} balance is in {balance[1]}, the account in {currency}"
            )
    opening_type = next((c for c in ("OPBD", "PRCD") if balances[c]), "")
    opening, closing = balances.get(opening_type), balances["CLBD"]
    entries = stmt.findall("Ntry")
    return Statement(
        statement_id=_required(stmt, "Id", "the statement has no Id"),
        account=_account(stmt),
        currency=currency,
        opening=opening[0] if opening else None,
        opening_type=opening_type,
        closing=closing[0] if closing else None,
        lines=tuple(_line(entry, n) for n, entry in enumerate(entries, start=1)),
        version=version,
    )


def _account(stmt: ET.Element) -> str:
    account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
    if not account:
        raise StatementError("the statement names no account (IBAN or Othr/Id)")
    return account


def _balance(stmt: ET.Element, code: str) -> tuple[int, str] | None:
    for balance in stmt.findall("Bal"):
        if _text(balance, "Tp/CdOrPrtry/Cd") == code:
            where = f"the {code} balance"
            amount, currency = _amount(balance, where)
            sign = _indicator(_text(balance, "CdtDbtInd"), where)
            return (amount if sign == CREDIT else -amount), currency
    return None


def _line(entry: ET.Element, number: int) -> StatementLine:
    where = f"entry {number}"
    amount, currency = _amount(entry, where)
    details = entry.findall("NtryDtls/TxDtls")
    splits = _splits(details, where)
    booked = _day(entry.find("BookgDt"), where) or _day(entry.find("ValDt"), where)
    return StatementLine(
        reference=_reference(entry, details),
        amount=amount,
        direction=_indicator(_text(entry, "CdtDbtInd"), where),
        currency=currency,
        booked_on=booked,
        description=_description(entry),
        splits=splits,
        split_references=tuple(_tx_reference(tx) for tx in details) if splits else (),
    )


def _amount(element: ET.Element, where: str) -> tuple[int, str]:
    found = element.find("Amt")
    if found is None:
        raise StatementError(f"{where} has no amount")
    currency = (found.get("Ccy") or "").strip()
    if not currency:
        raise StatementError(f"{where} has an amount without a currency")
    return _minor_units(found.text, where), currency


def _splits(details: list[ET.Element], where: str) -> tuple[int, ...]:
    """The amount of each transaction in a batch; empty when any is missing."""
    if len(details) < 2:
        return ()
    amounts = []
    for tx in details:
        found = tx.find("Amt")
        if found is None:
            found = tx.find("AmtDtls/TxAmt/Amt")
        if found is None:
            return ()
        amounts.append(_minor_units(found.text, f"{where}, a batch transaction"))
    return tuple(amounts)


def _reference(entry: ET.Element, details: list[ET.Element]) -> str:
    # Only a lone transaction speaks for the whole entry; a batch has many.
    single = details[0] if len(details) == 1 else None
    end_to_end = _end_to_end(single) if single is not None else ""
    servicer = _text(entry, "AcctSvcrRef")
    if not servicer and single is not None:
        servicer = _text(single, "Refs/AcctSvcrRef")
    remittance = _text(single, "RmtInf/Ustrd") if single is not None else ""
    return end_to_end or servicer or remittance


def _tx_reference(tx: ET.Element) -> str:
    return _end_to_end(tx) or _text(tx, "Refs/AcctSvcrRef")


def _end_to_end(tx: ET.Element) -> str:
    value = _text(tx, "Refs/EndToEndId")
    return "" if value.upper() == "NOTPROVIDED" else value


def _description(entry: ET.Element) -> str:
    texts = [
        found.text or "" for found in entry.findall("NtryDtls/TxDtls/RmtInf/Ustrd")
    ]
    text = " ".join(texts) if any(texts) else _text(entry, "AddtlNtryInf")
    return " ".join(text.split())


def _day(element: ET.Element | None, where: str) -> date | None:
    if element is None:
        return None
    text = _text(element, "Dt") or _text(element, "DtTm")
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        raise StatementError(f"{where}: {text!r} is not a date") from None
    return _plausible(day, where)


def _plausible(day: date, where: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise StatementError(
            f"{where}: booked on {day}, outside {FIRST_DAY} to {LAST_DAY}"
        )
    return day


def _indicator(text: str, where: str) -> str:
    if text not in _INDICATORS:
        raise StatementError(
            f"{where}: credit/debit indicator {text!r} is not CRDT or DBIT"
        )
    return _INDICATORS[text]


def _minor_units(text: str | None, where: str) -> int:
    raw = (text or "").strip()
    if _TOO_PRECISE.fullmatch(raw):
        raise StatementError(
            f"{where}: amount {raw!r} has more than 2 decimals", amount=raw
        )
    if not _AMOUNT.fullmatch(raw):
        raise StatementError(
            f"{where}: {raw!r} is not an amount such as '360.00'", amount=raw
        )
    whole, _, fraction = raw.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _required(element: ET.Element, path: str, message: str) -> str:
    value = _text(element, path)
    if not value:
        raise StatementError(message)
    return value


def _compact(account: str) -> str:
    return "".join(account.split()).upper()


def _check_header(row: list[str] | None) -> None:
    expected = ",".join(CSV_HEADER)
    if row is None:
        raise StatementError(f"the CSV is empty; expected the header {expected!r}")
    if [cell.strip().lower() for cell in row] != list(CSV_HEADER):
        raise StatementError(
            f"line 1: expected the header {expected!r}, found {','.join(row)!r}",
            line=1,
        )


def _csv_fields(row: list[str], number: int) -> list[str]:
    if len(row) != len(CSV_HEADER):
        raise StatementError(
            f"line {number}: expected {len(CSV_HEADER)} fields "
            f"({','.join(CSV_HEADER)}), found {len(row)}",
            line=number,
        )
    return [cell.strip() for cell in row]


def _csv_direction(text: str, number: int) -> str:
    direction = text.lower()
    if direction not in (CREDIT, DEBIT):
        raise StatementError(
            f"line {number}: direction {text!r} is not 'credit' or 'debit'",
            line=number,
        )
    return direction


def _csv_date(text: str, number: int) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise StatementError(
            f"line {number}: {text!r} is not a date such as 2026-09-01", line=number
        ) from None
    return _plausible(day, f"line {number}")


def write_statement_csv(statement: Statement) -> str:
    """The CSV form parse_statement_csv reads, with OPENING and CLOSING rows."""
    rows = [list(CSV_HEADER)]
    first = statement.lines[0].booked_on if statement.lines else None
    if statement.opening is not None:
        rows.append(_balance_row("OPENING", statement.opening, first))
    for line in statement.lines:
        rows.append(
            [
                line.booked_on.isoformat() if line.booked_on else "",
                line.reference,
                line.description,
                _decimal(line.amount),
                line.direction,
            ]
        )
    if statement.closing is not None:
        last = statement.lines[-1].booked_on if statement.lines else None
        rows.append(_balance_row("CLOSING", statement.closing, last))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def write_camt053(statement: Statement) -> bytes:
    """A camt.053.001.08 document of the statement, one entry per line."""
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    ET.register_namespace("", ns)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs):
        child = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            child.text = text
        return child

    document = ET.Element(f"{{{ns}}}Document")
    stmt = sub(sub(document, "BkToCstmrStmt"), "Stmt")
    sub(stmt, "Id", statement.statement_id or "STATEMENT")
    account = sub(stmt, "Acct")
    sub(sub(account, "Id"), "IBAN", statement.account)
    sub(account, "Ccy", statement.currency)
    days = [line.booked_on for line in statement.lines if line.booked_on]
    for code, amount, day in (
        ("OPBD", statement.opening, min(days, default=None)),
        ("CLBD", statement.closing, max(days, default=None)),
    ):
        if amount is None:
            continue
        balance = sub(stmt, "Bal")
        sub(sub(sub(balance, "Tp"), "CdOrPrtry"), "Cd", code)
        sub(balance, "Amt", _decimal(abs(amount)), Ccy=statement.currency)
        sub(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
        if day:
            sub(sub(balance, "Dt"), "Dt", day.isoformat())
    for line in statement.lines:
        entry = sub(stmt, "Ntry")
        sub(entry, "Amt", _decimal(line.amount), Ccy=line.currency)
        sub(entry, "CdtDbtInd", "CRDT" if line.direction == CREDIT else "DBIT")
        sub(sub(entry, "Sts"), "Cd", "BOOK")
        if line.booked_on:
            sub(sub(entry, "BookgDt"), "Dt", line.booked_on.isoformat())
        sub(entry, "AcctSvcrRef", line.reference)
        details = sub(entry, "NtryDtls")
        parts = list(zip(line.split_references, line.splits, strict=True)) or [
            (line.reference, None)
        ]
        for reference, amount in parts:
            tx = sub(details, "TxDtls")
            sub(sub(tx, "Refs"), "EndToEndId", reference)
            if amount is not None:
                sub(tx, "Amt", _decimal(amount), Ccy=line.currency)
            if line.description:
                sub(sub(tx, "RmtInf"), "Ustrd", line.description)
    return ET.tostring(document, encoding="utf-8", xml_declaration=True)


def _balance_row(reference: str, amount: int, day: date | None) -> list[str]:
    direction = CREDIT if amount >= 0 else DEBIT
    day_text = day.isoformat() if day else ""
    return [day_text, reference, "", _decimal(abs(amount)), direction]


def _decimal(amount: int) -> str:
    whole, part = divmod(amount, 100)
    return f"{whole}.{part:02d}"
