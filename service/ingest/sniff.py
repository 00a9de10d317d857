"""Which format are these bytes? Judged by magic bytes and content, never by the file extension."""

from __future__ import annotations

import io
import re
import zipfile

from service.document import SourceFormat
from service.ingest.base import IngestError
from service.ingest.decode import decode, looks_like_text

_HTML = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|table[\s>]|meta\s|div[\s>]|p[\s>])", re.I)
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)


def sniff(data: bytes) -> SourceFormat:
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise IngestError("unsupported format: a Word 97-2003 (.doc) or other OLE file; save it as .docx or PDF")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        raise IngestError("unsupported format: an image; nianbao reads PDF, DOCX, HTML, Markdown and plain text")
    if not looks_like_text(data):
        raise IngestError("unsupported format: binary data that is not PDF, DOCX, HTML or text")
    if _HTML.search(data[:8192]):
        return "html"
    text, _ = decode(data)
    if len(_MD_RULE.findall(text)) >= 1 and len(_PIPE_ROW.findall(text)) >= 3:
        return "md"
    return "txt"


def _sniff_zip(data: bytes) -> SourceFormat:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        raise IngestError("corrupt file: a ZIP container (DOCX?) that cannot be opened") from None
    if "word/document.xml" in names:
        return "docx"
    raise IngestError("unsupported format: a ZIP archive that is not a Word .docx document")
