"""PDF backend (pdfplumber): narrative paragraphs from line geometry, tables from ruling lines.

Reading a page:
1. Ruling edges come only from what is drawn visibly: stroked lines and rectangles, and thin filled bars or
   quadrilaterals (the way browsers and WPS draw cell borders). Filled white or shaded boxes behind text are not
   rules.
2. Cell borders cut by a page break leave vertical rules with open ends; a closing rule is added there so the cells
   at the top and bottom of a page still close.
3. Tables (pdfplumber's table finder on those edges) with at least two columns become raw tables; a one-column
   "table" is a bordered text box and stays narrative. Characters inside a table never reach the narrative.
4. The remaining characters are grouped into lines; page numbers and running headers/footers in the page margins are
   dropped; paragraph breaks come from indentation, vertical gaps, short last lines, headings and font size.
5. A table that ends a page and a table that starts the next one with the same outer edges, with nothing between,
   are one table (D4): rows are stacked on the union of their column edges, and a cell cut by the page break is
   joined back together (D2).

A PDF without any text gives the `no_text_layer` note (error) and no text; pages that cannot be parsed, scanned pages
among text pages and unreadable table rules give notes too. A page header above the report (a printed web page's
title and `来源：… 时间：…` line) gives hints. An unreadable file raises `IngestError("corrupt PDF: …")`.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import tomllib
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from service.document import Document, RawCell
from service.ingest.base import Backend, IngestError
from service.ingest.builder import DocumentBuilder
from service.ingest.headings import is_heading
from service.lexicon import load
from service.text import SENTENCE_END, clean_line, compact

for _noisy in ("pdfminer", "pdfplumber"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

EDGE_TOLERANCE = 3.0
"""Points within which two rules or cell borders count as the same line."""
THIN_BAR = 2.5
"""A filled rectangle at most this thick is a drawn rule, not a box."""
OPEN_END_TOLERANCE = 4.0
"""Points within which a vertical rule's end meets a horizontal rule (or the next segment of itself)."""
MARGIN_ZONE = 0.135
"""Fraction of the page height at the top and bottom where page numbers and running headers live."""
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_~·•\s]*\d{1,4}[-—–－_~·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.I,
)
_LIST_MARKER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}\s*[.、．])")
_NUMBER = re.compile(r"^[\s\d.,，%％万元件条个-]*$")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int


@dataclass
class Cell:
    """A cell as drawn (before expansion into grid positions); rows and columns are end-exclusive."""

    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    page: int
    bbox: tuple[float, float, float, float]


@dataclass
class TablePart:
    """The piece of a table that lies on one page."""

    page: int
    bbox: tuple[float, float, float, float]
    xs: list[float]
    n_rows: int
    cells: list[Cell]

    @property
    def top(self) -> float:
        return self.bbox[1]


@dataclass
class PageLayout:
    number: int
    width: float
    height: float
    chars: list[dict]
    parts: list[TablePart] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    has_images: bool = False
    error: str | None = None
    table_error: str | None = None


class PdfBackend(Backend):
    format = "pdf"

    @classmethod
    def accepts(cls, data: bytes) -> bool:
        return b"%PDF-" in data[:1024]

    def convert(self, data: bytes, source_name: str) -> Document:
        builder = DocumentBuilder(data, source_name, "pdf")
        layouts, metadata = _read_layouts(data)
        _note_unread_pages(builder, layouts)
        if not any(layout.chars for layout in layouts):
            builder.note(
                "no_text_layer",
                "PDF 没有文字层（可能是扫描件），无法读取文字和表格，需要先进行文字识别（OCR）。",
                "The PDF has no text layer (probably a scan); no text or table can be read without OCR.",
                severity="error",
            )
            return builder.build(pages=len(layouts))
        for layout in layouts:
            layout.lines = _lines(layout, [p.bbox for p in layout.parts])
        _drop_page_furniture(layouts)
        groups = _stitch(layouts)
        builder.hints.update(_label_hints(layouts))
        metrics = _metrics(layouts)
        if _is_web_print(metadata):
            groups = _trim_web_page(layouts, groups, metrics)
        _emit(builder, layouts, groups, metrics)
        document = builder.build(pages=len(layouts))
        _title_hint(document)
        return document


