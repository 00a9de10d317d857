"""DOCX backend (python-docx): paragraphs and tables in document order, merged cells expanded.

The body's XML children are walked in order (content controls opened), so a table lands between the paragraphs it
stood between. Headings come from the paragraph style (Title, Heading n, 标题 n) or, for reports typed with direct
formatting, from the numbered-heading rule. Table cells merged with `gridSpan` (across) or `vMerge` (down) are
expanded: every grid position they cover holds a copy whose `origin` names the top-left position.
"""

from __future__ import annotations

import io
import re
import zipfile

from docx import Document as open_docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from service.document import Document, RawCell
from service.ingest.base import Backend, IngestError
from service.ingest.builder import DocumentBuilder
from service.ingest.headings import is_heading
from service.ingest.pdf_backend import join_wrapped
from service.text import clean_line

_HEADING_STYLE = re.compile(r"^(heading|标题)\s*\d", re.I)
_TITLE_STYLE = re.compile(r"^(title|标题)$", re.I)


class DocxBackend(Backend):
    format = "docx"

    @classmethod
    def accepts(cls, data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False

    def convert(self, data: bytes, source_name: str) -> Document:
        try:
            word = open_docx(io.BytesIO(data))
            body = word.element.body
            if body is None:
                raise ValueError("the document has no body")
        except (zipfile.BadZipFile, OpcError, KeyError, XMLSyntaxError, ValueError, OSError, AttributeError) as exc:
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise IngestError(f"corrupt DOCX: {reason}") from None
        builder = DocumentBuilder(data, source_name, "docx")
        for element in _body_elements(body):
            if element.tag == qn("w:p"):
                _add_paragraph(builder, Paragraph(element, word))
            elif element.tag == qn("w:tbl"):
                rows = _table_grid(element)
                if rows:
                    builder.add_table(rows)
        return builder.build()


def _children(parent, tags: tuple[str, ...]):
    """Children with one of `tags` in document order, looking inside content controls (w:sdt) and custom XML."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _children(content, tags)
        elif child.tag == qn("w:customXml"):
            yield from _children(child, tags)


def _body_elements(body):
    """Paragraphs and tables of the body in document order."""
    return _children(body, (qn("w:p"), qn("w:tbl")))


def _add_paragraph(builder: DocumentBuilder, paragraph: Paragraph) -> None:
    text = clean_line(paragraph.text.replace("\n", " ").replace("\t", " "))
    if not text:
        return
    style = paragraph.style.name if paragraph.style is not None else ""
    if _TITLE_STYLE.match(style):
        kind = "title"
    elif _HEADING_STYLE.match(style) or is_heading(text):
        kind = "heading"
    else:
        kind = "paragraph"
    builder.add_block(text, kind=kind)


def _cell_text(tc) -> str:
    """A cell's paragraphs joined as one text (a label typed over several lines reads as one label)."""
    text = ""
    for p in tc.iter(qn("w:p")):
        piece = "".join(node.text or "" for node in p.iter(qn("w:t")))
        text = join_wrapped(text, clean_line(piece))
    return clean_line(text)


def _int_attr(element, path: str, default: int) -> int:
    node = element.find(path)
    if node is None:
        return default
    try:
        return int(node.get(qn("w:val")))
    except (TypeError, ValueError):
        return default


def _table_grid(tbl) -> list[list[RawCell]]:
    """The table as a rectangular grid; merged cells expanded with `origin`."""
    placed: dict[tuple[int, int], tuple[int, int]] = {}  # position -> origin
    texts: dict[tuple[int, int], str] = {}
    width = 0
    rows = list(_children(tbl, (qn("w:tr"),)))
    for r, tr in enumerate(rows):
        col = _int_attr(tr, f"{qn('w:trPr')}/{qn('w:gridBefore')}", 0)
        for tc in _children(tr, (qn("w:tc"),)):
            span = max(1, _int_attr(tc, f"{qn('w:tcPr')}/{qn('w:gridSpan')}", 1))
            merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            continues = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
            above = placed.get((r - 1, col)) if continues else None
            origin = above if above is not None else (r, col)
            if origin == (r, col):
                texts[origin] = _cell_text(tc)
            for c in range(col, col + span):
                placed[(r, c)] = origin
            col += span
        width = max(width, col)
    extent: dict[tuple[int, int], list[int]] = {}
    for (r, c), origin in placed.items():
        box = extent.setdefault(origin, [r, c, r, c])
        box[2], box[3] = max(box[2], r), max(box[3], c)
    grid = []
    for r in range(len(rows)):
        row = []
        for c in range(width):
            origin = placed.get((r, c))
            if origin is None:
                row.append(RawCell(text="", row=r, col=c))
                continue
            r0, c0, r1, c1 = extent[origin]
            rowspan, colspan = r1 - r0 + 1, c1 - c0 + 1
            merged = rowspan > 1 or colspan > 1
            row.append(RawCell(text=texts.get(origin, ""), row=r, col=c, rowspan=rowspan, colspan=colspan,
                               origin=origin if merged else None))
        grid.append(row)
    return grid
