"""HTTP routes: thin wrappers over the store, the worker pool and the report/export functions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service import __version__
from service.api.schemas import DocumentOut, DocumentPage, DocumentSummary, Health
from service.api.uploads import check_readable, read_limited, source_name
from service.ingest import IngestError
from service.ingest.sniff import sniff
from service.report import export_csv, export_xlsx, render_report_html
from service.store import DocumentRow, Status, Store, processing
from service.store.repository import ListFilter, load_result

router = APIRouter()
_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store(request: Request) -> Store:
    return request.app.state.store


async def _row(request: Request, doc_id: str) -> DocumentRow:
    row = await run_in_threadpool(_store(request).get, doc_id)
    if row is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return row


async def _finished(request: Request, doc_id: str):
    row = await _row(request, doc_id)
    if row.status != Status.done.value:
        detail = f"the document is {row.status}" + (f": {row.reason}" if row.reason else "")
        raise HTTPException(409, detail + "; the report and exports exist once it is done")
    return row, load_result(row)


def _attachment(row: DocumentRow, suffix: str | None = None) -> dict[str, str]:
    """Content-Disposition for a download named after the upload (suffix replaces its extension)."""
    name = row.source_name
    if suffix is not None:
        name = (name.rsplit(".", 1)[0] if "." in name else name) + suffix
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


@router.get("/healthz", response_model=Health, tags=["service"])
async def healthz(request: Request) -> Health:
    counts = await run_in_threadpool(_store(request).counts)
    return Health(status="ok", version=__version__, queue=counts)


@router.post("/v1/documents", status_code=202, response_model=DocumentSummary, tags=["documents"],
             responses={200: {"description": "These bytes were uploaded before: the existing document"},
                        400: {"description": "Bad file name"}, 413: {"description": "File too large"},
                        415: {"description": "Unsupported format"}, 422: {"description": "Empty or corrupt file"}})
async def upload_document(
    request: Request,
    file: Annotated[UploadFile, File(description="The report: PDF, DOCX, HTML, Markdown or plain text")],
    agency: Annotated[str | None, Form(max_length=255, description="Agency, when the document does not say")] = None,
    year: Annotated[int | None, Form(ge=1990, le=2100, description="Year reported on, when not read")] = None,
):
    name = source_name(file.filename)
    data = await read_limited(file, request.app.state.settings.max_upload_bytes)
    await run_in_threadpool(check_readable, data)
    row, created = await run_in_threadpool(_store(request).add, data, name, agency or None, year)
    request.app.state.processor.wake()
    summary = DocumentSummary.of(row, __version__)
    status = 202 if created or row.status == Status.queued.value else 200
    return JSONResponse(summary.model_dump(mode="json"), status_code=status,
                        headers={"Location": summary.links["self"]})


@router.get("/v1/documents", response_model=DocumentPage, tags=["documents"])
async def list_documents(
    request: Request,
    agency: Annotated[str | None, Query(max_length=255)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    status: Status | None = None,
    has_errors: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DocumentPage:
    rows, total = await run_in_threadpool(
        _store(request).list, ListFilter(agency, year, status, has_errors), limit, offset
    )
    return DocumentPage(items=[DocumentSummary.of(r, __version__) for r in rows], total=total, limit=limit,
                        offset=offset)


@router.get("/v1/documents/{doc_id}", response_model=DocumentOut, tags=["documents"])
async def get_document(request: Request, doc_id: str) -> Response:
    row = await _row(request, doc_id)
    summary = DocumentSummary.of(row, __version__).model_dump_json()
    result = row.result_json if row.status == Status.done.value and row.result_json else "null"
    return Response(summary[:-1] + ',"result":' + result + "}", media_type="application/json")


@router.delete("/v1/documents/{doc_id}", status_code=204, tags=["documents"])
async def delete_document(request: Request, doc_id: str) -> Response:
    if not await run_in_threadpool(processing.delete_document, _store(request), doc_id):
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return Response(status_code=204)


@router.post("/v1/documents/{doc_id}/reprocess", status_code=202, response_model=DocumentSummary, tags=["documents"])
async def reprocess_document(request: Request, doc_id: str) -> JSONResponse:
    await _row(request, doc_id)
    if not await run_in_threadpool(_store(request).requeue, doc_id):
        raise HTTPException(409, "the document is being processed now; try again when it is done")
    request.app.state.processor.wake()
    row = await _row(request, doc_id)
    return JSONResponse(DocumentSummary.of(row, __version__).model_dump(mode="json"), status_code=202)


@router.get("/v1/documents/{doc_id}/original", tags=["exports"], response_class=Response)
async def get_original(request: Request, doc_id: str) -> Response:
    row = await _row(request, doc_id)
    data = await run_in_threadpool(_store(request).original, row)
    return Response(data, media_type=_media_type(data), headers=_attachment(row))


def _media_type(data: bytes) -> str:
    try:
        return _MEDIA[sniff(data)]
    except IngestError:
        return "application/octet-stream"


@router.get("/v1/documents/{doc_id}/report", tags=["exports"], response_class=HTMLResponse)
async def get_report(request: Request, doc_id: str) -> HTMLResponse:
    _, result = await _finished(request, doc_id)
    base = f"/v1/documents/{doc_id}"
    links = {"XLSX 工作簿": f"{base}/export.xlsx", "CSV 表格": f"{base}/export.csv", "JSON 结果": base,
             "原始文件": f"{base}/original"}
    return HTMLResponse(await run_in_threadpool(render_report_html, result, links))


@router.get("/v1/documents/{doc_id}/export.csv", tags=["exports"], response_class=Response)
async def get_csv(request: Request, doc_id: str) -> Response:
    row, result = await _finished(request, doc_id)
    data = await run_in_threadpool(export_csv, result)
    return Response(data, media_type="text/csv; charset=utf-8", headers=_attachment(row, ".csv"))


@router.get("/v1/documents/{doc_id}/export.xlsx", tags=["exports"], response_class=Response)
async def get_xlsx(request: Request, doc_id: str) -> Response:
    row, result = await _finished(request, doc_id)
    data = await run_in_threadpool(export_xlsx, result)
    return Response(data, media_type=_XLSX, headers=_attachment(row, ".xlsx"))
