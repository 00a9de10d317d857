"""Persistent store: document rows (SQLAlchemy 2, SQLite by default, PostgreSQL by URL) and the original files."""

from service.store.blobs import BlobStore
from service.store.config import StoreSettings
from service.store.models import DocumentRow, Status
from service.store.repository import Store

__all__ = ["BlobStore", "DocumentRow", "Status", "Store", "StoreSettings"]
