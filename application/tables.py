"""A bank's export file as rows of cells: CSV in the mapping's encoding, or
the first sheet of an XLSX workbook, bounded so a hostile file cannot
exhaust the server."""

import csv
import io
import zipfile
from collections.abc import Iterator

import openpyxl

from domain.bankformats import Row
from domain.statements import StatementError

MAX_UNPACKED = 50_000_000
"""Bytes an XLSX may unpack to: the archive's members, as they declare."""
MAX_MEMBERS = 200
MAX_ROWS = 100_000
MAX_COLUMNS = 100
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def csv_rows(content: bytes, encoding: str) -> Iterator[Row]:
    if b"\x00" in content:
        raise StatementError("the CSV file holds NUL bytes; it is not text")
    try:
        text = content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        raise StatementError(
            f"the file is not {encoding} text: byte {error.start} cannot be read "
            "in it; save the mapping with the encoding the bank uses",
            encoding=encoding,
            byte=error.start,
        ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        for cells in reader:
            if reader.line_num > MAX_ROWS:
                raise StatementError(f"the file has more than {MAX_ROWS:,} lines")
            yield reader.line_num, cells
    except csv.Error as error:  # a field beyond the module's limit, a stray quote
        raise StatementError(f"not a CSV file: {error}") from None


def xlsx_rows(content: bytes) -> list[Row]:
    """The first sheet's rows, formulas as the values the workbook cached;
    a formula with no cached value is refused."""
    _check_archive(content)
    try:
        values = _sheet(content, data_only=True)
        formulas = _sheet(content, data_only=False)
        rows = []
        for number, (cells, written) in enumerate(
            zip(values, formulas, strict=True), start=1
        ):
            if number > MAX_ROWS:
                raise StatementError(f"the sheet has more than {MAX_ROWS:,} rows")
            _check_cached(number, cells, written)
            rows.append((number, [cell.value for cell in cells]))
        return rows
    except StatementError:
        raise
    except Exception as error:  # openpyxl meets an untrusted file: any fault is its
        raise StatementError(
            f"the XLSX workbook cannot be read: {type(error).__name__}"
        ) from None


def _check_archive(content: bytes) -> None:
    if content.startswith(_OLE):
        raise StatementError("an old .xls workbook: save it as .xlsx first")
    if not content.startswith(_ZIP):
        raise StatementError("not an XLSX workbook (a ZIP archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise StatementError(f"the XLSX workbook is a broken ZIP: {error}") from None
    if len(members) > MAX_MEMBERS:
        raise StatementError(
            f"the XLSX archive holds {len(members)} files; the limit is {MAX_MEMBERS}"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED:
        raise StatementError(
            f"the XLSX workbook unpacks to {unpacked:,} bytes; "
            f"the limit is {MAX_UNPACKED:,}",
            size=unpacked,
            limit=MAX_UNPACKED,
        )


def _sheet(content: bytes, *, data_only: bool):
    book = openpyxl.load_workbook(
        io.BytesIO(content), read_only=True, data_only=data_only
    )
    sheet = book.worksheets[0]
    return sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS)


def _check_cached(number: int, cells, written) -> None:
    for cell, source in zip(cells, written, strict=False):
        if getattr(source, "data_type", None) == "f" and cell.value is None:
            raise StatementError(
                f"row {number}: a formula ({source.value}) without a cached value; "
                "open and save the workbook in a spreadsheet program, or export "
                "values",
                line=number,
            )
