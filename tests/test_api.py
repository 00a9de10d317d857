"""The HTTP service against a real uvicorn server: upload, poll, result, report, exports, listing, errors, load."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
import pytest
from openpyxl import load_workbook

from tests.api_support import upload, wait_until_finished
from tests.conftest import SEED


@pytest.fixture(scope="module")
def client(api_server):
    with api_server.client() as c:
        yield c


@pytest.fixture(scope="module")
def seed_doc(client) -> dict:
    response = upload(client, SEED.read_bytes(), "gusu_2023_report.txt")
    assert response.status_code in (200, 202), response.text
    assert response.json()["status"] in ("queued", "processing", "done")
    return wait_until_finished(client, response.json()["id"])


def test_health_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and set(health["queue"]) == {"queued", "processing", "done", "failed"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/documents", "/v1/documents/{doc_id}", "/v1/documents/{doc_id}/report",
                 "/v1/documents/{doc_id}/export.csv", "/v1/documents/{doc_id}/export.xlsx",
                 "/v1/documents/{doc_id}/original", "/v1/documents/{doc_id}/reprocess", "/healthz"):
        assert path in paths


def test_seed_result(seed_doc):
    assert seed_doc["status"] == "done", seed_doc.get("reason")
    result = seed_doc["result"]
    assert result["schema_version"] == "1" and result["pipeline_version"] == seed_doc["pipeline_version"]
    assert result["document"]["agency"] == "苏州市姑苏区党政办公室" and result["document"]["year"] == 2023
    assert seed_doc["agency"] == "苏州市姑苏区党政办公室" and seed_doc["year"] == 2023 and not seed_doc["stale"]
    assert set(result["tables"]) >= {"active_disclosure", "requests", "review_litigation"}
    assert "做好疑问解答" in result["text"]
    assert seed_doc["errors"] == sum(f["severity"] == "error" for f in result["findings"])


def test_same_bytes_same_document(client, seed_doc):
    again = upload(client, SEED.read_bytes(), "another-name.txt")
    assert again.status_code == 200
    assert again.json()["id"] == seed_doc["id"] and again.json()["status"] == "done"


def test_report_page(client, seed_doc):
    response = client.get(f"/v1/documents/{seed_doc['id']}/report")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "苏州市姑苏区党政办公室" in page and 'class="fig state-' in page
    assert page.count('<mark class="fig state-') == len(seed_doc["result"]["figures"])
    for finding in seed_doc["result"]["findings"]:
        assert finding["message_zh"].split("“")[0][:20] in page


def test_report_links_to_downloads(client, seed_doc):
    page = client.get(f"/v1/documents/{seed_doc['id']}/report").text
    for suffix in ("/export.xlsx", "/export.csv", "/original"):
        href = f"/v1/documents/{seed_doc['id']}{suffix}"
        assert f'href="{href}"' in page and client.get(href).status_code == 200


def test_agency_and_year_given_at_upload_win(client):
    data = SEED.read_bytes() + "\n（上传时注明机关与年度的副本）\n".encode()
    response = upload(client, data, "hinted.txt", agency="苏州市姑苏区某测试局", year=2021)
    doc = wait_until_finished(client, response.json()["id"])
    assert doc["result"]["document"]["agency"] == "苏州市姑苏区某测试局" and doc["result"]["document"]["year"] == 2021
    listed = client.get("/v1/documents", params={"agency": "某测试局", "year": 2021}).json()
    assert [item["id"] for item in listed["items"]] == [doc["id"]]


def test_csv_export(client, seed_doc):
    response = client.get(f"/v1/documents/{seed_doc['id']}/export.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    result = seed_doc["result"]
    assert sum(r["sheet"] == "figures" for r in rows) == len(result["figures"])
    assert sum(r["sheet"] == "findings" for r in rows) == len(result["findings"])
    total = next(r for r in rows if r["sheet"] == "cells" and r["table"] == "requests" and r["row"] == "total"
                 and r["col"] == "total")
    assert total["value"] == str(result["tables"]["requests"]["rows"]["total"]["total"]["value"])
    assert total["row_label"] == "（七）总计"


def test_xlsx_export(client, seed_doc):
    response = client.get(f"/v1/documents/{seed_doc['id']}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["document", "figures", "cells", "findings"]
    meta = {row[0]: row[1] for row in book["document"].iter_rows(min_row=2, values_only=True)}
    assert meta["agency"] == "苏州市姑苏区党政办公室" and meta["year"] == 2023
    cells = book["cells"]
    header = [c.value for c in cells[1]]
    rows = [dict(zip(header, r)) for r in cells.iter_rows(min_row=2, values_only=True)]
    tables = seed_doc["result"]["tables"]
    for row in rows:
        assert row["value"] == tables[row["table"]]["rows"][row["row"]][row["col"]]["value"]
    assert len(rows) == sum(len(cols) for t in tables.values() if t for cols in t["rows"].values())
    figures = book["figures"]
    header = [c.value for c in figures[1]]
    first = dict(zip(header, next(figures.iter_rows(min_row=2, values_only=True))))
    expected = seed_doc["result"]["figures"][0]
    assert (first["id"], first["text"], first["value"], first["unit"]) == (
        expected["id"], expected["text"], expected["value"], expected["unit"])
    assert book["findings"].max_row == len(seed_doc["result"]["findings"]) + 1


def test_original_is_kept(client, seed_doc):
    response = client.get(f"/v1/documents/{seed_doc['id']}/original")
    assert response.status_code == 200 and response.content == SEED.read_bytes()
    assert "gusu_2023_report.txt" in response.headers["content-disposition"]


def test_listing_filters_and_paging(client, seed_doc):
    def ids(**params):
        body = client.get("/v1/documents", params=params).json()
        return {item["id"] for item in body["items"]}, body["total"]

    assert seed_doc["id"] in ids(agency="姑苏区党政办公室", year=2023, status="done")[0]
    assert seed_doc["id"] not in ids(year=2019)[0]
    assert seed_doc["id"] not in ids(agency="洪泽区")[0]
    has_errors = seed_doc["errors"] > 0
    assert (seed_doc["id"] in ids(has_errors=str(has_errors).lower())[0])
    assert seed_doc["id"] not in ids(has_errors=str(not has_errors).lower())[0]
    page = client.get("/v1/documents", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["limit"] == 1 and page["total"] >= 1
    assert client.get("/v1/documents", params={"limit": 0}).status_code == 422
    assert client.get("/v1/documents", params={"status": "sleeping"}).status_code == 422


def test_reprocess_keeps_one_document(client, seed_doc):
    response = client.post(f"/v1/documents/{seed_doc['id']}/reprocess")
    assert response.status_code == 202 and response.json()["id"] == seed_doc["id"]
    again = wait_until_finished(client, seed_doc["id"])
    assert again["status"] == "done" and again["result"]["figures"] == seed_doc["result"]["figures"]
    listed = client.get("/v1/documents", params={"agency": "姑苏区党政办公室", "year": 2023}).json()
    assert listed["total"] == 1


BAD_INPUTS = {
    "oversize": (b"x" * (2 * 1024 * 1024 + 10), "big.txt", 413, "larger than the limit"),
    "empty": (b"", "empty.txt", 422, "empty"),
    "blank": (b" \n\t\n", "blank.txt", 422, "empty"),
    "image": (b"\x89PNG\r\n\x1a\n" + bytes(200), "report.pdf", 415, "unsupported format"),
    "binary": (bytes(range(256)) * 8, "report.docx", 415, "unsupported format"),
    "corrupt-pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog" + bytes(range(256)) * 4, "broken.pdf", 422, "corrupt PDF"),
    "corrupt-docx": (b"PK\x03\x04" + b"\x00" * 300, "broken.docx", 422, "corrupt"),
    "traversal": (b"report text", "../../etc/passwd", 400, "file name"),
    "traversal-windows": (b"report text", "..\\..\\boot.ini", 400, "file name"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_inputs_are_refused_with_a_message(client, case):
    data, name, status, message = BAD_INPUTS[case]
    before = client.get("/v1/documents").json()["total"]
    response = upload(client, data, name)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert client.get("/v1/documents").json()["total"] == before


def test_oversize_upload_without_content_length(client):
    """A chunked upload declares no size: it is counted as it arrives and cut off at the limit."""
    boundary = "nianbao-test-boundary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(40):
            yield b"x" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post("/v1/documents", content=body(),
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413 and "larger than the limit" in response.json()["detail"]


def test_bad_requests(client):
    assert client.post("/v1/documents", data={"agency": "x"}).status_code == 422
    assert "file" in client.post("/v1/documents", data={"agency": "x"}).json()["detail"]
    assert upload(client, b"text", "a.txt", year="twenty").status_code == 422
    missing = client.get("/v1/documents/0123456789abcdef0123456789abcdef")
    assert missing.status_code == 404 and "no document" in missing.json()["detail"]
    for suffix in ("", "/report", "/export.csv", "/export.xlsx", "/original"):
        assert client.get(f"/v1/documents/..%2F..%2Fetc{suffix}").status_code == 404
    assert client.delete("/v1/documents/nope").status_code == 404
    assert client.post("/v1/documents/nope/reprocess").status_code == 404


def test_failed_document_keeps_its_original(client):
    """An HTML page with no content passes the upload check (it is HTML) and fails in the worker."""
    data = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>var a = 1;</script></body></html>"
    response = upload(client, data, "empty-page.html")
    assert response.status_code == 202, response.text
    doc = wait_until_finished(client, response.json()["id"])
    assert doc["status"] == "failed" and "no text" in doc["reason"] and doc["result"] is None
    assert client.get(f"/v1/documents/{doc['id']}/original").content == data
    refused = client.get(f"/v1/documents/{doc['id']}/report")
    assert refused.status_code == 409 and "failed" in refused.json()["detail"]
    listed = client.get("/v1/documents", params={"status": "failed"}).json()
    assert doc["id"] in {item["id"] for item in listed["items"]}


def test_delete(client):
    doc = upload(client, SEED.read_bytes() + "\n（删除测试副本）\n".encode(), "copy.txt").json()
    wait_until_finished(client, doc["id"])
    assert client.delete(f"/v1/documents/{doc['id']}").status_code == 204
    assert client.get(f"/v1/documents/{doc['id']}").status_code == 404
    assert client.get(f"/v1/documents/{doc['id']}/original").status_code == 404


def test_twenty_concurrent_uploads(api_server, client):
    variants = [SEED.read_bytes() + f"\n（并发测试副本 {i}）\n".encode() for i in range(20)]

    async def send_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(base_url=api_server.base_url, timeout=60, limits=limits) as session:
            return await asyncio.gather(*(
                session.post("/v1/documents", files={"file": (f"copy-{i}.txt", data)})
                for i, data in enumerate(variants)))

    responses = asyncio.run(send_all())
    assert [r.status_code for r in responses] == [202] * 20
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 20
    finished = [wait_until_finished(client, doc_id, timeout=180) for doc_id in ids]
    assert all(doc["status"] == "done" for doc in finished), [d["reason"] for d in finished]
    assert all(doc["result"]["figures"] for doc in finished)
