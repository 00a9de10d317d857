"""Gold span annotations: reviewed exports from Label Studio or doccano, stored under corpora/gold/reviewed/.

Format (documented in corpora/gold/README.md): JSON Lines, one reviewed document per line, an `AnnotatedDoc`
(`doc_id`, `text`, `spans` [{id, start, end, text, label, value, unit}], `relations` [{from_id, to_id, type}],
`meta`) plus `text_sha256` (so a gold file is never applied to a text it was not made on), `tool` and `imported`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from service.batch import doccano, labelstudio
from service.batch.spans import AnnotatedDoc, all_labels, read_jsonl, text_sha256

GOLD_ROOT = Path(__file__).resolve().parents[2] / "corpora" / "gold"
REVIEWED_DIR = GOLD_ROOT / "reviewed"
TOOLS = ("labelstudio", "doccano")


class GoldFormatError(ValueError):
    pass


def read_export(path: Path, tool: str) -> tuple[list[AnnotatedDoc], int]:
    """A tool's export file → reviewed docs and the number of tasks nobody reviewed."""
    try:
        if tool == "labelstudio":
            return labelstudio.import_export(json.loads(path.read_text(encoding="utf-8")))
        if tool == "doccano":
            return doccano.import_lines(read_jsonl(path)), 0
    except json.JSONDecodeError as error:
        raise GoldFormatError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    except (KeyError, TypeError, ValueError) as error:
        raise GoldFormatError(f"{path}: {error}".splitlines()[0]) from None
    raise GoldFormatError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")


def check_labels(docs: list[AnnotatedDoc]) -> None:
    known = set(all_labels())
    for doc in docs:
        for span in doc.spans:
            if span.label not in known:
                raise GoldFormatError(f"{doc.doc_id}: unknown label {span.label!r}; known: {', '.join(sorted(known))}")


def gold_record(doc: AnnotatedDoc, tool: str) -> dict:
    imported = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {**doc.model_dump(), "text_sha256": doc.text_sha256, "tool": tool, "imported": imported}


def write_gold(docs: list[AnnotatedDoc], tool: str, path: Path) -> Path:
    check_labels(docs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps(gold_record(doc, tool), ensure_ascii=False) + "\n")
    return path


def read_gold(path: Path) -> list[AnnotatedDoc]:
    docs = []
    for row in read_jsonl(path):
        expected = row.pop("text_sha256", None)
        row.pop("tool", None)
        row.pop("imported", None)
        doc = AnnotatedDoc.model_validate(row)
        if expected and expected != text_sha256(doc.text):
            raise GoldFormatError(f"{path}: {doc.doc_id}: text changed since import (sha256 mismatch)")
        docs.append(doc)
    return docs


def reviewed_gold(root: Path = REVIEWED_DIR) -> list[AnnotatedDoc]:
    """Every reviewed gold doc; a doc reviewed in several files counts once (the file sorting last wins)."""
    by_id: dict[str, AnnotatedDoc] = {}
    for path in sorted(root.glob("*.jsonl")) if root.is_dir() else []:
        for doc in read_gold(path):
            by_id[doc.doc_id] = doc
    return list(by_id.values())
