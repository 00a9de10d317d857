"""Render a report spec to PDF (reportlab), DOCX (python-docx), HTML and TXT with the real tools.

A spec is a list of items:
- ("title" | "heading" | "paragraph", text)
- ("table", rows) or ("table", rows, merges): rows are lists of strings (short rows are padded); merges are
  (row, col, rowspan, colspan) tuples, the merged cell's text being the one at (row, col).

Tables are real tables in every format: ruled reportlab Tables (GRID) that may break over pages, Word tables with
merged cells, HTML tables with rowspan/colspan, tab-separated lines in TXT. `seed_spec()` reads the seed report
(through the txt backend) into a spec, so the same report can be produced in every format.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Union

from service.ingest import ingest
from tests.conftest import SEED

Merge = tuple[int, int, int, int]
Item = Union[tuple[str, str], tuple[str, list[list[str]]], tuple[str, list[list[str]], list[Merge]]]
Spec = list[Item]

CJK_FONT = "STSong-Light"
"""reportlab's built-in Adobe-GB1 CID font: no font file needed, and pdfplumber reads its text back as Unicode."""


def _rectangular(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    width = max((len(r) for r in rows), default=0)
    return [list(r) + [""] * (width - len(r)) for r in rows]


def _table_parts(item: Item) -> tuple[list[list[str]], list[Merge]]:
    rows = _rectangular(item[1])  # type: ignore[arg-type]
    merges = list(item[2]) if len(item) > 2 else []  # type: ignore[misc]
    return rows, merges


def _covered(merges: list[Merge]) -> dict[tuple[int, int], tuple[int, int]]:
    """Grid positions hidden by a merge, mapped to the merge's top-left position."""
    hidden = {}
    for row, col, rowspan, colspan in merges:
        for r in range(row, row + rowspan):
            for c in range(col, col + colspan):
                if (r, c) != (row, col):
                    hidden[(r, c)] = (row, col)
    return hidden


# ------------------------------------------------------------------------------------------------------------ PDF


def to_pdf(spec: Spec, page_number_format: str | None = "- {page} -", running_header: str | None = None,
           repeat_header_rows: int = 0, page_size=None, split_in_row: bool = False) -> bytes:
    """A PDF with page numbers in the footer (`page_number_format`, None for none) and an optional running header.

    `repeat_header_rows` repeats a table's first rows on each page it runs onto; `split_in_row` lets a row (and a
    merged cell) break over a page.
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    styles = {
        "title": ParagraphStyle("title", fontName=CJK_FONT, fontSize=18, leading=26, alignment=TA_CENTER,
                                wordWrap="CJK", spaceAfter=12),
        "heading": ParagraphStyle("heading", fontName=CJK_FONT, fontSize=11, leading=18, firstLineIndent=22,
                                  wordWrap="CJK", spaceBefore=4, spaceAfter=2),
        "paragraph": ParagraphStyle("paragraph", fontName=CJK_FONT, fontSize=11, leading=18, firstLineIndent=22,
                                    alignment=TA_JUSTIFY, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=CJK_FONT, fontSize=8, leading=11, wordWrap="CJK"),
    }
    page_width, page_height = page_size or A4
    margin = 72
    story = []
    for item in spec:
        if item[0] == "table":
            rows, merges = _table_parts(item)
            data = [[Paragraph(html.escape(text), styles["cell"]) for text in row] for row in rows]
            commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            commands += [("SPAN", (c, r), (c + cs - 1, r + rs - 1)) for r, c, rs, cs in merges]
            table = Table(data, colWidths=_column_widths(rows, page_width - 2 * margin), style=TableStyle(commands),
                          repeatRows=repeat_header_rows, splitByRow=1, splitInRow=int(split_in_row),
                          hAlign="CENTER")
            story += [Spacer(1, 6), table, Spacer(1, 6)]
        else:
            kind, text = item[0], item[1]
            story.append(Paragraph(html.escape(str(text)), styles[kind]))

    def number_page(canvas, document) -> None:
        canvas.setFont(CJK_FONT, 10)
        if page_number_format:
            canvas.drawCentredString(page_width / 2, 40, page_number_format.format(page=document.page))
        if running_header:
            canvas.drawCentredString(page_width / 2, page_height - 40, running_header)

    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=(page_width, page_height), leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin)
    document.build(story, onFirstPage=number_page, onLaterPages=number_page)
    return out.getvalue()


def _column_widths(rows: list[list[str]], available: float) -> list[float]:
    """Wider columns for longer texts, within limits, filling the available width."""
    weights = [min(max(max((len(row[c]) for row in rows), default=1), 2), 14) for c in range(len(rows[0]))]
    total = sum(weights)
    return [available * w / total for w in weights]


def scanned_pdf(pages: int = 1, text_pages: Sequence[int] = ()) -> bytes:
    """Pages that only carry a raster picture (a scan); the pages numbered in `text_pages` also carry real text."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    picture = Image.new("L", (400, 560), 255)
    pen = ImageDraw.Draw(picture)
    for i in range(24):
        pen.rectangle((30, 30 + 20 * i, 370 - 7 * (i % 5), 40 + 20 * i), fill=40)
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        page.drawImage(ImageReader(picture), 72, 150, width=450, height=630)
        if number in text_pages:
            page.setFont(CJK_FONT, 12)
            page.drawString(72, 100, f"第{number}页有文字层：一、总体情况")
        page.showPage()
    page.save()
    return out.getvalue()


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str | None:
    """A headless-capable Chromium on this machine, if any."""
    import shutil

    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def to_pdf_with_browser(spec: Spec, header_footer: bool = True, timeout: float = 90) -> bytes:
    """The HTML rendering printed to PDF by headless Chromium (as a user would print a government web page).

    With `header_footer` the browser adds its date/title header and URL/page-number footer on every page.
    Raises RuntimeError when no browser is installed or the print fails.
    """
    import subprocess
    import tempfile
    from pathlib import Path

    executable = browser()
    if executable is None:
        raise RuntimeError("no Chromium browser installed")
    with tempfile.TemporaryDirectory() as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_bytes(to_html(spec))
        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                   page.as_uri()]
        if not header_footer:
            command.insert(-1, "--no-pdf-header-footer")
        subprocess.run(command, capture_output=True, timeout=timeout, cwd=folder)
        if not pdf.exists() or not pdf.stat().st_size:
            raise RuntimeError("the browser did not print the page")
        return pdf.read_bytes()


