"""Restart safety and API keys, each on a server of its own."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.api_support import ApiServer, upload, wait_until_finished
from tests.conftest import REAL, SEED

DOCUMENTS = [
    REAL / "jiangsu_huaian_hongze_district_2023.pdf",
    REAL / "jiangsu_huaian_hongze_district_2024.pdf",
    REAL / "fujian_pingtan_zone_2021.txt",
    REAL / "fujian_pingtan_zone_2022.txt",
    SEED,
]


def test_killed_server_finishes_everything_once_after_restart(tmp_path):
    server = ApiServer(tmp_path / "data", NIANBAO_WORKERS="1").start()
    try:
        with server.client() as client:
            ids = [upload(client, path.read_bytes(), path.name).json()["id"] for path in DOCUMENTS]
            deadline = time.monotonic() + 90
            while not client.get("/v1/documents", params={"status": "processing"}).json()["total"]:
                assert time.monotonic() < deadline, "nothing started processing"
                time.sleep(0.05)
            interrupted = client.get("/v1/documents", params={"status": "processing"}).json()["items"][0]["id"]
            server.kill()
    finally:
        server.stop()

    server.start()
    try:
        with server.client() as client:
            finished = {doc_id: wait_until_finished(client, doc_id, timeout=240) for doc_id in ids}
            assert {d["status"] for d in finished.values()} == {"done"}, {d["id"]: d["reason"] for d in finished.values()}
            listing = client.get("/v1/documents", params={"limit": 200}).json()
            assert listing["total"] == len(DOCUMENTS)
            assert sorted(item["id"] for item in listing["items"]) == sorted(ids)
            assert len({item["sha256"] for item in listing["items"]}) == len(DOCUMENTS)
            assert finished[interrupted]["attempts"] == 2, "the interrupted document was claimed again"
            assert client.get("/healthz").json()["queue"] == {"queued": 0, "processing": 0, "done": len(DOCUMENTS), "failed": 0}
            hongze_2024 = finished[ids[1]]
            r8 = [f for f in hongze_2024["result"]["findings"] if f["rule"] == "R8"]
            assert len(r8) == 1, "one cross-year result, however often the documents were processed"
    finally:
        server.stop()


def test_api_keys(tmp_path):
    """Started the way users start it: `nianbao serve`."""
    server = ApiServer(tmp_path / "data", ApiServer.CLI_SERVE, NIANBAO_WORKERS="1",
                       NIANBAO_API_KEY="key-one, key-two").start()
    try:
        with server.client() as anonymous:
            assert anonymous.get("/healthz").status_code == 200
            for method, path in (("GET", "/v1/documents"), ("GET", "/docs"), ("GET", "/openapi.json"),
                                 ("POST", "/v1/documents"), ("GET", "/v1/documents/x/report")):
                response = anonymous.request(method, path)
                assert response.status_code == 401, path
                assert "API key" in response.json()["detail"] and response.headers["www-authenticate"].startswith("Bearer")
            assert anonymous.get("/docs-assets/swagger-ui.css").status_code == 200, "public files of the docs page"
            wrong = anonymous.get("/v1/documents", headers={"Authorization": "Bearer key-three"})
            assert wrong.status_code == 401
        with server.client(headers={"Authorization": "Bearer key-two"}) as client:
            assert client.get("/v1/documents").status_code == 200
            assert client.get("/docs").status_code == 200
            doc = upload(client, SEED.read_bytes(), SEED.name).json()
            assert wait_until_finished(client, doc["id"])["status"] == "done"
            assert client.get(f"/v1/documents/{doc['id']}/report").status_code == 200
    finally:
        server.stop()


def _worker_processes(server_pid: int) -> list[int]:
    """The pool's worker processes (children of the server started by multiprocessing's spawn)."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError):
            continue
        if int(fields.get("PPid", "0").strip()) == server_pid and b"spawn_main" in cmdline:
            children.append(int(status.parent.name))
    return children


def test_dead_worker_process_is_replaced_and_its_document_retried(tmp_path):
    server = ApiServer(tmp_path / "data", NIANBAO_WORKERS="1").start()
    try:
        with server.client() as client:
            deadline = time.monotonic() + 60
            while not _worker_processes(server.process.pid):
                assert time.monotonic() < deadline, "the pool started no worker"
                time.sleep(0.1)
            path = REAL / "jiangsu_huaian_hongze_district_2023.pdf"
            doc_id = upload(client, path.read_bytes(), path.name).json()["id"]
            while client.get(f"/v1/documents/{doc_id}").json()["status"] == "queued":
                assert time.monotonic() < deadline, "the document was never taken"
                time.sleep(0.02)
            for pid in _worker_processes(server.process.pid):
                os.kill(pid, signal.SIGKILL)
            doc = wait_until_finished(client, doc_id, timeout=120)
            assert doc["status"] == "done" and doc["attempts"] == 2, (doc["status"], doc["attempts"], doc["reason"])
            assert server.process.poll() is None, "the server itself lives on"
    finally:
        server.stop()


def test_document_over_the_time_limit_fails_and_the_pool_goes_on(tmp_path):
    server = ApiServer(tmp_path / "data", NIANBAO_WORKERS="1", NIANBAO_PROCESS_TIMEOUT_S="0.3").start()
    try:
        with server.client() as client:
            path = REAL / "jiangsu_huaian_hongze_district_2023.pdf"
            doc = wait_until_finished(client, upload(client, path.read_bytes(), path.name).json()["id"])
            assert doc["status"] == "failed" and "longer than 0.3 s" in doc["reason"]
            assert client.get(f"/v1/documents/{doc['id']}/original").content == path.read_bytes()
            small = wait_until_finished(client, upload(client, b"short note", "note.txt").json()["id"], timeout=60)
            assert small["status"] in ("done", "failed") and server.process.poll() is None
    finally:
        server.stop()


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_stopped_server_leaves_no_worker_processes(tmp_path, stop_signal):
    """Stopped, the server stops its workers; killed (its workers not), they notice and end."""
    server = ApiServer(tmp_path / "data", NIANBAO_WORKERS="2").start()
    try:
        deadline = time.monotonic() + 60
        while len(workers := _worker_processes(server.process.pid)) < 2:
            assert time.monotonic() < deadline, "the pool started no workers"
            time.sleep(0.1)
        server.process.send_signal(stop_signal)
        server.process.wait(30)
        deadline = time.monotonic() + 30
        while alive := [pid for pid in workers if _is_worker(pid)]:
            assert time.monotonic() < deadline, f"worker processes outlived the server: {alive}"
            time.sleep(0.1)
    finally:
        server.stop()
