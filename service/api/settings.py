"""Server settings from the environment (NIANBAO_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from service.store.config import StoreSettings


def _number(name: str, default: int, kind: type = int):
    raw = os.environ.get(name)
    try:
        return kind(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a {'whole ' if kind is int else ''}number, not {raw!r}") from None


@dataclass(frozen=True)
class ApiSettings:
    store: StoreSettings
    max_upload_mb: int = 50
    api_keys: tuple[str, ...] = ()
    workers: int = 2
    worker_mode: str = "process"
    """process (default: CPU-bound work in its own processes) or thread."""
    process_timeout_s: float = 600
    max_attempts: int = 3

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_env(cls) -> ApiSettings:
        keys = tuple(k.strip() for k in os.environ.get("NIANBAO_API_KEY", "").split(",") if k.strip())
        mode = os.environ.get("NIANBAO_WORKER_MODE", "process")
        if mode not in ("process", "thread"):
            raise SystemExit(f"NIANBAO_WORKER_MODE must be process or thread, not {mode!r}")
        return cls(
            store=StoreSettings.from_env(),
            max_upload_mb=_number("NIANBAO_MAX_UPLOAD_MB", 50),
            api_keys=keys,
            workers=max(1, _number("NIANBAO_WORKERS", min(2, os.cpu_count() or 1))),
            worker_mode=mode,
            process_timeout_s=_number("NIANBAO_PROCESS_TIMEOUT_S", 600, float),
            max_attempts=_number("NIANBAO_MAX_ATTEMPTS", 3),
        )
