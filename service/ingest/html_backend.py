"""HTML: government web pages as published, page chrome and all.

The report is found as the content container of the page: going down from <body>, the element that still holds
every data table and section heading (一、总体情况 …) and nearly all of the page's prose (no site-specific ids).
Furniture inside it (share bars, breadcrumbs, print and close buttons) is dropped by markup and by wording; the page's
header lines and document-metadata box become `Document.hints`. Paragraphs go to the builder in reading order and
each innermost data table becomes a `RawTable` at its place in the flow; a table that holds other tables, or prose,
is page layout and is read through. Merged cells are expanded into a full grid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from service.document import Document, RawCell
from service.ingest.base import Backend
from service.ingest.builder import DocumentBuilder
from service.ingest.decode import decode
from service.ingest.headings import is_heading
from service.ingest.markup import join_pieces, start_paragraph, vocabulary
from service.lexicon import section_keywords
from service.text import clean_line, compact, is_cjk

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_UNREAD_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "button",
                "select", "textarea", "input", "head"]
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
               "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "table", "thead", "tbody",
               "tfoot", "tr", "td", "th", "caption", "form", "fieldset", "address", "center", "hr", "figure",
               "figcaption", "body", "html"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACES = re.compile(r"[ \t\r\n\f]+")
_MIN_PROSE_RUN = 10
"""CJK characters a text run needs to count as prose when locating the content (nav labels are shorter)."""
_CONTENT_SHARE = 0.9
_CONTENT_SHARE_WITH_HEADINGS = 0.5
_CHROME_MAX_PROSE = 200
"""An element marked as furniture (share bar, breadcrumb) is dropped only when it holds less prose than this."""
_LAYOUT_CELL_PROSE = 100
"""A table cell with this much prose (and a full stop) is page layout, not a data cell."""
_MAX_SPAN = 100
"""Largest colspan honoured (a data table here has at most 15 columns); a rowspan stops at the last row."""
_HEADER_REACH = 40
"""How many elements above the content are searched for the page header's labelled lines."""
_TITLE_REACH = 300
"""How far into the content the title may stand (after a breadcrumb) and still be read there rather than added."""
_HEADER_LINE_MAX_CHARS = 100
"""A "label：value" line inside the content longer than this is a sentence of the report, not the page header."""


@dataclass
class _Measure:
    prose: int = 0
    tables: int = 0
    headings: int = 0
    """Section headings (一、总体情况 …) inside."""


class HtmlBackend(Backend):
    format = "html"

    def convert(self, data: bytes, source_name: str) -> Document:
        text, encoding = decode(data, None if _is_utf8(data) else declared_charset(data))
        soup = BeautifulSoup(text, "lxml")
        builder = DocumentBuilder(data, source_name, "html", encoding=encoding)
        builder.hints.update(_meta_hints(soup))
        title = _page_title(soup)
        for tag in soup.find_all(_UNREAD_TAGS):
            tag.decompose()
        for node in soup.find_all(string=lambda s: isinstance(s, (Comment, Doctype, ProcessingInstruction))):
            node.extract()
        root = soup.body or soup
        for box in _info_boxes(root):
            _box_hints(box, builder.hints)
            box.decompose()
        measures, furniture = _measure_tree(root)
        container = _content_container(root, measures)
        _header_hints(container, builder.hints)
        _drop_furniture(container, furniture)
        if title:
            builder.hints.setdefault("title", title)
        reader = _FlowReader(builder, title)
        if title and compact(title) not in compact(container.get_text())[:len(title) + _TITLE_REACH]:
            builder.add_block(title, kind="title")
        reader.read(container)
        if reader.images:
            builder.note("HTML_IMAGES", f"正文中有{reader.images}张图片，图片中的内容（如以图片发布的表格）未被读取。",
                         f"The content holds {reader.images} image(s); what they show (e.g. a table published "
                         f"as an image) was not read.", severity="info")
        return builder.build()


