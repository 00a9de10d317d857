"""Exports to Label Studio, doccano and spaCy validate against each format and round-trip back to the same spans."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import spacy
from spacy.tokens import DocBin

from service.batch import doccano, labelstudio
from service.batch.docbin import to_docbin
from service.batch.gold import GoldFormatError, read_export, read_gold, write_gold
from service.batch.run import annotate
from service.batch.spans import AnnotatedDoc, all_labels, all_relations, from_result
from service.result import DocumentInfo, Figure, Result
from tests.conftest import SEED

TEXT = "本年度共主动公开政府信息4.14万条，其中政策文件1200条、工作动态3000条。\n全年收到申请75件，较上年增加10件，办结率98.7%。"


def _figure(fid: str, written: str, value, unit: str, kind: str, **extra) -> Figure:
    start = TEXT.index(written)
    return Figure(id=fid, text=written, start=start, end=start + len(written), sentence=(0, len(TEXT)),
                  value=value, unit=unit, kind=kind, **extra)


@pytest.fixture
def result() -> Result:
    figures = [
        _figure("f1", "4.14万条", 41400, "条", "count", relation="total"),
        _figure("f2", "1200条", 1200, "条", "count", part_of="f1", relation="part"),
        _figure("f3", "3000条", 3000, "条", "count", part_of="f1", relation="part"),
        _figure("f4", "75件", 75, "件", "count"),
        _figure("f5", "10件", 10, "件", "count", change="increase", refers_to="f4", relation="change"),
        _figure("f6", "98.7%", 98.7, "%", "percent"),
    ]
    info = DocumentInfo(sha256="0" * 64, source_name="made.txt", format="txt")
    return Result(document=info, text=TEXT, figures=figures)


@pytest.fixture
def doc(result) -> AnnotatedDoc:
    return from_result(result, "made")


def test_spans_and_relations_come_from_the_figures(doc):
    assert [s.label for s in doc.spans] == ["COUNT"] * 5 + ["PERCENT"]
    assert {(r.from_id, r.to_id, r.type) for r in doc.relations} == {
        ("f2", "f1", "PART_OF"), ("f3", "f1", "PART_OF"), ("f5", "f4", "REFERS_TO")}


def _labelstudio_names() -> dict:
    view = ET.fromstring(labelstudio.labeling_config())
    labels = view.find("Labels")
    return {
        "labels_control": labels.get("name"), "text_object": view.find("Text").get("name"),
        "label_values": {e.get("value") for e in labels}, "textarea": view.find("TextArea").get("name"),
        "relation_values": {e.get("value") for e in view.find("Relations")},
    }


def test_label_studio_tasks_match_the_task_format_and_the_labeling_config(doc):
    names = _labelstudio_names()
    assert names["label_values"] == set(all_labels()) and names["relation_values"] == set(all_relations())
    [task] = labelstudio.export_tasks([doc], model_version="nianbao-test")
    text = task["data"]["text"]
    assert text == TEXT and task["data"]["doc_id"] == "made"
    [prediction] = task["predictions"]
    assert prediction["model_version"] == "nianbao-test"
    assert "annotations" not in task  # pre-annotations go under predictions, never annotations
    regions = {r["id"]: r for r in prediction["result"] if r["type"] == "labels"}
    assert len(regions) == len(doc.spans)
    for item in prediction["result"]:
        if item["type"] == "relation":
            assert item["from_id"] in regions and item["to_id"] in regions
            assert item["direction"] == "right" and set(item["labels"]) <= names["relation_values"]
            continue
        assert item["to_name"] == names["text_object"] and item["id"] in regions
        value = item["value"]
        assert 0 <= value["start"] < value["end"] <= len(text)
        if item["type"] == "labels":
            assert item["from_name"] == names["labels_control"]
            assert value["text"] == text[value["start"]:value["end"]]  # end is exclusive
            assert len(value["labels"]) == 1 and value["labels"][0] in names["label_values"]
        else:
            assert item["type"] == "textarea" and item["from_name"] == names["textarea"]
            assert (value["start"], value["end"]) == (regions[item["id"]]["value"]["start"],
                                                      regions[item["id"]]["value"]["end"])
    assert json.loads(json.dumps(task, ensure_ascii=False)) == task


def _as_reviewed(task: dict) -> dict:
    """What Label Studio exports once a reviewer has accepted the predictions of a task."""
    result = [{**item, "origin": "prediction"} for item in task["predictions"][0]["result"]]
    annotation = {"id": 7, "result": result, "was_cancelled": False, "created_at": "2026-11-01T10:00:00Z",
                  "updated_at": "2026-11-01T10:05:00Z", "completed_by": 1}
    return {"id": 1, **task, "annotations": [annotation]}


def test_label_studio_round_trip_gives_the_same_spans_values_and_relations(doc):
    exported = [_as_reviewed(t) for t in labelstudio.export_tasks([doc], "v")]
    [back], unreviewed = labelstudio.import_export(json.loads(json.dumps(exported)))
    assert unreviewed == 0
    assert back.text == doc.text and back.doc_id == doc.doc_id
    assert back.span_keys() == doc.span_keys()
    assert back.relation_keys() == doc.relation_keys()
    assert {(s.start, s.value, s.unit) for s in back.spans} == {(s.start, s.value, s.unit) for s in doc.spans}


def test_label_studio_import_takes_the_reviewers_corrections(doc):
    task = _as_reviewed(labelstudio.export_tasks([doc], "v")[0])
    result = task["annotations"][0]["result"]
    result[:] = [r for r in result if r.get("id") != "f6" and r.get("from_id") != "f5"]  # rejected 98.7%
    start = TEXT.index("98.7%")
    result.append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": start, "end": start + 5, "text": "98.7%", "labels": ["PERCENT"]}})
    skipped = {"data": {"text": "没有审核的任务"}, "annotations": [{"result": [], "was_cancelled": True}]}
    docs, unreviewed = labelstudio.import_export([task, skipped, {"data": {"text": "无人标注"}}])
    assert unreviewed == 2
    [back] = docs
    assert (start, start + 5, "PERCENT") in back.span_keys()
    assert ("f5", "f4", "REFERS_TO") not in {(r.from_id, r.to_id, r.type) for r in back.relations}


def test_doccano_lines_match_the_relation_format_and_round_trip(doc):
    [line] = doccano.export_lines([doc])
    assert line["text"] == TEXT
    for entity in line["entities"]:
        assert set(entity) == {"id", "label", "start_offset", "end_offset"} and isinstance(entity["id"], int)
        assert entity["label"] in all_labels()
    ids = {e["id"] for e in line["entities"]}
    for relation in line["relations"]:
        assert set(relation) == {"id", "from_id", "to_id", "type"}
        assert relation["from_id"] in ids and relation["to_id"] in ids
    [back] = doccano.import_lines([json.loads(json.dumps(line, ensure_ascii=False))])
    assert back.span_keys() == doc.span_keys() and back.relation_keys() == doc.relation_keys()


def test_doccano_sequence_labeling_layout_is_read_too(doc):
    for column in ("label", "labels"):
        line = {"id": 3, "text": TEXT, column: [[s.start, s.end, s.label] for s in doc.spans]}
        [back] = doccano.import_lines([line])
        assert back.span_keys() == doc.span_keys() and back.doc_id == "3"
    with pytest.raises(doccano.DoccanoFormatError):
        doccano.import_lines([{"text": TEXT, "label": [[0, 2]]}])


def test_docbin_loads_in_spacy_with_the_spans_as_entities(doc):
    docbin, stats = to_docbin([doc])
    loaded = list(DocBin().from_bytes(docbin.to_bytes()).get_docs(spacy.blank("zh").vocab))
    [spacy_doc] = loaded
    assert spacy_doc.text == TEXT and stats.widened == 0 and stats.overlapping == 0
    assert {(e.start_char, e.end_char, e.label_) for e in spacy_doc.ents} == doc.span_keys()
    assert len(spacy_doc.spans["figures"]) == len(doc.spans)
    assert spacy_doc.user_data["doc_id"] == "made"


def test_gold_files_round_trip_and_refuse_a_changed_text(doc, tmp_path):
    path = write_gold([doc], "labelstudio", tmp_path / "set.jsonl")
    [back] = read_gold(path)
    assert back.span_keys() == doc.span_keys() and back.relation_keys() == doc.relation_keys()
    row = json.loads(path.read_text(encoding="utf-8"))
    row["text"] = row["text"].replace("本年度", "本年份")
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match="text changed"):
        read_gold(path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(GoldFormatError):
        read_export(bad, "labelstudio")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, timeout=120)


def _in_process(*args: str):
    """The same typer app, invoked in this process (the exports need no process of their own)."""
    from typer.testing import CliRunner

    from service.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_exports_a_run_and_imports_the_review_as_gold(tmp_path):
    run = tmp_path / "run"
    annotate([SEED], run, workers=1)
    outputs = {"labelstudio": tmp_path / "tasks.json", "doccano": tmp_path / "d.jsonl",
               "docbin": tmp_path / "train.spacy"}
    for fmt, out in outputs.items():
        outcome = _in_process("export", str(run), "--format", fmt, "--out", str(out))
        assert outcome.exit_code == 0, outcome.output
    [result_file] = (run / "results").glob("*.json")
    single = _in_process("export", str(result_file), "--format", "doccano", "--out", str(tmp_path / "one.jsonl"))
    assert single.exit_code == 0
    assert (tmp_path / "one.jsonl").read_text("utf-8") == outputs["doccano"].read_text("utf-8")
    tasks = json.loads(outputs["labelstudio"].read_text(encoding="utf-8"))
    assert len(tasks) == 1 and len(tasks[0]["predictions"][0]["result"]) > 5
    assert (tmp_path / "tasks.labeling-config.xml").is_file()
    assert len(list(DocBin().from_disk(outputs["docbin"]).get_docs(spacy.blank("zh").vocab))) == 1
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(json.dumps([_as_reviewed(t) for t in tasks], ensure_ascii=False), encoding="utf-8")
    for tool, source in (("labelstudio", reviewed), ("doccano", outputs["doccano"])):
        outcome = _in_process("gold", "import", str(source), "--from", tool, "--name", tool,
                              "--gold-dir", str(tmp_path / "g"))
        assert outcome.exit_code == 0, outcome.output
    [from_ls] = read_gold(tmp_path / "g" / "labelstudio.jsonl")
    [from_doccano] = read_gold(tmp_path / "g" / "doccano.jsonl")
    assert from_ls.span_keys() == from_doccano.span_keys()
    assert from_ls.relation_keys() == from_doccano.relation_keys()
    proc = _cli("export", str(tmp_path / "nothing"), "--format", "doccano", "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
