"""Where the store keeps its database and files: NIANBAO_DATABASE_URL and NIANBAO_DATA_DIR."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "nianbao-data"


@dataclass(frozen=True)
class StoreSettings:
    database_url: str
    data_dir: Path

    @classmethod
    def from_env(cls) -> StoreSettings:
        data_dir = Path(os.environ.get("NIANBAO_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        url = os.environ.get("NIANBAO_DATABASE_URL") or f"sqlite:///{data_dir / 'nianbao.db'}"
        return cls(database_url=url, data_dir=data_dir)
