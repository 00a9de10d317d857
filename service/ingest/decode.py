"""Bytes → str for the text-like formats (txt, md, html): BOMs, UTF-8, then the Chinese legacy charsets."""

from __future__ import annotations

import codecs

from service.ingest.base import IngestError

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). `declared` is a charset the container names (an HTML meta tag)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    candidates = ["utf-8"]
    if declared:
        candidates.insert(0, _canonical(declared))
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise IngestError("the file is not text in a known encoding (UTF-8, GBK/GB18030)")


def _canonical(charset: str) -> str:
    charset = charset.strip().lower()
    # GB2312 and GBK pages routinely hold characters only GB18030 defines; GB18030 is a superset of both.
    return "gb18030" if charset in {"gb2312", "gbk", "gb_2312-80", "x-gbk"} else charset


def looks_like_text(data: bytes) -> bool:
    """Printable text rather than binary: no NUL bytes and decodable with few control characters."""
    sample = data[:65536]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        text, _ = decode(sample if len(data) <= 65536 else _trim_partial(sample))
    except IngestError:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return controls <= max(2, len(text) // 200)


def _trim_partial(sample: bytes) -> bytes:
    """Cut a sample so a multi-byte character split at its end does not fail decoding."""
    for cut in range(4):
        chunk = sample[: len(sample) - cut]
        for encoding in ("utf-8", "gb18030"):
            try:
                chunk.decode(encoding)
                return chunk
            except UnicodeDecodeError:
                continue
    return sample
