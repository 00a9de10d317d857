"""Run the service under uvicorn (`nianbao serve`, `python -m service.api`)."""

from __future__ import annotations

import logging

import uvicorn


def serve(host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    from service.api.app import create_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=10)
