"""The HTTP service: SPARQL endpoint, REST for apps, OpenAPI docs served locally."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import swagger_ui_bundle
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from policygraph import __version__
from policygraph.analysis import coverage
from policygraph.api import service
from policygraph.api.export import router as export_router
from policygraph.api.sparql import router as sparql_router
from policygraph.api.tasks import router as tasks_router
from policygraph.api.upload import router as upload_router
from policygraph.api.web import router as web_router
from policygraph.errors import PolicyGraphError
from policygraph.graph import Store
from policygraph.loaders.fold import fold
from policygraph.queries import get as get_query
from policygraph.queries import names as query_names
from policygraph.settings import Settings, get_settings


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    source: str | None = None


class ErrorBody(BaseModel):
    """The one JSON error shape of the API."""

    error: ErrorDetail


# Every route may answer these, in the one error shape (documented so clients can rely on it).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A malformed parameter or query."},
    403: {"model": ErrorBody, "description": "Writing is not allowed without the write token."},
    404: {"model": ErrorBody, "description": "No such document, agency, query or format."},
    406: {"model": ErrorBody, "description": "None of the accepted media types can be served."},
    413: {"model": ErrorBody, "description": "An upload over the size limit."},
    422: {"model": ErrorBody, "description": "A file that cannot be read as a document."},
    503: {"model": ErrorBody, "description": "The store is unavailable, or a query ran past its limits."},
}


def error_body(status: int, code: str, message: str, source: str | None = None) -> dict[str, Any]:
    """The one JSON error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message, "source": source}}


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(PolicyGraphError)
    async def _pg(_: Request, exc: PolicyGraphError) -> JSONResponse:
        return JSONResponse(error_body(exc.http_status, exc.code, exc.message, exc.source), exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = ["{}: {}".format(".".join(str(x) for x in e["loc"][1:]) or "request", e["msg"]) for e in exc.errors()]
        return JSONResponse(error_body(400, "bad_parameter", "; ".join(parts)), 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), exc.status_code)


