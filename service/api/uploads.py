"""What is checked before an upload is accepted: its name, its size and that its content is a readable format."""

from __future__ import annotations

import re
import unicodedata

from fastapi import HTTPException, UploadFile

from service.ingest import IngestError
from service.ingest.sniff import sniff

_CHUNK = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def source_name(filename: str | None) -> str:
    """The upload's file name as it will be shown (never used as a path). Names with path parts are refused."""
    name = unicodedata.normalize("NFC", (filename or "").strip())
    if not name:
        return "document"
    if "/" in name or "\\" in name or name in (".", "..") or _CONTROL.search(name):
        raise HTTPException(400, "the file name must be a plain name, without folders, '..' or control characters")
    return name[:255]


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the file is larger than the limit of {limit // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def check_readable(data: bytes) -> str:
    """The format of the bytes; 415 for a format nianbao does not read, 422 for an empty or corrupt file."""
    if not data.strip():
        raise HTTPException(422, "the file is empty")
    try:
        fmt = sniff(data)
        if fmt == "pdf":
            _check_pdf(data)
    except IngestError as exc:
        message = str(exc)
        raise HTTPException(415 if message.startswith("unsupported") else 422, message) from None
    return fmt


def _check_pdf(data: bytes) -> None:
    """Open the PDF's cross-reference table and first page: a file that fails here fails in every reader."""
    from io import BytesIO

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(BytesIO(data)))
        next(PDFPage.create_pages(document))
    except StopIteration:
        raise IngestError("corrupt PDF: it has no pages") from None
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds for broken files
        raise IngestError(f"corrupt PDF: {type(exc).__name__}: {str(exc)[:200] or 'cannot be parsed'}") from None