def declared_charset(data: bytes) -> str | None:
    """The charset the page names in <meta charset>, <meta http-equiv=Content-Type> or an XML declaration."""
    head = data[:8192]
    match = _CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def _is_utf8(data: bytes) -> bool:
    """Valid UTF-8 with non-ASCII bytes is UTF-8 whatever the page declares (GBK text almost never is)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


@cache
def _chrome() -> dict:
    return vocabulary()["html"]["chrome"]


def walk(root: Tag, skip: Callable[[Tag], bool] = lambda tag: False) -> Iterator[tuple[str, Tag | NavigableString]]:
    """A depth-first walk as events ("start", tag), ("text", string), ("end", tag), without recursion: pages with
    thousands of unclosed tags nest that deep. The inside of a tag for which `skip` holds is not entered."""
    yield "start", root
    stack = [(root, iter(root.children))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            yield "end", parent
        elif isinstance(child, Tag):
            yield "start", child
            if skip(child):
                yield "end", child
            else:
                stack.append((child, iter(child.children)))
        elif isinstance(child, NavigableString):
            yield "text", child


# ---------------------------------------------------------------- locating the content


def _is_data_table(table: Tag) -> bool:
    """An innermost table of two or more columns whose cells are short labels and figures (not page layout)."""
    if table.find("table") is not None:
        return False
    if all(len(row.find_all(["td", "th"], recursive=False)) < 2 for row in _rows(table)):
        return False
    for cell in table.find_all(["td", "th"]):
        text = cell.get_text()
        if sum(1 for ch in text if is_cjk(ch)) >= _LAYOUT_CELL_PROSE and "。" in text:
            return False
    return any(cell.get_text().strip() for cell in table.find_all(["td", "th"]))


def _measure_tree(root: Tag) -> tuple[dict[int, _Measure], set[int]]:
    """Prose, data tables and section headings per element; and the elements marked as page furniture.

    Prose counts CJK characters outside links, by runs of inline text within one block element (a paragraph split
    into many <span>s is one run); runs shorter than a sentence (menu labels, buttons) do not count, except in tables.
    An element marked as furniture (footer, share bar) that holds little prose and no data table counts nothing.
    """
    measures: dict[int, _Measure] = {}
    furniture: set[int] = set()
    frames: list[_Frame] = []
    for event, node in walk(root):
        if event == "text":
            if not frames[-1].in_link:
                frames[-1].run.append(str(node))
        elif event == "start":
            outer = frames[-1] if frames else _Frame()
            frame = _Frame(in_link=outer.in_link or node.name == "a", in_table=outer.in_table)
            if node.name == "table" and _is_data_table(node):
                frame.measure.tables += 1
                frame.in_table = True
            frames.append(frame)
        else:
            frame = frames.pop()
            pending = _close_frame(node, frame, furniture)
            measures[id(node)] = frame.measure
            if frames:
                frames[-1].add(frame.measure, pending)
    return measures, furniture


@dataclass
class _Frame:
    """An element being measured: its totals so far and its inline text not yet given to a block."""

    in_link: bool = False
    in_table: bool = False
    measure: _Measure = field(default_factory=_Measure)
    run: list[str] = field(default_factory=list)

    def add(self, inner: _Measure, pending: str) -> None:
        self.measure.prose += inner.prose
        self.measure.tables += inner.tables
        self.measure.headings += inner.headings
        self.run.append(pending)


def _close_frame(tag: Tag, frame: _Frame, furniture: set[int]) -> str:
    """Count the block's own run of text; return the inline text that belongs to the enclosing block."""
    measure, pending = frame.measure, "".join(frame.run)
    if tag.name in _BLOCK_TAGS:
        cjk = sum(1 for ch in pending if is_cjk(ch))
        if frame.in_table or cjk >= _MIN_PROSE_RUN:
            measure.prose += cjk
        if not frame.in_table and _is_section_heading(pending):
            measure.headings += 1
        pending = ""
    if _is_furniture(tag) and not measure.tables and measure.prose < _CHROME_MAX_PROSE:
        furniture.add(id(tag))
        measure.prose = measure.headings = 0
        pending = ""
    return pending


