"""Bytes in, one `Document` out. The backend is chosen by sniffing the content, not by the file name."""

from __future__ import annotations

import importlib

from service.document import Document
from service.ingest.base import Backend, IngestError
from service.ingest.sniff import sniff

__all__ = ["Backend", "IngestError", "ingest", "sniff", "backend_for"]


BACKENDS = {
    "pdf": ("service.ingest.pdf_backend", "PdfBackend"),
    "docx": ("service.ingest.docx_backend", "DocxBackend"),
    "html": ("service.ingest.html_backend", "HtmlBackend"),
    "md": ("service.ingest.md_backend", "MarkdownBackend"),
    "txt": ("service.ingest.txt_backend", "TxtBackend"),
}
"""Format → backend class, imported on first use so reading a text file never loads pdfplumber."""


def backend_for(fmt: str) -> Backend:
    module, name = BACKENDS[fmt]
    return getattr(importlib.import_module(module), name)()


def ingest(data: bytes, source_name: str = "document") -> Document:
    if not data or not data.strip():
        raise IngestError("the file is empty")
    document = backend_for(sniff(data)).convert(data, source_name)
    if not document.text.strip() and not document.tables and not document.notes:
        raise IngestError("no text could be read from the file")
    return document
