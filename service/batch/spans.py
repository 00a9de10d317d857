"""The one internal span record every export renders and every import produces.

An `AnnotatedDoc` is a text with labelled character spans (Python `str` offsets, end exclusive, which equal
JavaScript UTF-16 offsets for the BMP text of these reports) and directed relations between spans.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from service.result import Result

_LABELS_FILE = Path(__file__).with_name("labels.toml")


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, dict[str, str]]:
    return tomllib.loads(_LABELS_FILE.read_text(encoding="utf-8"))


def label_for_kind(kind: str) -> str:
    return _vocabulary()["labels"][kind]


def kind_for_label(label: str) -> str | None:
    return {v: k for k, v in _vocabulary()["labels"].items()}.get(label)


def all_labels() -> list[str]:
    return list(_vocabulary()["labels"].values())


def relation_name(field: str) -> str:
    return _vocabulary()["relations"][field]


def all_relations() -> list[str]:
    return list(_vocabulary()["relations"].values())


class Span(BaseModel):
    id: str
    start: int
    end: int
    text: str
    label: str
    value: int | float | None = None
    unit: str | None = None
    page: int | None = None


class Relation(BaseModel):
    from_id: str
    to_id: str
    type: str


class AnnotatedDoc(BaseModel):
    doc_id: str
    text: str
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    meta: dict = Field(default_factory=dict)
    """Where the text came from: source_name, sha256 of the source file, pipeline_version, …"""

    @model_validator(mode="after")
    def _spans_match_text(self) -> AnnotatedDoc:
        ids = set()
        for span in self.spans:
            if not 0 <= span.start < span.end <= len(self.text):
                raise ValueError(f"{self.doc_id}: span {span.id} [{span.start}, {span.end}) is outside the text")
            if self.text[span.start:span.end] != span.text:
                raise ValueError(f"{self.doc_id}: span {span.id} text {span.text!r} does not match the document")
            ids.add(span.id)
        for rel in self.relations:
            if rel.from_id not in ids or rel.to_id not in ids:
                raise ValueError(f"{self.doc_id}: relation {rel.from_id}→{rel.to_id} names an unknown span")
        return self

    @property
    def text_sha256(self) -> str:
        return text_sha256(self.text)

    def span_keys(self) -> set[tuple[int, int, str]]:
        return {(s.start, s.end, s.label) for s in self.spans}

    def relation_keys(self) -> set[tuple[tuple[int, int], tuple[int, int], str]]:
        by_id = {s.id: (s.start, s.end) for s in self.spans}
        return {(by_id[r.from_id], by_id[r.to_id], r.type) for r in self.relations}


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def from_result(result: Result, doc_id: str) -> AnnotatedDoc:
    spans = [
        Span(id=f.id, start=f.start, end=f.end, text=f.text, label=label_for_kind(f.kind),
             value=f.value, unit=f.unit, page=f.page)
        for f in result.figures
    ]
    known = {f.id for f in result.figures}
    relations = [
        Relation(from_id=f.id, to_id=getattr(f, name), type=relation_name(name))
        for f in result.figures
        for name in _vocabulary()["relations"]
        if getattr(f, name) in known
    ]
    meta = {
        "source_name": result.document.source_name,
        "sha256": result.document.sha256,
        "pipeline_version": result.pipeline_version,
    }
    return AnnotatedDoc(doc_id=doc_id, text=result.text, spans=spans, relations=relations, meta=meta)


def load_result(path: Path) -> Result:
    return Result.model_validate_json(path.read_bytes())


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