def _is_section_heading(text: str) -> bool:
    text = clean_line(text)
    return is_heading(text) and any(keyword in compact(text) for keyword in section_keywords())


def _is_furniture(tag: Tag) -> bool:
    chrome = _chrome()
    if tag.name in chrome["tags"]:
        return True
    if not tag.attrs:
        return False
    marks = " ".join([*tag.get("class", []), str(tag.get("id", ""))]).lower()
    words = set(re.split(r"[^a-z0-9]+", marks))
    return any(f in marks for f in chrome["class_fragments"]) or not words.isdisjoint(chrome["class_words"])


def _content_container(root: Tag, measures: dict[int, _Measure]) -> Tag:
    """Go down from `root` while one child holds every data table and section heading and (nearly) all the prose.

    "Nearly all" is 90%; with the report's section headings to go by, half of the prose is enough (the rest being a
    long footer or sidebar).
    """
    container = root
    while True:
        whole = measures[id(container)]
        if whole.prose == 0:
            return container
        share = _CONTENT_SHARE_WITH_HEADINGS if whole.headings >= 2 else _CONTENT_SHARE
        inner = next((child for child in container.find_all(True, recursive=False)
                      if measures[id(child)].prose >= share * whole.prose
                      and measures[id(child)].tables == whole.tables
                      and measures[id(child)].headings == whole.headings), None)
        if inner is None:
            return container
        container = inner


def _drop_furniture(container: Tag, furniture: set[int]) -> None:
    for tag in container.find_all(True):
        if id(tag) in furniture and not tag.decomposed:
            tag.decompose()


def is_chrome_text(text: str) -> bool:
    """A block of page furniture: a breadcrumb, share buttons, download and close links."""
    chrome = _chrome()
    folded = compact(text)
    if folded.startswith(tuple(chrome["prefixes"])):
        return True
    for phrase in sorted(chrome["phrases"], key=len, reverse=True):
        folded = folded.replace(compact(phrase), "")
    return not folded.strip(chrome["separators"])


# ---------------------------------------------------------------- metadata the page states


def _meta_hints(soup: BeautifulSoup) -> dict[str, str]:
    wanted = {name.lower(): key for name, key in vocabulary()["html"]["meta_hints"].items()}
    hints: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = wanted.get(str(meta.get("name", "")).lower())
        value = clean_line(str(meta.get("content", "")))
        if key and value:
            hints.setdefault(key, value)
    return hints


def _page_title(soup: BeautifulSoup) -> str | None:
    """The report title: the government-site meta tag, else the first <h1>-<h3> naming a report, else <title>."""
    meta = soup.find("meta", attrs={"name": re.compile("^articletitle$", re.I)})
    if meta and clean_line(str(meta.get("content", ""))):
        return clean_line(str(meta["content"]))
    suffixes = tuple(vocabulary()["title"]["suffixes"])
    for heading in soup.find_all(["h1", "h2", "h3"]):
        text = clean_line(heading.get_text(" "))
        if text and compact(text).endswith(suffixes):
            return text
    if soup.title and soup.title.string:
        first = re.split(r"[_|｜]|\s*[-—–]+\s*", clean_line(soup.title.string))[0].strip()
        if compact(first).endswith(suffixes):
            return first
    return None


def _header_hints(container: Tag, hints: dict[str, str]) -> None:
    """`来源：…` / `时间：…` lines just above the content (the page header under the title), nearest first."""
    for element in container.find_all_previous(["span", "div", "p", "li", "td", "em", "label"], limit=_HEADER_REACH):
        if element.find(["div", "p", "table", "ul"]) is None:
            for key, value in header_fields(clean_line(element.get_text(" "))):
                hints.setdefault(key, value)


