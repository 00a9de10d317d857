"""The FastAPI application: settings, store and worker pool wired together; limits, API keys and error shapes."""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from service import __version__
from service.api.routes import router
from service.api.settings import ApiSettings
from service.api.worker import Processor
from service.store import Store

log = logging.getLogger("nianbao.api")
_MULTIPART_SLACK = 64 * 1024
_OPEN_PATHS = ("/healthz",)
_OPEN_PREFIXES = ("/docs-assets/",)
"""Swagger UI's own scripts and styles: public files, served here so that /docs works without a CDN."""


async def _send_json(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = JSONResponse({"detail": detail}).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for request bodies over the upload limit, told by Content-Length or counted as they arrive."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_body = max_bytes + _MULTIPART_SLACK
        self.max_mb = max_bytes // (1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        message = f"the file is larger than the limit of {self.max_mb} MB"
        if declared and declared.isdigit() and int(declared) > self.max_body:
            return await _send_json(send, 413, message, [(b"connection", b"close")])
        seen = 0

        async def counted_receive():
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > self.max_body:
                # An HTTPException passes through FastAPI's body parsing (anything else becomes a 400).
                raise StarletteHTTPException(413, message, headers={"Connection": "close"})
            return event

        await self.app(scope, counted_receive, send)


class BearerAuth:
    """When API keys are configured, every route but /healthz needs `Authorization: Bearer <key>`."""

    def __init__(self, app: ASGIApp, keys: tuple[str, ...]):
        self.app = app
        self.keys = [k.encode() for k in keys]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.keys or path in _OPEN_PATHS or path.startswith(_OPEN_PREFIXES):
            return await self.app(scope, receive, send)
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() == b"bearer" and any(secrets.compare_digest(token.strip(), k) for k in self.keys):
            return await self.app(scope, receive, send)
        await _send_json(send, 401, "missing or wrong API key: send Authorization: Bearer <key>",
                         [(b"www-authenticate", b'Bearer realm="nianbao"')])


def _one_line(errors) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(settings.store)
        store.migrate()
        processor = Processor(store, settings.workers, settings.worker_mode, settings.process_timeout_s,
                              settings.max_attempts)
        processor.start()
        app.state.store, app.state.processor = store, processor
        try:
            yield
        finally:
            processor.stop()
            store.close()

    app = FastAPI(
        title="nianbao",
        version=__version__,
        description="政府信息公开工作年度报告: upload a report, get its tables, figures and audit findings.",
        lifespan=lifespan,
        docs_url=None,
    )
    app.state.settings = settings
    app.include_router(router)
    _serve_docs_offline(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        return JSONResponse({"detail": _one_line(errors), "errors": _jsonable(errors)}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)

    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(BearerAuth, keys=settings.api_keys)
    return app


def _serve_docs_offline(app: FastAPI) -> None:
    """OpenAPI at /docs with Swagger UI served from the installed package, not from a CDN (intranets, and CDNs
    that are slow or blocked where the users are)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} · API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def _jsonable(errors) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