# ----------------------------------------------------------------------------------------------------------- DOCX


def to_docx(spec: Spec) -> bytes:
    from docx import Document as WordDocument

    word = WordDocument()
    for item in spec:
        kind = item[0]
        if kind == "title":
            word.add_paragraph(str(item[1]), style="Title")
        elif kind == "heading":
            word.add_heading(str(item[1]), level=1)
        elif kind == "paragraph":
            word.add_paragraph(str(item[1]))
        else:
            rows, merges = _table_parts(item)
            hidden = _covered(merges)
            table = word.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    if (r, c) not in hidden:
                        table.cell(r, c).text = text
            for r, c, rowspan, colspan in merges:
                table.cell(r, c).merge(table.cell(r + rowspan - 1, c + colspan - 1))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------------ HTML, TXT


def to_html(spec: Spec, charset: str = "utf-8") -> bytes:
    parts = [f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>report</title></head><body>']
    for item in spec:
        kind = item[0]
        if kind == "title":
            parts.append(f"<h1>{html.escape(str(item[1]))}</h1>")
        elif kind == "heading":
            parts.append(f"<h2>{html.escape(str(item[1]))}</h2>")
        elif kind == "paragraph":
            parts.append(f"<p>{html.escape(str(item[1]))}</p>")
        else:
            rows, merges = _table_parts(item)
            hidden = _covered(merges)
            spans = {(r, c): (rs, cs) for r, c, rs, cs in merges}
            parts.append('<table border="1">')
            for r, row in enumerate(rows):
                cells = []
                for c, text in enumerate(row):
                    if (r, c) in hidden:
                        continue
                    rowspan, colspan = spans.get((r, c), (1, 1))
                    attributes = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + \
                        (f' colspan="{colspan}"' if colspan > 1 else "")
                    cells.append(f"<td{attributes}>{html.escape(text)}</td>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode(charset)


def to_txt(spec: Spec) -> bytes:
    lines: list[str] = []
    for item in spec:
        if item[0] == "table":
            rows, _ = _table_parts(item)
            lines += ["\t".join(row) for row in rows]
            lines.append("")
        else:
            lines += [str(item[1]), ""]
    return "\n".join(lines).encode("utf-8")


# ----------------------------------------------------------------------------------------------------------- seed


def spec_from_document(document) -> Spec:
    """A spec with a document's blocks and raw tables in reading order (tables at their anchors)."""
    spec: Spec = []
    tables = sorted(document.tables, key=lambda t: t.anchor)
    for block in document.blocks:
        while tables and tables[0].anchor <= block.start:
            spec.append(("table", tables.pop(0).texts()))
        kind = block.kind
        if not spec and kind == "paragraph" and block.end - block.start < 60:
            kind = "title"
        spec.append((kind, document.text[block.start:block.end]))
    spec += [("table", table.texts()) for table in tables]
    return spec


def seed_spec() -> Spec:
    return spec_from_document(ingest(SEED.read_bytes(), SEED.name))
