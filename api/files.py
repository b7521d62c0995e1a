"""A table a bursar downloads: CSV in UTF-8 with a BOM (so Excel reads
Chinese), XLSX, or PDF with a CJK font embedded."""

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from fastapi.responses import Response
from fpdf import FPDF, FontFace

from api.errors import FontNotInstalled

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
Cell = str | int | None


def documented(*forms: str) -> dict:
    """The OpenAPI answer of a route that also answers with these files."""
    return {200: {"content": {TYPES[form]: {} for form in forms}}}


def table_file(
    form: str, name: str, title: str, header: Sequence[str], rows: list[list[Cell]]
) -> Response:
    render = {"csv": _csv, "xlsx": _xlsx, "pdf": _pdf}[form]
    return Response(
        render(title, header, rows),
        media_type=TYPES[form],
        headers={"Content-Disposition": f'attachment; filename="{name}.{form}"'},
    )


def _csv(title: str, header: Sequence[str], rows: list[list[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: Sequence[str], rows: list[list[Cell]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf(title: str, header: Sequence[str], rows: list[list[Cell]]) -> bytes:
    pdf = FPDF(orientation="landscape")
    if not CJK_FONT.exists():
        raise FontNotInstalled(
            f"PDFs are set in the CJK font {CJK_FONT}, which this server lacks: "
            "install Debian's fonts-wqy-microhei (make test does), or ask for "
            "xlsx or csv"
        )
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("cjk", size=9)
    pdf.add_page()
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(text_align="LEFT", headings_style=FontFace()) as table:
        for cells in [list(header), *rows]:
            line = table.row()
            for value in cells:
                line.cell("" if value is None else str(value))
    return bytes(pdf.output())
