"""POST /api/documents: an upload with the write token is read (in a bounded reader process)
and written; anything else is a 4xx in the API's one error shape. A real uvicorn on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from test_hostile import pdf, zip_bomb_docx

from policygraph.api.app import create_app
from policygraph.api.upload import router as upload_router
from policygraph.graph import Store
from policygraph.settings import Settings

from conftest import BASE, EXAMPLES, SEEDS, free_port

TOKEN = "s3cret-token"
PLAN = EXAMPLES / "03_ke-hoach-tinh-a.txt"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _serve(settings: Settings, store: Store) -> Iterator[str]:
    app = create_app(settings, store=store)
    app.include_router(upload_router)  # what api/app.py does
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # A plan reads in well under 0.1 s in a warmed-up reader; the "slow" upload below (120 plans
    # in one file) takes four seconds or more: a deadline of one second tells them apart on a
    # fast machine and a slow one.
    settings = Settings(base_iri=BASE, write_token=TOKEN, max_file_mb=1, doc_timeout=1, doc_memory_mb=512, workers=2)
    with Store.open(tmp_path_factory.mktemp("upload") / "store") as store:
        yield from _serve(settings, store)


@pytest.fixture(scope="module")
def tokenless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Store.open(None) as store:
        yield from _serve(Settings(base_iri=BASE), store)


def _error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def _upload(url: str, name: str, data: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        url + "/api/documents", files={"file": (name, data)}, headers=AUTH if headers is None else headers, timeout=60
    )


def test_an_upload_answers_the_record_and_the_document_is_in_the_store(server: str) -> None:
    response = _upload(server, "tinh-a.txt", PLAN.read_bytes())
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["source"] == "tinh-a.txt" and record["loader"] == "text"
    assert record["document"]["type"] == "plan" and record["targets"]
    location = response.headers["location"]
    assert location.startswith("/api/documents/")
    document = httpx.get(server + location, timeout=30).json()
    assert document["source"] == "tinh-a.txt"
    assert {t["indicator"] for t in document["targets"]} == {t["indicator"] for t in record["targets"]}


def test_answers_kept_in_memory_follow_an_upload(server: str) -> None:
    """The API keeps whole answers (here the divergence table, sent as encoded once) for one
    state of the store; an upload changes the store, and the next answer shows it."""

    def documents_with_divergences() -> set[str]:
        response = httpx.get(server + "/api/divergences", timeout=60)
        assert response.status_code == 200, response.text
        return {r["document"] for r in response.json()}

    before = documents_with_divergences()
    assert documents_with_divergences() == before
    response = _upload(server, "kept.txt", (SEEDS / "002_a698d7df3c568d60.txt").read_bytes())
    assert response.status_code == 201, response.text
    new = response.headers["location"].removeprefix("/api/documents/")
    assert new not in before
    assert documents_with_divergences() == before | {new}


def test_uploads_need_the_write_token(server: str, tokenless: str) -> None:
    data = PLAN.read_bytes()
    _error(_upload(server, "a.txt", data, headers={}), 403, "write_refused")
    _error(_upload(server, "a.txt", data, headers={"Authorization": "Bearer wrong"}), 403, "write_refused")
    _error(_upload(server, "a.txt", data, headers={"Authorization": TOKEN}), 403, "write_refused")
    body = _error(_upload(tokenless, "a.txt", data), 403, "write_refused")
    assert "POLICYGRAPH_WRITE_TOKEN" in body["message"]


def test_an_upload_over_the_size_limit_gets_413_before_it_is_read(server: str) -> None:
    big = PLAN.read_bytes() * (2 * 1024 * 1024 // len(PLAN.read_bytes()) + 1)
    _error(_upload(server, "big.txt", big), 413, "too_large")

    def chunked() -> Iterator[bytes]:  # no Content-Length to go by
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        for _ in range(3):
            yield b"x" * (1024 * 1024)
        yield b"\r\n--b--\r\n"

    response = httpx.post(
        server + "/api/documents",
        content=chunked(),
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"},
        timeout=60,
    )
    _error(response, 413, "too_large")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.txt", b"", "bad_input"),
        ("noise.bin", bytes(range(256)) * 64, "bad_input"),
        ("password.pdf", pdf(user_password="secret"), None),
        ("bomb.docx", zip_bomb_docx(768), None),  # 0.8 MB that inflates past the 512 MB of a reader
        ("slow.txt", PLAN.read_bytes() * 120, "read_timeout"),
    ],
)
def test_a_file_that_cannot_be_read_gets_422_saying_why(server: str, name: str, data: bytes, code: str | None) -> None:
    body = _error(_upload(server, name, data), 422, code)
    assert body["source"] == name


def test_requests_that_are_not_an_upload(server: str) -> None:
    no_file = httpx.post(server + "/api/documents", files={"other": (None, b"x")}, headers=AUTH, timeout=30)
    _error(no_file, 400, "bad_upload")
    response = httpx.post(
        server + "/api/documents", content=b"plain", headers={**AUTH, "Content-Type": "text/plain"}, timeout=30
    )
    _error(response, 415, "unsupported_media_type")


def test_reading_an_upload_does_not_block_other_requests(server: str) -> None:
    slow: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: slow.setdefault("r", _upload(server, "slow-2.txt", PLAN.read_bytes() * 120))
    )
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert httpx.get(server + "/api/queries", timeout=30).status_code == 200
    assert time.monotonic() - started < 2  # the read (1 s deadline) runs off the event loop
    thread.join(60)
    assert slow["r"].status_code == 422


def test_the_route_is_documented(server: str) -> None:
    spec = httpx.get(server + "/openapi.json", timeout=30).json()
    post = spec["paths"]["/api/documents"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "403", "413", "422"} <= set(post["responses"])


def test_uploaded_file_names_keep_only_their_last_part(server: str, tmp_path: Path) -> None:
    response = _upload(server, "..\\..\\etc/tinh-a-copy.txt", PLAN.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "tinh-a-copy.txt"
