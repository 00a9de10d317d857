"""doccano JSONL: the relation-extraction layout for export, both layouts read back.

Export (one line per document): `{"text", "entities": [{"id", "label", "start_offset", "end_offset"}], "relations":
[{"id", "from_id", "to_id", "type"}], "doc_id", "meta"}` (doccano's relation project format; it keeps other columns
as metadata). Import also accepts the sequence-labeling layout `{"text", "label": [[start, end, LABEL], …]}` (older
doccano versions name the column `labels`). doccano has no field for a normalized number, so imported spans carry
no value or unit.
"""

from __future__ import annotations

from service.batch.spans import AnnotatedDoc, Relation, Span


class DoccanoFormatError(ValueError):
    pass


def to_line(doc: AnnotatedDoc) -> dict:
    numbers = {span.id: i for i, span in enumerate(doc.spans, start=1)}
    return {
        "text": doc.text,
        "entities": [
            {"id": numbers[s.id], "label": s.label, "start_offset": s.start, "end_offset": s.end} for s in doc.spans
        ],
        "relations": [
            {"id": i, "from_id": numbers[r.from_id], "to_id": numbers[r.to_id], "type": r.type}
            for i, r in enumerate(doc.relations, start=1)
        ],
        "doc_id": doc.doc_id,
        "meta": doc.meta,
    }


def export_lines(docs: list[AnnotatedDoc]) -> list[dict]:
    return [to_line(doc) for doc in docs]


def _span(text: str, span_id: str, start: int, end: int, label: str) -> Span:
    return Span(id=span_id, start=start, end=end, text=text[start:end], label=label)


def from_line(line: dict, index: int) -> AnnotatedDoc:
    text = line.get("text")
    if not isinstance(text, str):
        raise DoccanoFormatError(f"line {index + 1}: no \"text\"; is this doccano JSONL?")
    spans: list[Span] = []
    relations: list[Relation] = []
    if "entities" in line:
        for ent in line["entities"]:
            spans.append(_span(text, f"e{ent['id']}", int(ent["start_offset"]), int(ent["end_offset"]), ent["label"]))
        for rel in line.get("relations") or []:
            relations.append(Relation(from_id=f"e{rel['from_id']}", to_id=f"e{rel['to_id']}", type=rel["type"]))
    else:
        triples = line.get("label", line.get("labels")) or []
        for i, triple in enumerate(triples, start=1):
            if not (isinstance(triple, list) and len(triple) == 3):
                raise DoccanoFormatError(f"line {index + 1}: a label must be [start, end, LABEL], got {triple!r}")
            spans.append(_span(text, f"e{i}", int(triple[0]), int(triple[1]), str(triple[2])))
    meta = line.get("meta") if isinstance(line.get("meta"), dict) else {}
    doc_id = str(line.get("doc_id") or meta.get("doc_id") or line.get("id") or index)
    spans.sort(key=lambda s: (s.start, s.end))
    return AnnotatedDoc(doc_id=doc_id, text=text, spans=spans, relations=relations, meta=meta)


def import_lines(lines: list[dict]) -> list[AnnotatedDoc]:
    return [from_line(line, i) for i, line in enumerate(lines)]
