"""Shared fixtures: the seed corpus and its gold facts from ../shared, stores, servers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("POLICYGRAPH_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
GOLD_FILE = SHARED / "gold" / "seeds.json"
EXAMPLES = ROOT / "examples" / "corpus"
BASE = "https://data.policygraph.org/"


def _gold() -> dict[str, Any]:
    if not GOLD_FILE.exists():
        return {"documents": [], "questions": []}
    return json.loads(GOLD_FILE.read_text(encoding="utf-8"))


GOLD = _gold()
GOLD_DOCS = {d["file"]: d for d in GOLD["documents"]}
SEED_FILES = sorted(GOLD_DOCS)

needs_shared = pytest.mark.skipif(
    not GOLD_FILE.exists(), reason="../shared (seeds and gold) is not beside the checkout"
)


@pytest.fixture(scope="session")
def gold() -> dict[str, Any]:
    if not GOLD_FILE.exists():
        pytest.skip("../shared is not beside the checkout")
    return GOLD


def question(gold: dict[str, Any], startswith: str) -> dict[str, Any]:
    """The gold question whose 'ask' starts with ``startswith``."""
    return next(q for q in gold["questions"] if q["ask"].startswith(startswith))


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real on-disk pyoxigraph store holding the five seeds and the vocabulary."""
    from policygraph.graph import Store, ingest_records
    from policygraph.loaders import read_path

    if not GOLD_FILE.exists():
        pytest.skip("../shared is not beside the checkout")
    store = Store.open(tmp_path_factory.mktemp("store") / "db")
    store.load_vocabulary()
    ingest_records(store, [read_path(SEEDS / name) for name in SEED_FILES], BASE)
    yield store
    store.close()


@pytest.fixture(scope="session")
def client(seed_store):  # type: ignore[no-untyped-def]
    """The app in process over the seed store."""
    from fastapi.testclient import TestClient

    from policygraph.api.app import create_app
    from policygraph.settings import Settings

    app = create_app(Settings(base_iri=BASE), store=seed_store)
    with TestClient(app) as c:
        yield c


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """`policygraph ingest` then `policygraph serve` as a user runs them: a real uvicorn on loopback."""
    import subprocess
    import sys
    import time

    import httpx

    if not GOLD_FILE.exists():
        pytest.skip("../shared is not beside the checkout")
    store = tmp_path_factory.mktemp("live") / "store"
    cli = [sys.executable, "-m", "policygraph.cli"]
    subprocess.run([*cli, "ingest", str(SEEDS), "--store", str(store)], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(url + "/api/queries", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("the server did not start: " + (proc.stdout.read().decode() if proc.stdout else ""))
    yield url
    proc.terminate()
    proc.wait(timeout=10)
