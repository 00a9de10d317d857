"""Bulk annotation runs: both engines give the same results, runs resume, failures are recorded, Ctrl-C is safe."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.batch.engines import EngineError
from service.batch.run import ANNOTATIONS, MANIFEST, RESULTS, SUMMARY, InputError, annotate, discover
from service.batch.work import PipelineSpec
from service.result import Result
from tests.conftest import CORPORA, SEED, real_files

CORRUPT_NAME = "corrupt_report.docx"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The real corpus plus one corrupt file (a ZIP header with nothing behind it) and the manifest the folder keeps."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in real_files():
        shutil.copy(path, folder / path.name)
    shutil.copy(CORPORA / "real" / "MANIFEST.tsv", folder / "MANIFEST.tsv")
    (folder / CORRUPT_NAME).write_bytes(b"PK\x03\x04 this is not a docx")
    return folder


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    return out, annotate([corpus], out, workers=2, engine="local")


@pytest.fixture(scope="module")
def dask_run(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("dask")
    return out, annotate([corpus], out, workers=2, engine="dask")


def _results(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((out / RESULTS).glob("*.json"))}


def test_local_run_writes_every_output(local_run):
    out, summary = local_run
    n_real = len(real_files())
    assert summary.invocation.inputs == n_real + 1  # MANIFEST.tsv is not a report; the corrupt file is
    assert summary.documents == {"total": n_real + 1, "ok": n_real, "failed": 1, "error": 0}
    results = _results(out)
    assert len(results) == n_real
    for text in results.values():
        Result.model_validate_json(text)
    saved = json.loads((out / SUMMARY).read_text(encoding="utf-8"))
    assert saved["documents"] == summary.documents
    assert saved["figures"]["total"] == summary.figures["total"] > 100
    assert sum(saved["findings_by_rule"].values()) == sum(saved["findings_by_severity"].values()) > 0
    rows = [json.loads(line) for line in (out / ANNOTATIONS).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == summary.figures["total"]
    first = json.loads(results[rows[0]["doc_id"] + ".json"])
    assert first["text"][rows[0]["char_start"]:rows[0]["char_end"]] == rows[0]["text"]


def test_corrupt_file_is_recorded_and_the_rest_complete(local_run):
    out, summary = local_run
    [failure] = summary.failures
    assert failure["origin"].endswith(CORRUPT_NAME)
    assert failure["status"] == "failed" and "ZIP" in failure["reason"]
    assert not (out / RESULTS / "corrupt_report.json").exists()


def test_dask_engine_gives_the_same_results(local_run, dask_run):
    local_out, local_summary = local_run
    dask_out, dask_summary = dask_run
    assert dask_summary.invocation.engine == "dask"
    assert _results(dask_out) == _results(local_out)
    assert dask_summary.documents == local_summary.documents
    assert dask_summary.findings_by_rule == local_summary.findings_by_rule
    assert (dask_out / ANNOTATIONS).read_bytes() == (local_out / ANNOTATIONS).read_bytes()


def test_second_run_skips_everything(corpus, local_run):
    out, first = local_run
    before = _results(out)
    again = annotate([corpus], out, workers=1, engine="local")
    assert again.invocation.processed == 0
    assert again.invocation.skipped == first.invocation.inputs
    assert again.documents == first.documents
    assert _results(out) == before


def test_jsonl_of_texts_is_one_document_per_line(tmp_path):
    lines = (CORPORA / "narrative" / "excerpts.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    source = tmp_path / "three.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = discover([source])
    assert [i.doc_id_hint for i in items] == [json.loads(line)["id"] for line in lines]
    summary = annotate([source], tmp_path / "out", workers=1)
    assert summary.documents["ok"] == 3


def test_missing_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        discover([tmp_path / "nowhere"])
    with pytest.raises(InputError):
        discover([tmp_path])  # an empty folder


def test_a_pipeline_that_does_not_load_stops_the_run_before_it_starts(tmp_path):
    with pytest.raises(EngineError, match="unknown stage"):
        annotate([SEED], tmp_path / "out", workers=1, spec=PipelineSpec(stages=("no_such_stage",)))
    assert not (tmp_path / "out" / MANIFEST).exists()


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "service.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_cli_bad_arguments_exit_2_with_one_line(tmp_path):
    for args in (["annotate", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")],
                 ["annotate", str(CORPORA / "seed"), "--out", str(tmp_path / "o"), "--scheduler", "tcp://x:1"]):
        proc = _cli(*args)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 2, stderr
        assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("nianbao: ")


def test_ctrl_c_keeps_finished_work_and_the_next_run_resumes(tmp_path):
    """Many small documents on one worker; SIGINT once a few are done; the folder holds only whole results."""
    base = [json.loads(line) for line in (CORPORA / "narrative" / "excerpts.jsonl").read_text("utf-8").splitlines()]
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for i in range(40):
            record = base[i % len(base)]
            fh.write(json.dumps({"id": f"doc{i:03d}", "text": record["text"] + f"\n（副本{i}）"}, ensure_ascii=False))
            fh.write("\n")
    out = tmp_path / "out"
    proc = _cli("annotate", str(source), "--out", str(out), "--workers", "1", "-q")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        manifest = out / MANIFEST
        if manifest.is_file() and len(manifest.read_text(encoding="utf-8").splitlines()) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    records = [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]
    assert 3 <= len(records) < 40
    for record in records:
        Result.model_validate_json((out / RESULTS / f"{record['doc_id']}.json").read_text(encoding="utf-8"))
    assert len(list((out / RESULTS).glob("*.json"))) == len(records)
    assert not list(out.rglob("*.tmp"))
    assert json.loads((out / SUMMARY).read_text(encoding="utf-8"))["invocation"]["interrupted"] is True
    resumed = annotate([source], out, workers=2, engine="local")
    assert resumed.invocation.skipped == len(records)
    assert resumed.documents["ok"] == 40