@cache
def _header_labels() -> tuple[re.Pattern[str], dict[str, str]]:
    html = vocabulary()["html"]
    keys = {compact(label): "" for label in html["header_labels"]["ignored"]}
    keys.update({compact(label): key for label, key in html["label_hints"].items()})
    pattern = re.compile(r"(%s)\s*[:：]\s*" % "|".join(map(re.escape, sorted(keys, key=len, reverse=True))))
    return pattern, keys


def header_fields(line: str) -> list[tuple[str, str]]:
    """(hint key, value) of each "label：value" in a page-header line ("来源：某局　发布时间：2024-01-20 09:30").

    A value runs to the next known label; labels that name nothing worth keeping (浏览次数) only end a value.
    """
    pattern, keys = _header_labels()
    matches = list(pattern.finditer(line))
    fields = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        key, value = keys[compact(match.group(1))], line[match.end(): end].strip()
        if key and value:
            fields.append((key, value))
    return fields


def is_header_line(text: str) -> bool:
    """A short line of "label：value" fields only (the page header), not a sentence of the report."""
    match = _header_labels()[0].match(text)
    return bool(match) and len(text) <= _HEADER_LINE_MAX_CHARS and "。" not in text


def _info_boxes(root: Tag) -> list[Tag]:
    """The page's document-metadata tables (索引号 | … | 发布机构 | …); only innermost tables qualify."""
    box = vocabulary()["html"]["info_box"]
    label = re.compile(r"^(%s)(?:[:：]|$)" % "|".join(map(re.escape, sorted(box["labels"], key=len, reverse=True))))
    boxes = []
    for table in root.find_all("table"):
        if table.find("table") is not None:
            continue
        found = {match.group(1) for cell in table.find_all(["td", "th"])
                 if (match := label.match(compact(cell.get_text())))}
        if len(found) >= box["min_labels"]:
            boxes.append(table)
    return boxes


def _box_hints(box: Tag, hints: dict[str, str]) -> None:
    """Hints from "label：value" cells, or from a label cell and the value cell after it."""
    labels = _header_labels()[1]
    for row in _rows(box):
        texts = [cell_text(cell) for cell in row.find_all(["td", "th"], recursive=False)]
        for i, text in enumerate(texts):
            label, value = _label_value(text)
            if value is None and i + 1 < len(texts) and _label_value(texts[i + 1])[0] not in labels:
                value = texts[i + 1]
            if labels.get(label) and value:
                hints.setdefault(labels[label], value)


def _label_value(text: str) -> tuple[str, str | None]:
    """("label", "value") of a "label：value" cell; ("label", None) for a bare label cell."""
    match = re.match(r"^(.+?)[:：](.*)$", text)
    if not match:
        return compact(text), None
    return compact(match.group(1)), clean_line(match.group(2)) or None


# ---------------------------------------------------------------- reading the flow


