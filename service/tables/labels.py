"""The label vocabulary of the standard tables (labels.toml) and the matcher that maps a raw label onto it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from service.text import compact

LABELS_FILE = Path(__file__).with_name("labels.toml")
FUZZY_MIN_RATIO = 0.8
"""Below this similarity a label that contains no core is not matched (typos such as 其他法律行政止公开 score ~0.86)."""

SHORT_CORE = 2
FUZZY_TAIL_MIN = 4
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\)|\d{1,2}[.、．,])+")
_NOISE = re.compile(r"[“”\"'‘’「」『』:：;；]")


def normalize_label(text: str) -> str:
    """Folded, whitespace- and quote-free label with `,` unified to `、` (D5, D6)."""
    return _NOISE.sub("", compact(text)).replace(",", "、")


def strip_numbering(label: str) -> str:
    return _NUMBERING.sub("", label)


@dataclass(frozen=True)
class RowLabel:
    table: str
    key: str
    label: str
    cores: tuple[str, ...]
    values: int
    values_2019: int | None = None
    templates: tuple[str, ...] = ("2019", "2021")
    decimal_cols: tuple[str, ...] = ()
    signed_cols: tuple[str, ...] = ()
    cols_2021: tuple[str, ...] = ()
    cols_2019: tuple[str, ...] = ()
    min_hits: int = 1
    order: int = 0

    @property
    def is_header(self) -> bool:
        return self.values == 0 and self.values_2019 is None

    def columns(self, template: str) -> tuple[str, ...]:
        return self.cols_2019 if template == "2019" else self.cols_2021


@dataclass(frozen=True)
class TableVocabulary:
    key: str
    name: str
    """How a Chinese message names the table: 表三（收到和处理政府信息公开申请情况）."""
    rows: tuple[RowLabel, ...]
    columns: tuple[str, ...] = ()
    column_labels: tuple[str, ...] = ()
    template_2019: tuple[str, ...] = ()
    template_2021: tuple[str, ...] = ()

    def row(self, key: str) -> RowLabel | None:
        return next((r for r in self.rows if r.key == key), None)

    def data_rows(self, template: str) -> list[RowLabel]:
        """Rows that carry numbers in this template, in template order."""
        out = []
        for r in self.rows:
            if template not in r.templates:
                continue
            if r.values or (template == "2019" and r.values_2019):
                out.append(r)
        return out


@cache
def vocabulary() -> dict[str, TableVocabulary]:
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))["tables"]
    tables = {}
    for table_key, spec in data.items():
        rows = tuple(
            RowLabel(
                table=table_key, key=r["key"], label=r["label"],
                cores=tuple(normalize_label(c) for c in r["cores"]), values=r["values"],
                values_2019=r.get("values_2019"), templates=tuple(r.get("templates", ("2019", "2021"))),
                decimal_cols=tuple(r.get("decimal_cols", ())), signed_cols=tuple(r.get("signed_cols", ())),
                cols_2021=tuple(r.get("cols_2021", ())),
                cols_2019=tuple(r.get("cols_2019", ())), min_hits=r.get("min_hits", 1), order=i,
            )
            for i, r in enumerate(spec.pop("rows"))
        )
        tables[table_key] = TableVocabulary(
            key=table_key, name=spec.pop("name"), rows=rows, columns=tuple(spec.pop("columns", ())),
            column_labels=tuple(normalize_label(s) for s in spec.pop("column_labels", ())),
            template_2019=tuple(normalize_label(s) for s in spec.pop("template_2019", ())),
            template_2021=tuple(normalize_label(s) for s in spec.pop("template_2021", ())),
        )
    return tables


@cache
def _all_rows() -> tuple[RowLabel, ...]:
    return tuple(r for t in vocabulary().values() for r in t.rows)


@dataclass(frozen=True)
class LabelMatch:
    row: RowLabel
    score: float
    end: int
    """Where the matched core ends in the normalized label: the row label is the last thing a merged label says."""


def match_label(text: str, tables: tuple[str, ...] | None = None) -> LabelMatch | None:
    """The vocabulary row a raw label names, or None. `tables` restricts the search to some tables.

    A label can hold several cores (a merged group cell beside the row label, a flattened header before it): a row
    that needs several cores and has them wins, then a row carrying values beats a header, then the core that ends
    last, then the longest.
    """
    label = normalize_label(text)
    if not label:
        return None
    candidates = [r for r in _all_rows() if tables is None or r.table in tables]
    best: tuple | None = None
    for row in candidates:
        found = [(label.rfind(core) + len(core), len(core)) for core in row.cores if _holds(label, core)]
        if len(found) < row.min_hits:
            continue
        end, length = max(found)
        rank = (row.min_hits > 1, not row.is_header, end, length)
        if best is None or rank > best[0]:
            best = (rank, LabelMatch(row=row, score=1.0, end=end))
    if best is None:
        return _fuzzy_match(strip_numbering(label), candidates)
    found = best[1]
    tail = strip_numbering(label[found.end:])
    if found.row.is_header and len(tail) >= FUZZY_TAIL_MIN:
        # a group cell before a misspelt row label: "（三）不予公开 2.其他法律行政止公开" (D6)
        return _fuzzy_match(tail, [r for r in candidates if r.table == found.row.table]) or found
    return found


def _holds(label: str, core: str) -> bool:
    """A core of one or two characters (其他, 总计, 规章) counts only at the end of the label, where a row label sits."""
    if len(core) <= SHORT_CORE:
        return label.endswith(core)
    return core in label


def _fuzzy_match(label: str, candidates: list[RowLabel]) -> LabelMatch | None:
    best: LabelMatch | None = None
    for row in candidates:
        for core in row.cores:
            if len(core) < 4:
                continue
            ratio = SequenceMatcher(None, label, core).ratio()
            if ratio >= FUZZY_MIN_RATIO and (best is None or ratio > best.score):
                best = LabelMatch(row=row, score=ratio, end=len(label))
    return best


@cache
def header_words() -> tuple[str, ...]:
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    return tuple(normalize_label(w) for w in data["header_words"])


@dataclass(frozen=True)
class NarrativeHint:
    table: str
    row: str
    col: str
    pattern: re.Pattern


@cache
def narrative_hints() -> tuple[NarrativeHint, ...]:
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8")).get("hints", [])
    return tuple(NarrativeHint(h["table"], h["row"], h["col"], re.compile(h["pattern"])) for h in data)


@cache
def _column_names() -> dict[str, str]:
    return tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))["names"]["columns"]


def row_zh(table: str, row: str) -> str:
    label = vocabulary()[table].row(row)
    return label.label if label else row


def col_zh(col: str) -> str:
    return _column_names().get(col, col)


def cell_zh(table: str, row: str, col: str) -> str:
    """“（一）予以公开”行“自然人”列"""
    return f"“{row_zh(table, row)}”行“{col_zh(col)}”列"
