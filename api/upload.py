"""Ingest over HTTP: ``POST /api/documents`` with a multipart upload (field ``file``).

Only the holder of the write token may upload (``Authorization: Bearer
<POLICYGRAPH_WRITE_TOKEN>``); with no token configured every upload gets 403. The body is
refused (413) as soon as it grows past ``POLICYGRAPH_MAX_FILE_MB``, before it is parsed. The
document is read in a reader process within the per-document time and memory limits (see
:mod:`policygraph.ingest`) and written whole; the answer is its record (201), or a 4xx in the
API's one error shape saying what was wrong with the file.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from policygraph.errors import PolicyGraphError
from policygraph.graph import document_id, record_document_iri
from policygraph.ingest import Limits, ingest_bytes
from policygraph.settings import Settings

router = APIRouter()

# Room for the multipart framing around the file: boundaries, part headers, a long file name.
_FRAMING = 64 * 1024


class WriteRefused(PolicyGraphError):
    """A write without the write token, or to a server that has none."""

    http_status = 403
    code = "write_refused"


class BadUpload(PolicyGraphError):
    """A request that is not a multipart form with one file in the field ``file``."""

    http_status = 400
    code = "bad_upload"


class UnsupportedUpload(PolicyGraphError):
    http_status = 415
    code = "unsupported_media_type"


class UploadTooLarge(PolicyGraphError):
    http_status = 413
    code = "too_large"


def _check_token(request: Request, settings: Settings) -> None:
    token = settings.write_token
    if not token:
        raise WriteRefused("uploads are refused: no POLICYGRAPH_WRITE_TOKEN is set on this server")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise WriteRefused("an upload needs the header 'Authorization: Bearer <write token>'")


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is longer than ``limit``."""
    too_large = UploadTooLarge(f"the upload is over the {limit // (1024 * 1024)} MB limit (POLICYGRAPH_MAX_FILE_MB)")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + _FRAMING:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit + _FRAMING:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "source": {"type": ["string", "null"]},
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}


@router.post(
    "/api/documents",
    tags=["documents"],
    status_code=201,
    responses={
        201: {"description": "The document's record, as `policygraph extract --json` prints it."},
        400: _error("Not a multipart form with a file in the field 'file'"),
        403: _error("No write token given, a wrong one, or none configured on the server"),
        413: _error("The file is over POLICYGRAPH_MAX_FILE_MB"),
        415: _error("The body is not multipart/form-data"),
        422: _error(
            "The file cannot be read: empty, damaged, encrypted, unknown format, no policy document, "
            "or past the per-document time or memory limit"
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    },
)
async def upload_document(request: Request) -> JSONResponse:
    """Read an uploaded document into the store (replacing one of the same file name) and
    answer its record. Needs `Authorization: Bearer <POLICYGRAPH_WRITE_TOKEN>`."""
    settings: Settings = request.app.state.settings
    _check_token(request, settings)
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise UnsupportedUpload("an upload is a multipart/form-data body with the file in the field 'file'")
    limits = Limits.from_settings(settings)
    body = await _body(request, limits.max_bytes)
    try:
        form = await Request(request.scope, _replay(body)).form(max_files=1, max_fields=16)
    except (MultiPartException, HTTPException, ValueError) as exc:
        raise BadUpload(f"not a readable multipart form ({getattr(exc, 'detail', None) or exc})") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadUpload("the form has no file in the field 'file'")
        data = await upload.read()
        name = upload.filename or "upload"
    finally:
        await form.close()
    del body
    parsed = await run_in_threadpool(ingest_bytes, request.app.state.store, data, name, settings)
    record = parsed.record
    location = "/api/documents/" + document_id(record_document_iri(record, settings.base_iri), settings.base_iri)
    return JSONResponse(record.to_json(), status_code=201, headers={"Location": location})
