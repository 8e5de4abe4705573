"""``GET /api/export/{format}``: the graph, or one view of it, as a file for other tools."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from policygraph.graph.export import VIEWS, available, export

router = APIRouter(tags=["export"])

_FORMATS = ", ".join(f"`{name}` ({e.description})" for name, e in sorted(available().items()))


@router.get(
    "/api/export/{format}",
    response_class=Response,
    responses={200: {"content": {e.media_type: {} for e in available().values()}, "description": "The file."}},
    description=f"Formats: {_FORMATS}. An unknown format is 404, an unknown view or a focus "
    "missing or out of place 400, a focus the store does not hold 404.",
)
def export_graph(
    request: Request,
    format: str,
    view: str = Query("all", description="One of: " + ", ".join(VIEWS) + "."),
    focus: str | None = Query(
        None,
        description="What the view is about: a document id as in /api/documents (lineage), a place "
        "key such as vn-lai-chau (jurisdiction), an indicator key such as bhyt_coverage "
        "(indicator), an agency key (agency).",
    ),
) -> Response:
    """The graph as GraphML, GEXF, Cytoscape.js JSON, DOT, SVG, D3 JSON, Turtle, N-Quads or JSON-LD."""
    result = export(request.app.state.store, request.app.state.settings.base_iri, format, view, focus)
    return Response(
        result.data,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
