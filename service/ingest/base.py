"""What every format backend is: it says whether it reads some bytes, and turns them into a `Document`."""

from __future__ import annotations

from abc import ABC, abstractmethod

from service.document import Document, SourceFormat


class IngestError(Exception):
    """Input that cannot be read at all (empty, corrupt, unsupported). The message is one line for the user."""


class Backend(ABC):
    format: SourceFormat

    @classmethod
    def accepts(cls, data: bytes) -> bool:
        """Whether these bytes are in this backend's format, judged by content, never by file name (by default:
        what `sniff` says they are)."""
        from service.ingest.sniff import sniff  # sniff raises this module's IngestError

        try:
            return sniff(data) == cls.format
        except IngestError:
            return False

    @abstractmethod
    def convert(self, data: bytes, source_name: str) -> Document:
        """Read the bytes. Raise `IngestError` when nothing can be read; note what was only partly read."""
