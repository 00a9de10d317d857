"""Bytes in, one `Document` out. The backend is chosen by sniffing the content, not by the file name."""

from __future__ import annotations

from service.document import Document
from service.ingest.base import Backend, IngestError
from service.ingest.sniff import sniff

__all__ = ["Backend", "IngestError", "ingest", "sniff", "backend_for"]


def backend_for(fmt: str) -> Backend:
    if fmt == "pdf":
        from service.ingest.pdf_backend import PdfBackend as backend
    elif fmt == "docx":
        from service.ingest.docx_backend import DocxBackend as backend
    elif fmt == "html":
        from service.ingest.html_backend import HtmlBackend as backend
    elif fmt == "md":
        from service.ingest.md_backend import MarkdownBackend as backend
    else:
        from service.ingest.txt_backend import TxtBackend as backend
    return backend()


def ingest(data: bytes, source_name: str = "document") -> Document:
    if not data or not data.strip():
        raise IngestError("the file is empty")
    document = backend_for(sniff(data)).convert(data, source_name)
    if not document.text.strip() and not document.tables and not document.notes:
        raise IngestError("no text could be read from the file")
    return document