def _note_unread_pages(builder: DocumentBuilder, layouts: list[PageLayout]) -> None:
    some_text = any(layout.chars for layout in layouts)
    for layout in layouts:
        n = layout.number
        if layout.error:
            builder.note("page_unreadable", f"第 {n} 页无法解析，其内容未读取（{layout.error}）。",
                         f"Page {n} could not be parsed and was not read ({layout.error}).", "error", page=n)
        elif layout.table_error:
            builder.note("tables_unreadable", f"第 {n} 页的表格线无法解析，该页内容按正文读取。",
                         f"The table rules of page {n} could not be read; the page was read as text.", page=n)
        elif some_text and not layout.chars and layout.has_images:
            builder.note("page_without_text", f"第 {n} 页没有文字层（可能是扫描页），其内容未读取。",
                         f"Page {n} has no text layer (probably a scanned page) and was not read.", page=n)


# --------------------------------------------------------------------------------------------------- reading pages


_PARSE_ERRORS = (PdfminerException, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError,
                 AssertionError, RecursionError, ZeroDivisionError, OSError)


def _read_layouts(data: bytes) -> tuple[list[PageLayout], dict]:
    """Every page's characters and table parts, and the document's metadata; a page that cannot be parsed is kept
    empty with its error."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise IngestError("corrupt PDF: the file is encrypted and needs a password") from None
    except _PARSE_ERRORS as exc:
        raise IngestError(f"corrupt PDF: {_one_line(exc)}") from None
    with pdf:
        layouts = [_read_page(page) for page in pages]
        metadata = dict(pdf.metadata or {})
    if not layouts:
        raise IngestError("corrupt PDF: the file has no pages")
    if all(layout.error for layout in layouts):
        raise IngestError(f"corrupt PDF: {layouts[0].error}")
    return layouts, metadata


def _one_line(exc: BaseException) -> str:
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(cause, BaseException) and not str(cause):
        return type(cause).__name__
    return " ".join(str(cause).split())[:200] or type(exc).__name__


def _read_page(page) -> PageLayout:
    layout = PageLayout(number=page.page_number, width=float(page.width), height=float(page.height), chars=[])
    try:
        layout.chars = _dedupe([_normalize_char(c) for c in page.chars if c["text"].strip()])
        layout.has_images = bool(page.images)
    except _PARSE_ERRORS as exc:
        layout.error = _one_line(exc)
        return layout
    if layout.chars:
        try:
            layout.parts = _table_parts(page, layout)
        except _PARSE_ERRORS as exc:  # the ruling could not be read: the page is read as text only
            layout.table_error = _one_line(exc)
    return layout


@cache
def _vocabulary() -> dict:
    with (Path(__file__).with_name("pdf.toml")).open("rb") as handle:
        return tomllib.load(handle)


def _radicals() -> dict[str, str]:
    return _vocabulary()["radicals"]


def _normalize_char(char: dict) -> dict:
    """Kangxi and CJK radical code points (a font's glyph mapping) read as the ideographs they depict."""
    text = char["text"]
    if len(text) == 1 and "\u2e80" <= text <= "\u2fdf":
        folded = _radicals().get(text) or unicodedata.normalize("NFKC", text)
        if len(folded) == 1:
            char = {**char, "text": folded}
    return char


def _dedupe(chars: list[dict]) -> list[dict]:
    """Drop characters printed twice at (almost) the same place: a common way of faking bold."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in chars:
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# ------------------------------------------------------------------------------------------------------- tables


def _is_white(color) -> bool:
    if color is None:
        return False
    values = color if isinstance(color, (tuple, list)) else (color,)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(numbers) == 4:  # CMYK: white is no ink
        return all(v <= 0.05 for v in numbers)
    return bool(numbers) and all(v >= 0.95 for v in numbers)


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict:
    return {"object_type": "rule_edge", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "width": x1 - x0, "height": bottom - top}


def _ruling_edges(page) -> list[dict]:
    edges = []
    for line in page.lines:
        if line.get("stroke", True) and not _is_white(line.get("stroking_color")):
            x0, x1, top, bottom = line["x0"], line["x1"], line["top"], line["bottom"]
            if abs(x1 - x0) >= abs(bottom - top):
                edges.append(_edge("h", x0, x1, (top + bottom) / 2, (top + bottom) / 2))
            else:
                edges.append(_edge("v", (x0 + x1) / 2, (x0 + x1) / 2, top, bottom))
    for shape in page.rects + page.curves:
        x0, x1, top, bottom = shape["x0"], shape["x1"], shape["top"], shape["bottom"]
        width, height = x1 - x0, bottom - top
        if shape.get("fill") and min(width, height) <= THIN_BAR and not _is_white(shape.get("non_stroking_color")):
            # a thin filled bar (browsers draw cell borders so, bevelled ones as thin quadrilaterals) is a rule
            if width >= height:
                edges.append(_edge("h", x0, x1, top + height / 2, top + height / 2))
            else:
                edges.append(_edge("v", x0 + width / 2, x0 + width / 2, top, bottom))
        elif shape["object_type"] == "rect" and shape.get("stroke") and not _is_white(shape.get("stroking_color")):
            edges += [_edge("h", x0, x1, top, top), _edge("h", x0, x1, bottom, bottom),
                      _edge("v", x0, x0, top, bottom), _edge("v", x1, x1, top, bottom)]
    return [e for e in edges if max(e["width"], e["height"]) >= 1]


def _closing_edges(edges: list[dict]) -> list[dict]:
    """Horizontal rules where vertical rules end in the open: the cut of a page break through a table."""
    horizontal = _by_position([e for e in edges if e["orientation"] == "h"], "top")
    vertical = _by_position([e for e in edges if e["orientation"] == "v"], "x0")

    def near(index: dict[int, list[dict]], value: float) -> list[dict]:
        bucket = int(value // OPEN_END_TOLERANCE)
        return [e for b in (bucket - 1, bucket, bucket + 1) for e in index.get(b, [])]

    def closed(x: float, y: float, direction: int) -> bool:
        """Whether a rule ending at (x, y) meets a horizontal rule or goes on as another segment (direction ±1)."""
        if any(abs(h["top"] - y) <= OPEN_END_TOLERANCE and h["x0"] - OPEN_END_TOLERANCE <= x
               <= h["x1"] + OPEN_END_TOLERANCE for h in near(horizontal, y)):
            return True
        return any(abs(v["x0"] - x) <= OPEN_END_TOLERANCE and v["top"] - OPEN_END_TOLERANCE <= y
                   <= v["bottom"] + OPEN_END_TOLERANCE and (v["bottom"] - y if direction > 0 else y - v["top"]) > 1
                   for v in near(vertical, x))

    rules = [v for bucket in vertical.values() for v in bucket]
    ends = [(v["x0"], v["top"], -1) for v in rules] + [(v["x0"], v["bottom"], 1) for v in rules]
    open_ys = sorted(y for x, y, direction in ends if not closed(x, y, direction))
    closing = []
    for y in _cluster(open_ys, OPEN_END_TOLERANCE):
        xs = [x for x, ey, _ in ends if abs(ey - y) <= OPEN_END_TOLERANCE]
        if len(xs) >= 2 and max(xs) - min(xs) >= 10:
            closing.append(_edge("h", min(xs), max(xs), y, y))
    return closing


def _by_position(edges: list[dict], key: str) -> dict[int, list[dict]]:
    index: dict[int, list[dict]] = {}
    for edge in edges:
        index.setdefault(int(edge[key] // OPEN_END_TOLERANCE), []).append(edge)
    return index


def _cluster(values: list[float], tolerance: float) -> list[float]:
    """Representative values (means) of sorted values grouped where consecutive ones lie within `tolerance`."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tolerance:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _table_parts(page, layout: PageLayout) -> list[TablePart]:
    edges = _ruling_edges(page)
    horizontal = [e for e in edges if e["orientation"] == "h"] + _closing_edges(edges)
    vertical = [e for e in edges if e["orientation"] == "v"]
    if len(horizontal) < 2 or len(vertical) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal,
                "snap_tolerance": EDGE_TOLERANCE, "join_tolerance": EDGE_TOLERANCE,
                "intersection_tolerance": EDGE_TOLERANCE}
    parts = []
    for table in page.find_tables(settings):
        part = _part_from_cells(table.cells, layout)
        if part is not None:
            parts.append(part)
    return parts


