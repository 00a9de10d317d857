import json
import subprocess
import sys

import pytest

from tests.conftest import SEED

NIANBAO = [sys.executable, "-m", "service.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NIANBAO, *args], capture_output=True, text=True, timeout=120)


def test_extract_prints_the_result_contract(tmp_path):
    out = tmp_path / "seed.json"
    proc = run("extract", str(SEED), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) >= {"schema_version", "pipeline_version", "document", "sections", "text", "tables",
                           "figures", "findings"}
    assert set(result["tables"]) == {"active_disclosure", "requests", "review_litigation"}
    assert result["document"]["agency"] == "苏州市姑苏区党政办公室"


def test_inspect_prints_a_summary():
    proc = run("inspect", str(SEED))
    assert proc.returncode == 0, proc.stderr
    assert "苏州市姑苏区党政办公室" in proc.stdout and "总体情况" in proc.stdout


@pytest.mark.parametrize("content", [b"", bytes(range(256)) * 10, b"PK\x03\x04broken", b"%PDF-1.7\n1 0 obj <<"])
def test_bad_input_exits_2_with_one_line(tmp_path, content):
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    proc = run("extract", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_missing_file_and_directory_exit_2(tmp_path):
    for target in (tmp_path / "nope.txt", tmp_path):
        proc = run("extract", str(target))
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1
