"""The HTTP service: `create_app()` builds the FastAPI application; `serve()` runs it under uvicorn."""

from service.api.app import create_app
from service.api.serve import serve

__all__ = ["create_app", "serve"]
