"""Raw tables → labelled rows: every row of every raw table, its label matched against the vocabulary.

Works row by row rather than table by table, because real tables arrive split over pages (D4), merged with their
neighbours, flattened into one line of text (D1) or cut into pieces with their labels detached (D16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.document import RawCell, RawTable
from service.tables.cells import is_value_text
from service.tables.labels import LabelMatch, header_words, match_label, normalize_label, vocabulary
from service.text import fold

_RUN = re.compile(r"\d(?:[\d\s,]|\.(?=\d))*")
_NUMBERING_PUNCT = ".、．"


@dataclass
class ValueSlot:
    text: str
    page: int | None = None
    ambiguous: bool = False
    col: int | None = None
    """Grid column, for grids whose header says which column is which."""


@dataclass
class RawRow:
    """One row as read: its label text, its value cells in order (blank ones included), where it came from."""

    label: str
    values: list[ValueSlot]
    table_index: int
    page: int | None
    flattened: bool = False
    match: LabelMatch | None = field(default=None, repr=False)
    label_cols: frozenset[int] = frozenset()
    header_cols: tuple[int, ...] | None = None
    """Grid columns of 自然人 … 总计 when the raw table's header names them (table 三)."""
    edge_text: tuple[list[ValueSlot], list[ValueSlot]] = field(default_factory=lambda: ([], []))
    """Text cells right before / after the numbers that name no row: a non-numeric cell ("若干") if the row is
    short of cells, otherwise a piece of a cut label."""

    @property
    def key(self) -> tuple[str, str] | None:
        return (self.match.row.table, self.match.row.key) if self.match else None

    @property
    def filled(self) -> list[ValueSlot]:
        return [v for v in self.values if fold(v.text).strip()]

    @property
    def is_column_header(self) -> bool:
        label = normalize_label(self.label)
        return not self.filled and any(word in label for word in header_words())


def rows_of(tables: list[RawTable]) -> list[RawRow]:
    rows: list[RawRow] = []
    for table in tables:
        rows.extend(_flattened_rows(table) if table.flattened else _grid_rows(table))
    for row in rows:
        row.match = None if row.is_column_header else match_label(row.label)
    return rows


def _grid_rows(table: RawTable) -> list[RawRow]:
    header_cols = request_columns(table)
    out = []
    for cells in table.rows:
        cells = [c for c in cells if not (c.is_span_copy and is_value_text(c.text))]
        # a merged value cell counts once (table 二's one-column rows span three columns)
        inside = _value_span(cells)
        labels: list[str] = []
        label_cols: set[int] = set()
        seen_origins: set[tuple[int, int]] = set()
        values: list[ValueSlot] = []
        for i, cell in enumerate(cells):
            if cell.ambiguous and _is_digit_run(cell.text):
                values.append(ValueSlot(cell.text, cell.page, ambiguous=True, col=cell.col))
            elif is_value_text(cell.text) or i in inside:
                values.append(ValueSlot(cell.text, cell.page, col=cell.col))  # text between numbers is a cell
            else:
                label_cols.add(cell.col)
                if _origin(cell) not in seen_origins:
                    seen_origins.add(_origin(cell))
                    labels.append(cell.text)
        page = next((c.page for c in cells if c.page is not None), None)
        row = RawRow(" ".join(labels), values, table.index, page, label_cols=frozenset(label_cols),
                     header_cols=header_cols)
        if inside:
            row.edge_text = (_edge(cells, inside.start - 1), _edge(cells, inside.stop))
        out.append(row)
    return out


def request_columns(table: RawTable) -> tuple[int, ...] | None:
    """Grid columns of table 三's seven value columns, read from header cells above the first number."""
    wanted = vocabulary()["requests"].column_labels
    found: dict[str, int] = {}
    for cells in table.rows:
        if any(c.text.strip() and is_value_text(c.text) for c in cells):
            break
        for cell in cells:
            label = normalize_label(cell.text)
            if label in wanted and label not in found and not cell.is_span_copy:
                found[label] = cell.col
    columns = tuple(found.get(label, -1) for label in wanted)
    if -1 in columns or list(columns) != sorted(set(columns)):
        return None
    return columns


def _edge(cells: list[RawCell], i: int) -> list[ValueSlot]:
    if 0 <= i < len(cells) and not cells[i].is_span_copy and match_label(cells[i].text) is None:
        return [ValueSlot(cells[i].text, cells[i].page)]
    return []


def _value_span(cells: list[RawCell]) -> range:
    filled = [i for i, c in enumerate(cells) if c.text.strip() and is_value_text(c.text)]
    return range(filled[0], filled[-1] + 1) if filled else range(0)


def _origin(cell: RawCell) -> tuple[int, int]:
    return cell.origin or (cell.row, cell.col)


def _is_digit_run(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s.,]+", fold(text).strip()))


def _flattened_rows(table: RawTable) -> list[RawRow]:
    """A table whose borders were lost (D1): rows of label text and ambiguous digit runs, as the backend cut them;
    a cell that still mixes labels and digits is cut here the same way."""
    rows: list[RawRow] = []
    for cells in table.rows:
        page = next((c.page for c in cells if c.page is not None), None)
        for cell in cells:
            if cell.ambiguous and rows:
                rows[-1].values.extend(ValueSlot(t, page, ambiguous=True) for t in fold(cell.text).split())
            else:
                rows.extend(RawRow(label, [ValueSlot(t, page, ambiguous=True) for t in digits.split()],
                                   table.index, page, flattened=True)
                            for label, digits in cut_run_together(fold(cell.text)))
    return rows


def cut_run_together(text: str) -> list[tuple[str, str]]:
    """(label, digits) pairs of a text whose cell borders were lost.

    A run followed by "N." or "N、" and label text ends with that list number ("00000002.其他法律…"): the
    templates number items 1–8, so the last digit before the punctuation is the numbering, not data.
    """
    pairs: list[tuple[str, str]] = []
    label_start = 0
    for run in _RUN.finditer(text):
        digits = run.group().rstrip()
        end = run.start() + len(digits)
        numbering = end < len(text) and text[end] in _NUMBERING_PUNCT and text[end + 1: end + 2] not in ("", " ")
        if numbering:
            digits = digits[:-1].rstrip()
        label = text[label_start: run.start()].strip()
        if label:
            pairs.append((label, digits))
        elif pairs and digits:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {digits}")
        label_start = end - 1 if numbering else run.end()
    tail = text[label_start:].strip()
    if tail:
        pairs.append((tail, ""))
    return pairs