def _part_from_cells(boxes: list[tuple], layout: PageLayout) -> TablePart | None:
    xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], EDGE_TOLERANCE)
    ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], EDGE_TOLERANCE)
    if len(xs) < 3 or len(ys) < 2:  # one column: a bordered text box, read as narrative
        return None
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    cells = []
    for x0, top, x1, bottom in boxes:
        c0, c1, r0, r1 = _nearest(xs, x0), _nearest(xs, x1), _nearest(ys, top), _nearest(ys, bottom)
        if c1 > c0 and r1 > r0:
            cells.append(Cell(r0, c0, r1, c1, "", layout.number, (x0, top, x1, bottom)))
    _fill_cell_texts(cells, xs, ys, layout.chars, layout.number)
    return TablePart(page=layout.number, bbox=bbox, xs=xs, n_rows=len(ys) - 1, cells=cells)


def _fill_cell_texts(cells: list[Cell], xs: list[float], ys: list[float], chars: list[dict], page: int) -> None:
    owner: dict[tuple[int, int], Cell] = {}
    for cell in cells:
        for r in range(cell.r0, cell.r1):
            for c in range(cell.c0, cell.c1):
                owner[(r, c)] = cell
    inside: dict[int, list[dict]] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
            continue
        r, c = min(bisect_right(ys, cy) - 1, len(ys) - 2), min(bisect_right(xs, cx) - 1, len(xs) - 2)
        cell = owner.get((r, c))
        if cell is None:  # a grid position no drawn cell covers: its text is kept in a cell of its own
            cell = owner[(r, c)] = Cell(r, c, r + 1, c + 1, "", page, (xs[c], ys[r], xs[c + 1], ys[r + 1]))
            cells.append(cell)
        inside.setdefault(id(cell), []).append(ch)
    for cell in cells:
        cell.text = _cell_text(inside.get(id(cell), []))


