"""Label Studio: tasks with pre-annotations under `predictions`, and reviewed exports read back.

Task shape (labelstud.io/guide/task_format, /guide/predictions): `{"data": {"text": …}, "predictions":
[{"model_version": …, "result": [REGION, …, RELATION, …]}]}`. A region is `{"id", "from_name": "label", "to_name":
"text", "type": "labels", "value": {"start", "end" (exclusive), "text", "labels": [LABEL]}}`; a relation is
`{"type": "relation", "from_id", "to_id", "direction": "right", "labels": [NAME]}`. Each region also carries a
per-region `textarea` result (`from_name: "norm"`) holding "VALUE UNIT", so reviewers can correct the normalized
number as well as the span.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from service.batch.spans import AnnotatedDoc, Relation, Span, all_labels, all_relations

LABEL_CONTROL = "label"
NORM_CONTROL = "norm"
TEXT_OBJECT = "text"


def labeling_config() -> str:
    """The labeling config the tasks are made for (paste it into the project's Labeling Interface)."""
    labels = "\n".join(f"    <Label value={quoteattr(label)}/>" for label in all_labels())
    relations = "\n".join(f"    <Relation value={quoteattr(name)}/>" for name in all_relations())
    return (
        "<View>\n"
        f'  <Relations>\n{relations}\n  </Relations>\n'
        f'  <Labels name="{LABEL_CONTROL}" toName="{TEXT_OBJECT}">\n{labels}\n  </Labels>\n'
        f'  <Text name="{TEXT_OBJECT}" value="$text" granularity="symbol"/>\n'
        f'  <TextArea name="{NORM_CONTROL}" toName="{TEXT_OBJECT}" perRegion="true" editable="true"'
        ' maxSubmissions="1" placeholder="value unit, e.g. 41400 条"/>\n'
        "</View>\n"
    )


def _norm_text(span: Span) -> str | None:
    if span.value is None:
        return None
    value = int(span.value) if float(span.value).is_integer() else span.value
    return f"{value} {span.unit or ''}".strip()


def _regions(doc: AnnotatedDoc) -> list[dict]:
    result: list[dict] = []
    for span in doc.spans:
        position = {"start": span.start, "end": span.end}
        result.append({
            "id": span.id, "from_name": LABEL_CONTROL, "to_name": TEXT_OBJECT, "type": "labels",
            "value": {**position, "text": span.text, "labels": [span.label]},
        })
        norm = _norm_text(span)
        if norm is not None:
            result.append({
                "id": span.id, "from_name": NORM_CONTROL, "to_name": TEXT_OBJECT, "type": "textarea",
                "value": {**position, "text": [norm]},
            })
    for rel in doc.relations:
        result.append({"type": "relation", "from_id": rel.from_id, "to_id": rel.to_id, "direction": "right",
                       "labels": [rel.type]})
    return result


def to_task(doc: AnnotatedDoc, model_version: str) -> dict:
    return {
        "data": {"text": doc.text, "doc_id": doc.doc_id, **doc.meta},
        "predictions": [{"model_version": model_version, "result": _regions(doc)}],
    }


def export_tasks(docs: list[AnnotatedDoc], model_version: str) -> list[dict]:
    return [to_task(doc, model_version) for doc in docs]


class LabelStudioFormatError(ValueError):
    pass


def _reviewed_result(task: dict) -> list[dict] | None:
    """The latest submitted (not skipped) annotation of a task; None when nobody reviewed it."""
    annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not annotations:
        return None
    latest = max(annotations, key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a.get("id") or 0))
    return latest.get("result") or []


def _parse_norm(text: str) -> tuple[int | float | None, str | None]:
    head, _, unit = text.strip().partition(" ")
    try:
        number = float(head)
    except ValueError:
        return None, None
    return (int(number) if number.is_integer() else number), unit.strip()


def from_task(task: dict, index: int) -> AnnotatedDoc | None:
    """A reviewed task → AnnotatedDoc; None for a task nobody has annotated yet."""
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise LabelStudioFormatError(f"task {index}: no data.text; is this a Label Studio JSON export?")
    result = _reviewed_result(task)
    if result is None:
        return None
    text = data["text"]
    spans: dict[str, Span] = {}
    norms: dict[str, str] = {}
    relations: list[Relation] = []
    for item in result:
        kind = item.get("type")
        if kind == "labels":
            value = item["value"]
            start, end = int(value["start"]), int(value["end"])
            spans[item["id"]] = Span(id=item["id"], start=start, end=end, text=text[start:end],
                                     label=value["labels"][0])
        elif kind == "textarea" and item.get("value", {}).get("text"):
            norms[item["id"]] = item["value"]["text"][0]
        elif kind == "relation":
            for name in item.get("labels") or [""]:  # a relation drawn without a label keeps type ""
                relations.append(Relation(from_id=item["from_id"], to_id=item["to_id"], type=name))
    for span_id, norm in norms.items():
        if span_id in spans:
            spans[span_id].value, spans[span_id].unit = _parse_norm(norm)
    meta = {k: v for k, v in data.items() if k not in ("text", "doc_id")}
    doc_id = str(data.get("doc_id") or task.get("id") or index)
    ordered = sorted(spans.values(), key=lambda s: (s.start, s.end))
    return AnnotatedDoc(doc_id=doc_id, text=text, spans=ordered, relations=relations, meta=meta)


def import_export(tasks: list[dict]) -> tuple[list[AnnotatedDoc], int]:
    """A Label Studio JSON export → reviewed docs, and how many tasks were not reviewed (skipped)."""
    if not isinstance(tasks, list):
        raise LabelStudioFormatError("a Label Studio JSON export is a list of tasks")
    docs, unreviewed = [], 0
    for index, task in enumerate(tasks):
        doc = from_task(task, index)
        if doc is None:
            unreviewed += 1
        else:
            docs.append(doc)
    return docs, unreviewed
