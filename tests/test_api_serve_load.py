"""`nianbao serve --load FILE` (what `make run` does): the file is queued at start and processed by the server; a
second start with the same file keeps one document; a file that is not a report stops it with one line."""

from __future__ import annotations

import subprocess
import sys

from tests.api_support import ROOT, ApiServer, wait_until_finished
from tests.conftest import SEED


def _serve_loading(tmp_path, path) -> ApiServer:
    return ApiServer(tmp_path / "data", command=(*ApiServer.CLI_SERVE, "--load", str(path)))


def _documents(server: ApiServer) -> list[dict]:
    with server.client() as client:
        return client.get("/v1/documents").json()["items"]


def test_loaded_sample_is_processed_once_across_restarts(tmp_path):
    for _ in range(2):
        server = _serve_loading(tmp_path, SEED).start()
        try:
            documents = _documents(server)
            assert len(documents) == 1
            with server.client() as client:
                body = wait_until_finished(client, documents[0]["id"])
            assert body["status"] == "done"
            assert body["result"]["document"]["agency"] == "苏州市姑苏区党政办公室"
        finally:
            server.stop()


def test_loading_a_file_that_is_not_a_report_exits_2_with_one_line(tmp_path):
    garbage = tmp_path / "photo.txt"
    garbage.write_bytes(bytes(range(256)) * 4)
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--load", str(garbage)], cwd=ROOT,
                          env={"NIANBAO_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "photo.txt" in done.stderr and "unsupported format" in done.stderr
    assert not (tmp_path / "data").exists()