class _FlowReader:
    """Walks the content in document order: text runs become paragraphs, data tables become raw tables.

    A paragraph never joins across a table (`_fresh`): the text after a table starts anew.
    """

    def __init__(self, builder: DocumentBuilder, title: str | None):
        self.builder = builder
        self._title = compact(title) if title else None
        self.images = 0
        self._line: list[str] = []
        self._headings_open = 0
        self._fresh = True

    def read(self, container: Tag) -> None:
        for event, node in walk(container, skip=lambda tag: tag.name == "table" and _is_data_table(tag)):
            if event == "text":
                self._line.append(_SPACES.sub(" ", str(node)))
            elif event == "start":
                self._start(node)
            elif node.name in _BLOCK_TAGS:
                self.flush()
                self._headings_open -= node.name in _HEADING_TAGS
        self.flush()

    def _start(self, tag: Tag) -> None:
        if tag.name == "br":
            self.flush()
        elif tag.name == "img":
            self.images += 1
        elif tag.name == "table" and _is_data_table(tag):
            self.flush()
            self.builder.add_table(table_grid(tag), caption=_caption(tag))
            self._fresh = True
        elif tag.name in _BLOCK_TAGS:
            self.flush()
            self._headings_open += tag.name in _HEADING_TAGS

    def flush(self) -> None:
        """End the current line of text: a paragraph, joined to the one before when that one broke mid-sentence."""
        text = clean_line("".join(self._line))
        self._line = []
        if text and is_header_line(text):
            for key, value in header_fields(text):
                self.builder.hints.setdefault(key, value)
        elif text and not is_chrome_text(text):
            if self._title and compact(text) == self._title:
                self.builder.add_block(text, kind="title")
                self._title = None
            elif self._headings_open:
                self.builder.add_block(text, kind="heading")
            elif self._fresh:
                start_paragraph(self.builder, text)
            else:
                self.builder.add_paragraph(text)
            self._fresh = False


def _caption(table: Tag) -> str | None:
    caption = table.find("caption")
    return clean_line(caption.get_text(" ")) or None if caption else None


# ---------------------------------------------------------------- tables


def cell_text(cell: Tag) -> str:
    """The text of a cell whose label is split over <p>, <span> and <br>: pieces joined, no space within Chinese."""
    pieces: list[str] = [""]
    for event, node in walk(cell):
        if event == "text":
            pieces[-1] += _SPACES.sub(" ", str(node))
        elif node is not cell and (node.name == "br" or node.name in _BLOCK_TAGS):
            pieces.append("")
    return join_pieces(pieces)


def _span(cell: Tag, attribute: str) -> int:
    match = re.match(r"\s*(\d+)", str(cell.get(attribute, "1")))
    return min(int(match.group(1)), _MAX_SPAN) if match else 1


def _rows(table: Tag) -> list[Tag]:
    """The table's own rows (thead, tbody, tfoot or bare), in order."""
    rows = []
    for child in table.find_all(True, recursive=False):
        if child.name == "tr":
            rows.append(child)
        elif child.name in ("thead", "tbody", "tfoot"):
            rows.extend(child.find_all("tr", recursive=False))
    return rows


def table_grid(table: Tag) -> list[list[RawCell]]:
    """Rows of cells with every merged cell expanded: each covered position holds a copy naming its origin."""
    rows = _rows(table)
    slots: dict[tuple[int, int], RawCell] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row.find_all(["td", "th"], recursive=False):
            while (r, c) in slots:
                c += 1
            rowspan = _span(cell, "rowspan") or len(rows) - r  # rowspan="0": to the end of the table
            rowspan = min(rowspan, len(rows) - r)
            colspan = _span(cell, "colspan") or 1
            text = cell_text(cell)
            merged = rowspan > 1 or colspan > 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    slots[(r + dr, c + dc)] = RawCell(
                        text=text, row=r + dr, col=c + dc, rowspan=rowspan, colspan=colspan,
                        origin=(r, c) if merged else None)
            c += colspan
    width = max((c for _, c in slots), default=-1) + 1
    grid = [[slots.get((r, c)) or RawCell(text="", row=r, col=c) for c in range(width)] for r in range(len(rows))]
    return _drop_blank_rows(grid)


def _drop_blank_rows(grid: list[list[RawCell]]) -> list[list[RawCell]]:
    """Remove rows with no text and no cell spanning into other rows (spacer rows), renumbering what is left."""
    keep = [r for r, row in enumerate(grid) if any(c.text or c.rowspan > 1 for c in row)]
    new_index = {old: new for new, old in enumerate(keep)}
    out = []
    for old in keep:
        out.append([cell.model_copy(update={
            "row": new_index[old],
            "origin": (new_index[cell.origin[0]], cell.origin[1]) if cell.origin else None,
        }) for cell in grid[old]])
    return out
