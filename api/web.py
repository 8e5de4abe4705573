"""The web page at ``/`` and its assets (``/static/web/…``), all served from the package.

The page calls only this server (the REST API and ``/sparql``); its third-party scripts are
vendored under ``static/vendor/``, so no request leaves the host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from policygraph.errors import NotFoundError

# resolve(): under the strict editable install this module is a symlink into the source tree;
# serving from the resolved folder finds static files added after the install ran.
STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/static/web"

# Module scripts need a JavaScript type: a browser refuses one served as text/plain, and
# Python's mimetypes does not know .mjs everywhere.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}
# Licence files have no suffix; anything else unknown is sent as bytes, never run.
DEFAULT_TYPE = "text/plain; charset=utf-8"

router = APIRouter(include_in_schema=False)


def asset_path(relative: str) -> Path:
    """The file under the static folder that ``relative`` names; NotFoundError for anything else."""
    path = (STATIC / relative).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        raise NotFoundError(f"no asset {relative!r}")
    return path


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> FileResponse:
    """The page: SPARQL editor, lineage graph, divergence table and document view."""
    return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"], headers={"Cache-Control": "no-cache"})


@router.api_route(PREFIX + "/{relative:path}", methods=["GET", "HEAD"])
def asset(relative: str) -> FileResponse:
    """One of the page's own or vendored files."""
    path = asset_path(relative)
    media_type = MEDIA_TYPES.get(path.suffix, DEFAULT_TYPE)
    # no-cache revalidates with the ETag FileResponse sends, so an upgrade shows at once.
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})