def _page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "items": items[offset : offset + limit],
    }


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The application; the lifespan opens the store named by ``settings`` unless one is given."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = store if store is not None else Store.open(settings.store)
        try:
            yield
        finally:
            if own:
                app.state.store.close()

    app = FastAPI(
        title="policygraph",
        version=__version__,
        description="A knowledge graph over Vietnamese policy plans: lineage, targets, divergences.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    _install_errors(app)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    app.include_router(sparql_router)
    app.include_router(tasks_router)
    app.include_router(export_router)
    app.include_router(upload_router)
    app.include_router(web_router)
    base = settings.base_iri

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from our own static files: no request leaves the host.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="policygraph API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get("/api/documents", tags=["documents"])
    def list_documents(
        request: Request,
        type: Annotated[str | None, Query(description="Document kind, e.g. plan, directive.")] = None,
        level: Annotated[Literal["central", "province", "district", "commune"] | None, Query()] = None,
        jurisdiction: Annotated[str | None, Query(description="Name, diacritics optional: lai chau.")] = None,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        implements: Annotated[str | None, Query(description="Id of a document they carry out, at any depth.")] = None,
        ingested: Annotated[
            bool | None, Query(description="Only documents read from files (true) or only cited.")
        ] = None,
        # Plain defaults: the limits come from settings, which annotations cannot refer to.
        limit: int = Query(settings.page_limit, ge=1, le=settings.max_page_limit),  # noqa: B008
        offset: int = Query(0, ge=0),  # noqa: B008
    ) -> dict[str, Any]:
        """Documents read from files and documents only cited by them (``ingested: false``), by id."""
        store = request.app.state.store
        items = service.documents(store, base)
        if type:
            items = [d for d in items if d["type"] == type]
        if level:
            items = [d for d in items if d["level"] == level]
        if jurisdiction:
            key = fold(jurisdiction)
            items = [d for d in items if key in fold(f"{d['jurisdiction'] or ''} {d['within'] or ''}")]
        if year is not None:
            items = [d for d in items if d["date"] and str(d["date"]).startswith(str(year))]
        if ingested is not None:
            items = [d for d in items if d["ingested"] == ingested]
        if implements:
            below = {d["id"] for d in service.lineage(store, base, implements, "down")["descendants"]}
            items = [d for d in items if d["id"] in below]
        return _page(items, limit, offset)

    @app.get("/api/documents/{doc_id:path}/lineage", tags=["documents"])
    def document_lineage(request: Request, doc_id: str, direction: Literal["up", "down"] = "up") -> dict[str, Any]:
        """Ancestors (up) or descendants (down) through any number of hops, with depth."""
        return service.lineage(request.app.state.store, base, doc_id, direction)

    @app.get("/api/documents/{doc_id:path}/text", tags=["documents"])
    def document_text(request: Request, doc_id: str) -> dict[str, Any]:
        """The document's source text; the ``span`` of each fact is ``[start, end)`` into it."""
        return service.source_text(request.app.state.store, base, doc_id)

    @app.get("/api/documents/{doc_id:path}", tags=["documents"])
    def get_document(request: Request, doc_id: str) -> dict[str, Any]:
        """One document with its targets and references."""
        return service.document(request.app.state.store, base, doc_id)

    @app.get("/api/divergences", tags=["targets"], response_model=list[dict[str, Any]])
    def list_divergences(
        request: Request,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        indicator: Annotated[str | None, Query(pattern=r"^[a-z0-9_]+$")] = None,
        against: Annotated[
            Literal["national", "parent"], Query(description="The national baseline or the direct parent.")
        ] = "national",
        missing: Annotated[
            bool, Query(description="Also list baseline targets a plan lacks (verdict missing).")
        ] = False,
    ) -> Any:
        """Targets of lower-level plans against the national baseline (the central-level plan that
        carries out the same root directive) or their direct parent, with a verdict and the
        difference in percentage points."""
        store = request.app.state.store
        if against == "parent":
            rows = service.divergences_against_parent(store, base, year=year, indicator=indicator)
            return rows if missing else [r for r in rows if r["verdict"] != "missing"]
        if not missing:
            body = service.divergences_json(store, base, year=year, indicator=indicator)
            return Response(body, media_type="application/json")
        rows = service.divergences(store, base, year=year, indicator=indicator)
        return rows + service.missing_national(store, base, rows, year=year, indicator=indicator)

    @app.get("/api/coverage", tags=["targets"])
    def national_coverage(
        request: Request, document: Annotated[str | None, Query(description="One plan's id.")] = None
    ) -> list[dict[str, Any]]:
        """Which solution items of the national plan each plan takes up, drops and adds, matched by
        text similarity (score = share of the national item's word pairs found; threshold given)."""
        rows = coverage(request.app.state.store, base)
        return [r for r in rows if document is None or r["document"] == document]

    @app.get("/api/indicators", tags=["targets"])
    def list_indicators(request: Request) -> list[dict[str, Any]]:
        """The indicator concept scheme: keys, Vietnamese and English labels, phrasings."""
        rows = request.app.state.store.select(get_query("indicators").text)
        return [
            {
                "key": r["key"],
                "iri": r["indicator"],
                "label_vi": r.get("labelVi"),
                "label_en": r.get("labelEn"),
                "definition": r.get("definition"),
                "phrasings": str(r.get("phrasings") or "").split(" | "),
            }
            for r in rows
        ]

    @app.get("/api/search", tags=["documents"])
    def search(
        request: Request,
        q: Annotated[str, Query(min_length=2, max_length=200, description="Words, with or without diacritics.")],
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        """Full-text search over documents, targets and tasks, insensitive to diacritics and to
        tone-mark placement (uỷ/ủy)."""
        return {"q": q, "items": service.search(request.app.state.store, base, q, limit)}

    @app.get("/api/queries", tags=["queries"])
    def list_queries() -> list[dict[str, Any]]:
        """The named questions, with their parameters."""
        out = []
        for name in query_names():
            q = get_query(name)
            out.append(
                {
                    "name": name,
                    "title": q.title,
                    "description": q.description,
                    "sparql": q.text,
                    "params": [
                        {
                            "name": p.name,
                            "type": p.type,
                            "required": p.required,
                            "description": p.description,
                        }
                        for p in q.params
                    ],
                }
            )
        return out

    @app.get("/api/queries/{name}", tags=["queries"])
    def run_query(request: Request, name: str) -> dict[str, Any]:
        """Run a named question; its parameters come from the query string."""
        q = get_query(name)
        bindings = q.bindings(dict(request.query_params))
        rows = request.app.state.store.select(q.text, bindings=bindings)
        return {"query": name, "rows": rows}

    return app
