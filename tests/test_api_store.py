"""The store on SQLite and on a real PostgreSQL server (started here when its binaries are installed): migrations,
content addressing, atomic claims, restart recovery; agency-name matching and re-applying cross-year checks."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from service.checks.history import agency_key, apply_history, is_cross_year, same_agency
from service.pipeline import analyze_bytes
from service.store import Status, Store, StoreSettings
from service.store.processing import Outcome, record_result
from tests.api_support import ApiServer, free_port, upload, wait_until_finished
from tests.conftest import REAL, SEED


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver is an extra: pip install -e '.[postgres]'")
    return found[-1].parent


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL cluster on a free loopback port, run as the `postgres` user when we are root."""
    bindir = _postgres_bin()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "nianbao", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "start", "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off")
        yield f"postgresql+psycopg://nianbao@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store(StoreSettings(database_url=url, data_dir=tmp_path))
    store.migrate()
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM documents"))
    yield store
    store.close()


def test_migrations_are_idempotent(store):
    store.migrate()
    assert "documents" in inspect(store.engine).get_table_names()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"


def test_models_match_the_migrations(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.store.models import Base

    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_content_addressed_originals(store):
    row, created = store.add(b"report one", "a.txt")
    again, created_again = store.add(b"report one", "b.txt")
    assert created and not created_again and again.id == row.id and again.source_name == "a.txt"
    path = store.blobs.path(row.sha256)
    assert path.read_bytes() == b"report one" and path.parent.parent == store.settings.data_dir / "originals"
    with pytest.raises(ValueError):
        store.blobs.path("../../etc/passwd")


def test_each_document_is_claimed_once(store):
    ids = {store.add(f"report {i}".encode(), f"{i}.txt")[0].id for i in range(30)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker():
        while (row := store.claim_next()) is not None:
            with lock:
                claimed.append(row.id)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)
    assert store.counts()[Status.processing.value] == 30


def test_recovery_after_a_stop(store):
    doc = store.add(b"report", "r.txt")[0]
    for attempt in range(1, 4):
        assert store.claim_next().attempts == attempt
        assert store.recover_interrupted(max_attempts=3) == ((1, 0) if attempt < 3 else (0, 1))
    row = store.get(doc.id)
    assert row.status == "failed" and "interrupted 3 times" in row.reason and store.blobs.exists(row.sha256)
    again, _ = store.add(b"report", "r.txt")
    assert again.status == "queued", "uploading a failed document again queues it again"


def test_results_are_recorded_once(store):
    data = SEED.read_bytes()
    doc = store.add(data, SEED.name)[0]
    result = analyze_bytes(data, SEED.name)
    outcome = Outcome(doc.id, result_json=result.to_json(indent=None))
    assert not record_result(store, outcome), "a document nobody claimed takes no result"
    store.claim_next()
    assert record_result(store, outcome)
    assert not record_result(store, outcome), "the same work finishing twice is recorded once"
    row = store.get(doc.id)
    assert row.status == "done" and row.year == 2023 and row.agency_key == agency_key(result.document.agency)
    assert store.stale(result.pipeline_version) == [] and [r.id for r in store.stale("0.0.0")] == [doc.id]
    assert store.delete(doc.id) and not store.blobs.exists(doc.sha256) and store.get(doc.id) is None


def test_cli_reprocess_reruns_stale_results(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from service import __version__
    from service.cli import app

    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    store = Store(StoreSettings.from_env())
    store.migrate()
    data = SEED.read_bytes()
    doc = store.add(data, SEED.name)[0]
    store.claim_next()
    record_result(store, Outcome(doc.id, result_json=analyze_bytes(data, SEED.name).to_json(indent=None)))
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE documents SET pipeline_version = '0.0.1'"))
    runner = CliRunner()
    done = runner.invoke(app, ["reprocess"])
    assert done.exit_code == 0 and f"{doc.id} {SEED.name}: done" in done.output, done.output
    row = store.get(doc.id)
    assert row.status == "done" and row.pipeline_version == __version__ and row.attempts == 1
    assert "nothing to reprocess" in runner.invoke(app, ["reprocess"]).output
    store.close()


def test_agency_names_match_after_normalization():
    assert same_agency(agency_key("淮安市洪泽区人民政府"), agency_key("洪泽区人民政府"))
    assert same_agency(agency_key("江苏省淮安市洪泽区政府"), agency_key("洪泽区人民政府 "))
    assert same_agency(agency_key("平潭综合实验区管理委员会（汇总全区）"), agency_key("平潭综合实验区管委会"))
    assert same_agency(agency_key("苏州市姑苏区人民政府办公室"), agency_key("姑苏区政府办"))
    assert not same_agency(agency_key("淮安市人民政府"), agency_key("洪泽区人民政府"))
    assert not same_agency(agency_key("淮安市洪泽区人民政府"), agency_key("淮安市人民政府"))
    assert not same_agency(agency_key("平潭综合实验区公安局"), agency_key("平潭综合实验区"))


def test_apply_history_replaces_its_own_findings():
    earlier = analyze_bytes((REAL / "fujian_pingtan_zone_2021.txt").read_bytes(), "2021.txt")
    later = analyze_bytes((REAL / "fujian_pingtan_zone_2022.txt").read_bytes(), "2022.txt")
    once = apply_history(later, [earlier])
    twice = apply_history(once, [earlier])
    assert [f.rule for f in once.findings if is_cross_year(f)] == [f.rule for f in twice.findings if is_cross_year(f)]
    assert any(is_cross_year(f) for f in once.findings)
    assert not any(is_cross_year(f) for f in apply_history(once, []).findings), "no history, no cross-year findings"
    in_pipeline = analyze_bytes((REAL / "fujian_pingtan_zone_2022.txt").read_bytes(), "2022.txt", history=[earlier])
    assert sorted(f.model_dump_json() for f in once.findings) == sorted(
        f.model_dump_json() for f in in_pipeline.findings), "re-applying gives what the pipeline gives with history"


def test_service_on_postgresql(postgres_url, tmp_path):
    server = ApiServer(tmp_path / "data", NIANBAO_WORKERS="1", NIANBAO_DATABASE_URL=postgres_url).start()
    try:
        with server.client() as client:
            doc = upload(client, SEED.read_bytes(), SEED.name).json()
            doc = wait_until_finished(client, doc["id"])
            assert doc["status"] == "done" and doc["result"]["document"]["year"] == 2023
            assert client.get("/v1/documents", params={"agency": "姑苏区"}).json()["total"] >= 1
    finally:
        server.stop()
    assert not (tmp_path / "data" / "nianbao.db").exists(), "the database is PostgreSQL, not the SQLite default"
