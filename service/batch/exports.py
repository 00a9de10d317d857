"""Export figure spans from run folders or result files to Label Studio, doccano or a spaCy DocBin."""

from __future__ import annotations

import json
from pathlib import Path

from service.batch import doccano, labelstudio
from service.batch.run import MANIFEST, RunFolder
from service.batch.spans import AnnotatedDoc, from_result, load_result, write_jsonl


class ExportError(Exception):
    pass


def collect(sources: list[Path]) -> list[AnnotatedDoc]:
    """AnnotatedDocs from run folders (their ok documents) and single result JSON files, in a stable order."""
    docs: list[AnnotatedDoc] = []
    for source in sources:
        if source.is_dir():
            if not (source / MANIFEST).is_file():
                raise ExportError(f"{source}: not a run folder (no {MANIFEST}); run nianbao annotate first")
            folder = RunFolder(source)
            for record in folder.ok_records():
                docs.append(from_result(load_result(folder.result_path(record.doc_id)), record.doc_id))
        elif source.is_file():
            try:
                docs.append(from_result(load_result(source), source.stem))
            except ValueError:
                raise ExportError(f"{source}: not a nianbao result JSON") from None
        else:
            raise ExportError(f"{source}: no such file or folder")
    return docs


def export(sources: list[Path], fmt: str, out: Path) -> str:
    """Write the export; returns one line saying what was written."""
    docs = collect(sources)
    out.parent.mkdir(parents=True, exist_ok=True)
    spans = sum(len(d.spans) for d in docs)
    if fmt == "labelstudio":
        version = docs[0].meta.get("pipeline_version", "") if docs else ""
        tasks = labelstudio.export_tasks(docs, model_version=f"nianbao-{version}")
        out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        config = out.with_name(out.stem + ".labeling-config.xml")
        config.write_text(labelstudio.labeling_config(), encoding="utf-8")
        return f"{out}: {len(tasks)} Label Studio tasks, {spans} spans (labeling config: {config})"
    if fmt == "doccano":
        write_jsonl(out, doccano.export_lines(docs))
        return f"{out}: {len(docs)} doccano lines, {spans} spans"
    if fmt == "docbin":
        from service.batch.docbin import to_docbin

        docbin, stats = to_docbin(docs)
        out.write_bytes(docbin.to_bytes())
        return (f"{out}: {stats.docs} spaCy docs, {stats.spans} spans "
                f"({stats.widened} widened to token edges, {stats.overlapping} overlapping left out of ents)")
    raise ExportError(f"unknown export format {fmt!r}")