def _cell_text(chars: list[dict]) -> str:
    """The text of one cell with its wrapped lines joined (D2): no line breaks, CJK joined without spaces."""
    text = ""
    for line in _group_lines(chars):
        text = join_wrapped(text, _line_text(line))
    return clean_line(text)


# -------------------------------------------------------------------------------------------------- text lines


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into visual lines (top to bottom), each sorted left to right."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines:
            last = lines[-1]
            middle = (ch["top"] + ch["bottom"]) / 2
            if last[0]["top"] - 1 <= middle <= last[0]["bottom"] + 1 and ch["top"] < last[0]["bottom"]:
                last.append(ch)
                continue
        lines.append([ch])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _line_text(chars: list[dict]) -> str:
    """A line's text; a gap wider than a space between Latin words (narrower than that elsewhere) reads as one."""
    parts: list[str] = []
    previous = None
    for ch in chars:
        latin = previous is not None and previous["text"][-1:].isascii() and ch["text"][:1].isascii()
        if previous is not None and ch["x0"] - previous["x1"] > max(1.0, (0.15 if latin else 0.3) * ch["size"]):
            parts.append(" ")
        parts.append(ch["text"])
        previous = ch
    return clean_line("".join(parts))


def join_wrapped(left: str, right: str) -> str:
    """Join two wrapped pieces of one text: a space only between Latin words (a number cut by a narrow cell and
    Chinese text join directly)."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if a.isascii() and b.isascii() and a.isalnum() and b.isalnum() and not (a.isdigit() and b.isdigit()):
        return f"{left} {right}"
    return left + right


def _lines(layout: PageLayout, excluded: list[tuple[float, float, float, float]]) -> list[Line]:
    def outside(ch: dict) -> bool:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        return not any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in excluded)

    lines = []
    for group in _group_lines([c for c in layout.chars if outside(c)]):
        text = _line_text(group)
        if text:
            size = statistics.median(c["size"] for c in group)
            lines.append(Line(text, group[0]["x0"], max(c["x1"] for c in group), min(c["top"] for c in group),
                              max(c["bottom"] for c in group), size, layout.number))
    return lines


def _in_margin(line: Line, layout: PageLayout) -> bool:
    return line.bottom < layout.height * MARGIN_ZONE or line.top > layout.height * (1 - MARGIN_ZONE)


def _drop_page_furniture(layouts: list[PageLayout]) -> None:
    """Drop page numbers and headers/footers repeated on most pages (only where they sit: in the page margins)."""
    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))

    repeated: Counter[str] = Counter()
    for layout in layouts:
        repeated.update({shape(line.text) for line in layout.lines if _in_margin(line, layout)})
    threshold = max(3, (len(layouts) + 1) // 2)
    for layout in layouts:
        layout.lines = [
            line for line in layout.lines
            if not (_in_margin(line, layout)
                    and (_PAGE_NUMBER.match(line.text.strip()) or repeated[shape(line.text)] >= threshold))
        ]


# ---------------------------------------------------------------------------------------------------- stitching


@dataclass
class TableGroup:
    parts: list[TablePart]


def _stitch(layouts: list[PageLayout]) -> list[TableGroup]:
    groups: list[TableGroup] = []
    for index, layout in enumerate(layouts):
        for part in layout.parts:
            previous = groups[-1] if groups else None
            if previous is not None and _continues(previous.parts[-1], part, layouts, index):
                previous.parts.append(part)
            else:
                groups.append(TableGroup([part]))
    kept = []
    for group in groups:
        if sum(p.n_rows for p in group.parts) >= 2:
            kept.append(group)
        else:  # a lone one-row grid is page layout (a link bar), not a table: give its text back
            part = group.parts[0]
            layout = layouts[part.page - 1]
            layout.parts.remove(part)
            layout.lines = _lines(layout, [p.bbox for p in layout.parts])
    if len(kept) != len(groups):
        _drop_page_furniture(layouts)
    return kept


def _continues(before: TablePart, part: TablePart, layouts: list[PageLayout], index: int) -> bool:
    """Whether `part` (first table on its page) continues `before` (last table on the previous page)."""
    layout = layouts[index]
    if before.page != layout.number - 1 or part is not layout.parts[0]:
        return False
    previous = layouts[index - 1]
    if before is not previous.parts[-1]:
        return False
    if any(line.top > before.bbox[3] - 1 for line in previous.lines):
        return False
    if any(line.bottom < part.top + 1 for line in layout.lines):
        return False
    return abs(before.bbox[0] - part.bbox[0]) <= 2 * EDGE_TOLERANCE and \
        abs(before.bbox[2] - part.bbox[2]) <= 2 * EDGE_TOLERANCE


def _group_cells(group: TableGroup) -> tuple[list[Cell], int, int]:
    """The cells of all parts on one grid: union of column edges, rows stacked; cells cut by a page break joined."""
    xs = _cluster([x for part in group.parts for x in part.xs], EDGE_TOLERANCE)
    cells: list[Cell] = []
    offset = 0
    for number, part in enumerate(group.parts):
        moved = [Cell(c.r0 + offset, _nearest(xs, part.xs[c.c0]), c.r1 + offset, _nearest(xs, part.xs[c.c1]),
                      c.text, c.page, c.bbox) for c in part.cells]
        if number:
            moved = _join_seam(cells, moved, offset)
        cells += moved
        offset = max((c.r1 for c in cells), default=offset)
    return cells, offset, len(xs) - 1


def _join_seam(above: list[Cell], below: list[Cell], seam: int) -> list[Cell]:
    """Join the first row of a continued part to the last row of the part before it.

    Header rows the continuation repeats are dropped. When every cell of the new page's first row is empty or a text
    fragment (not a number, not a new list item) below a cell of the same columns, the page break cut that row: it
    is joined to the row above. Otherwise only cells continuing a merged cell are joined: an empty cell, or a
    fragment spanning several rows, under a cell of the same columns.
    """
    below = _drop_repeated_header(above, below, seam)
    if not below:
        return below
    first = min(c.r0 for c in below)
    last_above = {(c.c0, c.c1): c for c in above if c.r1 == seam}
    top_row = [c for c in below if c.r0 == first]
    partners = {id(c): last_above.get((c.c0, c.c1)) for c in top_row}
    row_cut = any(not c.text for c in top_row) and any(c.text for c in top_row) and all(
        partners[id(c)] is not None and (not c.text or _continues_text(partners[id(c)], c)) for c in top_row)
    shift = first - seam + (1 if row_cut else 0)
    kept = []
    for cell in below:
        partner = partners.get(id(cell))
        spans = cell.r1 - cell.r0 > 1
        if partner is not None and (row_cut or (_continues_text(partner, cell) and (
                spans or (not cell.text and partner.r1 - partner.r0 > 1)))):
            partner.text = join_wrapped(partner.text, cell.text)
            partner.r1 = max(partner.r1, cell.r1 - shift)
            continue
        cell.r0 -= shift
        cell.r1 -= shift
        kept.append(cell)
    return kept


def _continues_text(partner: Cell | None, cell: Cell) -> bool:
    """Whether `cell` may be the rest of `partner`, cut by a page break."""
    if partner is None or not partner.text or _NUMBER.match(partner.text):
        return False
    return not cell.text or not _starts_item(cell.text)


def _starts_item(text: str) -> bool:
    """Text that begins a cell of its own: a list item ("（五）", "2.", "四、") or a number."""
    return bool(_LIST_MARKER.match(text)) or bool(_NUMBER.match(text))


def _drop_repeated_header(above: list[Cell], below: list[Cell], seam: int) -> list[Cell]:
    """The continuation without the header rows it repeats from the top of the table."""
    def row_texts(cells: list[Cell], row: int) -> tuple:
        return tuple(sorted((c.c0, c.c1, c.text) for c in cells if c.r0 == row))

    top_above = min(c.r0 for c in above)
    first = min(c.r0 for c in below)
    repeated = 0
    while row_texts(below, first + repeated) and \
            row_texts(below, first + repeated) == row_texts(above, top_above + repeated):
        repeated += 1
    if not repeated or not any(c.r0 >= first + repeated for c in below):
        return below
    cut = first + repeated
    return [Cell(c.r0 - repeated, c.c0, c.r1 - repeated, c.c1, c.text, c.page, c.bbox) for c in below if c.r0 >= cut]


def _grid(group: TableGroup) -> list[list[RawCell]]:
    cells, n_rows, n_cols = _group_cells(group)
    grid: list[list[RawCell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for cell in cells:
        merged = cell.r1 - cell.r0 > 1 or cell.c1 - cell.c0 > 1
        for r in range(cell.r0, cell.r1):
            for c in range(cell.c0, cell.c1):
                if grid[r][c] is None:
                    grid[r][c] = RawCell(text=cell.text, row=r, col=c, rowspan=cell.r1 - cell.r0,
                                         colspan=cell.c1 - cell.c0, origin=(cell.r0, cell.c0) if merged else None,
                                         page=cell.page, bbox=cell.bbox)
    rows = [[cell or RawCell(text="", row=r, col=c) for c, cell in enumerate(row)] for r, row in enumerate(grid)]
    return _drop_empty_rows(rows)


def _drop_empty_rows(rows: list[list[RawCell]]) -> list[list[RawCell]]:
    """Drop rows with no text of their own (only spanned through): slivers of rows a page break cut."""
    keep = [r for r, row in enumerate(rows) if any(c.text and (c.origin is None or c.origin[0] == r) for c in row)]
    if len(keep) == len(rows):
        return rows
    new_index = {old: new for new, old in enumerate(keep)}
    out = []
    for old in keep:
        row = []
        for cell in rows[old]:
            update: dict = {"row": new_index[old]}
            if cell.origin is not None:
                origin_row = next((r for r in keep if r >= cell.origin[0]), old)
                update["origin"] = (new_index[origin_row], cell.origin[1])
                update["rowspan"] = sum(1 for r in keep if cell.origin[0] <= r < cell.origin[0] + cell.rowspan)
            row.append(cell.model_copy(update=update))
        out.append(row)
    return out


# ------------------------------------------------------------------------------------------------------ hints

HINT_REACH_CHARS = 80
"""Longest line taken as a page-header line (`来源：… 时间：…`) or as the report title."""


def _looks_like_title(text: str) -> bool:
    """Short, not a sentence, and ending like a report title ("…年度报告"; the markup vocabulary's suffixes)."""
    text = text.strip()
    return bool(text) and len(text) <= HINT_REACH_CHARS and text[-1] not in SENTENCE_END \
        and compact(text).endswith(tuple(load("markup")["title"]["suffixes"]))


def _title_hint(document: Document) -> None:
    """The report title: a block before the first section heading that ends like one."""
    for block in document.blocks:
        text = document.text[block.start: block.end]
        if block.kind == "heading":
            return
        if _looks_like_title(text):
            document.hints.setdefault("title", text)
            return


def _label_hints(layouts: list[PageLayout]) -> dict[str, str]:
    """`来源：… 时间：…` lines above the first section heading (a printed web page's header) → hints."""
    hints: dict[str, str] = {}
    for line in _lines_before_heading(layouts):
        for key, value in _labelled_values(line.text):
            hints.setdefault(key, value)
    return hints


def _lines_before_heading(layouts: list[PageLayout]):
    for layout in layouts:
        for line in layout.lines:
            if is_heading(line.text):
                return
            yield line


@cache
def _label_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    labels = {compact(label): key for label, key in load("markup")["html"]["label_hints"].items()}
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(f"({alternatives})\\s*[:：]"), labels


def _labelled_values(text: str) -> list[tuple[str, str]]:
    """The (hint key, value) pairs of a line made of `label：value` fields, or [] for any other line."""
    pattern, labels = _label_pattern()
    matches = list(pattern.finditer(text)) if len(text) <= HINT_REACH_CHARS else []
    if not matches or matches[0].start() != 0:
        return []
    values = []
    for match, following in zip(matches, matches[1:] + [None]):
        value = text[match.end(): following.start() if following else len(text)].strip()
        if value:
            values.append((labels[compact(match.group(1))], value))
    return values


# ------------------------------------------------------------------------------------------------ web prints


def _is_web_print(metadata: dict) -> bool:
    stamp = f"{metadata.get('Producer', '')} {metadata.get('Creator', '')}"
    return any(name in stamp for name in _vocabulary()["web_print"]["producers"])


def _trim_web_page(layouts: list[PageLayout], groups: list[TableGroup], metrics: Metrics) -> list[TableGroup]:
    """A web page printed by a browser: keep the report, from its title line to the site chrome after the last
    section; drop the chrome and `label：value` lines between the title and the first section heading.

    Chrome is recognised with the HTML backend's vocabulary. Without a section heading nothing is trimmed.
    """
    from service.ingest.html_backend import is_chrome_text

    lines = [line for layout in layouts for line in layout.lines]
    headings = [i for i, line in enumerate(lines) if is_heading(line.text)]
    if not headings:
        return groups
    title = next((i for i in range(headings[0]) if _looks_like_title(lines[i].text)), None)
    while title and lines[title - 1].page == lines[title].page \
            and not _starts_paragraph(lines[title - 1], lines[title], metrics):  # a title wrapped over lines
        title -= 1
    dropped = set(range(title if title is not None else 0))
    dropped.update(i for i in range(headings[0]) if is_chrome_text(lines[i].text) or _labelled_values(lines[i].text))
    tail = next((i for i in range(headings[-1] + 1, len(lines)) if is_chrome_text(lines[i].text)), None)
    if tail is not None:
        dropped.update(range(tail, len(lines)))
    kept_lines = {id(line) for i, line in enumerate(lines) if i not in dropped}
    start = (lines[title].page, lines[title].top) if title is not None else (0, 0.0)
    end = (lines[tail].page, lines[tail].top) if tail is not None else (len(layouts) + 1, 0.0)
    kept_groups = [g for g in groups if start <= (g.parts[0].page, g.parts[0].top) < end]
    kept_parts = {id(part) for group in kept_groups for part in group.parts}
    for layout in layouts:
        layout.lines = [line for line in layout.lines if id(line) in kept_lines]
        layout.parts = [part for part in layout.parts if id(part) in kept_parts]
    return kept_groups


# ------------------------------------------------------------------------------------------------- paragraphs


@dataclass
class Metrics:
    body_size: float
    leading: float
    left: dict[int, float]
    right: dict[int, float]


def _metrics(layouts: list[PageLayout]) -> Metrics:
    lines = [line for layout in layouts for line in layout.lines]
    sizes = Counter(round(line.size, 0) for line in lines for _ in line.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 12.0
    gaps = [b.top - a.top for layout in layouts for a, b in zip(layout.lines, layout.lines[1:])
            if abs(a.size - body_size) < 1 and abs(b.size - body_size) < 1 and b.top > a.top]
    leading = statistics.median(gaps) if gaps else body_size * 1.5
    left, right = {}, {}
    all_long = [line for line in lines if line.x1 - line.x0 > 15 * body_size]
    for layout in layouts:
        long_lines = [line for line in layout.lines if line.x1 - line.x0 > 15 * body_size] or all_long \
            or layout.lines
        if long_lines:
            left[layout.number] = Counter(round(line.x0) for line in long_lines).most_common(1)[0][0]
            right[layout.number] = sorted(line.x1 for line in long_lines)[int(0.9 * (len(long_lines) - 1))]
    return Metrics(body_size, leading, left, right)


def _is_large(line: Line, metrics: Metrics) -> bool:
    return line.size > metrics.body_size * 1.15


def _starts_paragraph(previous: Line, line: Line, metrics: Metrics) -> bool:
    """Whether `line` begins a new block rather than continuing the one `previous` belongs to."""
    size = metrics.body_size
    ends_short = previous.x1 < metrics.right.get(previous.page, previous.x1) - 2 * size
    if is_heading(line.text) or (is_heading(previous.text) and ends_short):
        return True
    if _is_large(previous, metrics) and _is_large(line, metrics):  # a title wrapped over several lines
        return abs(previous.size - line.size) > 1 or line.top - previous.bottom > 1.5 * line.size
    if abs(previous.size - line.size) > 0.15 * size:
        return True
    if line.page == previous.page and line.top - previous.top > 1.4 * metrics.leading:
        return True
    return line.x0 > metrics.left.get(line.page, line.x0) + 0.8 * size or ends_short


def _emit(builder: DocumentBuilder, layouts: list[PageLayout], groups: list[TableGroup], metrics: Metrics) -> None:
    starts = {id(group.parts[0]): group for group in groups}
    continued = {id(part) for group in groups for part in group.parts[1:]}
    paragraph: list[Line] = []
    seen_heading = False

    def flush() -> None:
        nonlocal seen_heading
        if not paragraph:
            return
        kind = "paragraph"
        if is_heading(paragraph[0].text):
            kind, seen_heading = "heading", True
        elif not seen_heading and not builder.last_block and (
                _is_large(paragraph[0], metrics) or _looks_like_title(" ".join(line.text for line in paragraph))):
            kind = "title"
        _add_paragraph(builder, paragraph, kind)
        paragraph.clear()

    for layout in layouts:
        items: list[tuple[float, int, object]] = [(line.top, 0, line) for line in layout.lines]
        items += [(part.top, 1, part) for part in layout.parts if id(part) not in continued]
        for _, _, item in sorted(items, key=lambda t: (t[0], t[1])):
            if isinstance(item, Line):
                if paragraph and _starts_paragraph(paragraph[-1], item, metrics):
                    flush()
                paragraph.append(item)
            else:
                flush()
                group = starts[id(item)]
                builder.add_table(_grid(group), pages=sorted({p.page for p in group.parts}))
    flush()


def _add_paragraph(builder: DocumentBuilder, lines: list[Line], kind: str) -> None:
    """One block; a paragraph running over a page break keeps the page of each piece."""
    pieces: list[tuple[int, str]] = []
    for line in lines:
        if pieces and pieces[-1][0] == line.page:
            pieces[-1] = (line.page, join_wrapped(pieces[-1][1], line.text))
        else:
            pieces.append((line.page, line.text))
    block = builder.add_block(pieces[0][1], kind=kind, page=pieces[0][0])
    if block is None:
        return
    for page, text in pieces[1:]:
        builder.extend_block(text, page=page)
