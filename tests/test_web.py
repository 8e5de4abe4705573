"""The web page at ``/``: its router over HTTP, and the page itself driven in headless Chromium.

The browser tests run against the live server over the five seeds, or, while `policygraph
serve` does not include the page's router yet, a uvicorn on loopback serving the same app with
it. Each test records every request the browser makes and asserts none leaves the host.
Screenshots go to tests/output/ (1280×800).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import BASE, ROOT, free_port

CHROMIUM = Path(os.environ.get("POLICYGRAPH_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = ROOT / "tests" / "output"
STATIC = ROOT / "api" / "static"
DISTRICT_SOURCE = "004_139deaf883704b6f.txt"  # the Hải Phòng district plan
LAI_CHAU_SOURCE = "003_11f369fdb91122c7.txt"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _on_host(url: str) -> bool:
    """A request that stays on this machine: loopback over HTTP, or data held by the page."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or (parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS)


def _app(seed_store: Any) -> FastAPI:
    from policygraph.api.app import create_app
    from policygraph.api.web import router
    from policygraph.settings import Settings

    app = create_app(Settings(base_iri=BASE), store=seed_store)
    if not any(getattr(r, "path", None) == "/" for r in app.routes):
        app.include_router(router)
    return app


# ---------------------------------------------------------------- the router over HTTP


@pytest.fixture(scope="module")
def web_client(seed_store: Any) -> Iterator[TestClient]:
    with TestClient(_app(seed_store)) as c:
        yield c


def test_page_is_served_as_utf8_html_with_its_assets(web_client: TestClient) -> None:
    page = web_client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in page.text
    for asset, media in [
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("vendor/cytoscape/cytoscape.esm.min.mjs", "text/javascript"),
        ("vendor/yasgui/yasgui.min.js", "text/javascript"),
        ("vendor/yasgui/yasgui.min.css", "text/css"),
    ]:
        r = web_client.get(f"/static/web/{asset}")
        assert r.status_code == 200, asset
        assert r.headers["content-type"].startswith(media), asset
        assert "etag" in r.headers
    assert web_client.head("/").status_code == 200


def test_vendored_assets_carry_their_licences() -> None:
    for folder in ("yasgui", "cytoscape"):
        licence = (STATIC / "vendor" / folder / "LICENSE").read_text(encoding="utf-8")
        assert "MIT License" in licence or "Permission is hereby granted" in licence
    notices = (STATIC / "vendor" / "yasgui" / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert "codemirror" in notices and "datatables.net" in notices


@pytest.mark.parametrize(
    "path",
    ["/static/web/../web.py", "/static/web/%2e%2e/web.py", "/static/web/..%2fweb.py", "/static/web/nothing.js"],
)
def test_assets_outside_the_static_folder_are_not_found(web_client: TestClient, path: str) -> None:
    r = web_client.get(path)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert "import" not in r.text


def test_only_loopback_and_page_data_count_as_on_host() -> None:
    assert _on_host("http://127.0.0.1:8000/sparql") and _on_host("http://localhost/") and _on_host("data:,")
    assert _on_host("blob:http://127.0.0.1:8000/0b4c")
    for url in ("https://lov.linkeddata.es/dataset/lov/api/v2", "http://127.0.0.1.example.com/", "ws://localhost/"):
        assert not _on_host(url), url


# ---------------------------------------------------------------- the page in Chromium


@pytest.fixture(scope="module")
def site(live_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The live server when it serves the page; else the same app with the router on loopback."""
    if httpx.get(live_server + "/", timeout=5).headers.get("content-type", "").startswith("text/html"):
        yield live_server
        return
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app(request.getfixturevalue("seed_store")), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the page's server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile and a laptop-sized window."""
    missing = None if CHROMIUM.exists() else f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[dev]')"
    if missing:
        # CI installs both: there a missing browser is a failure, not a skip.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(missing)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()


@dataclass
class Tab:
    """A browser page with every request it made and every error it reported."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, site: str, route: str) -> None:
        """Open ``#route`` and wait until its view has drawn what the route names."""
        self.page.goto(f"{site}/#{route}")
        self.wait_ready(route)

    def wait_ready(self, route: str) -> None:
        view = route.strip("/").split("/")[0]
        try:
            self.page.wait_for_selector(f"#view-{view}[data-ready]", state="attached")
        except Exception as exc:
            status = self.page.locator("#status").text_content()
            raise AssertionError(f"view {view} not drawn; status {status!r}; errors {self.errors}") from exc

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(OUTPUT / f"{name}.png"))

    def assert_clean(self) -> None:
        """Nothing left the host, and the page raised nothing."""
        assert any(u.endswith("/static/web/app.js") for u in self.requests), "requests were not recorded"
        assert [u for u in self.requests if not _on_host(u)] == []
        assert self.errors == []
        # A missing field shows as nothing, never as "null" or "undefined" (YASGUI's editor aside).
        shown = self.page.evaluate(
            """() => [...document.querySelectorAll('main > .view:not(#view-sparql), #sparql-about, #sparql-examples')]
                .map((el) => el.textContent).join(' ')"""
        )
        assert re.findall(r"\b(?:null|undefined|NaN)\b", shown) == []


@pytest.fixture()
def tab(browser: Any) -> Iterator[Tab]:
    page = browser.new_page()
    # Generous: CI shares two cores with the rest of the suite.
    page.set_default_timeout(45_000)
    t = Tab(page)
    page.on("request", lambda r: t.requests.append(r.url))
    page.on("pageerror", lambda e: t.errors.append(f"uncaught: {e}"))
    page.on("console", lambda m: t.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    yield t
    page.close()


def _documents(site: str) -> list[dict[str, Any]]:
    return httpx.get(f"{site}/api/documents?limit=1000").json()["items"]


def _by_source(site: str, source: str) -> dict[str, Any]:
    return next(d for d in _documents(site) if d["source"] == source)


def _text(locator: Any) -> str:
    return " ".join(locator.inner_text().replace("\u00a0", " ").split())


def test_page_loads_as_utf8_vietnamese(site: str, tab: Tab) -> None:
    tab.goto(site, "/divergences/2030")
    page = tab.page
    assert page.evaluate("document.characterSet") == "UTF-8"
    assert page.title() == "policygraph"
    assert page.locator(".top nav a").all_inner_texts() == ["Divergences", "Lineage", "Document", "SPARQL"]
    # Vietnamese from the API arrives intact and is marked as Vietnamese.
    lai_chau = page.locator('#div-table tbody th a:text-is("Lai Châu")')
    assert lai_chau.count() == 1
    assert lai_chau.get_attribute("lang") == "vi"
    # The indicator labels come from the vocabulary (SPARQL), not the keys.
    header = page.locator('#div-table thead th[data-indicator="bhyt_coverage"]')
    assert "Tỷ lệ tham gia bảo hiểm y tế" in header.inner_text()
    # A view is linkable: opening its hash opens it.
    tab.goto(site, "/document")
    assert page.locator("#view-document").is_visible() and not page.locator("#view-divergences").is_visible()
    assert page.locator('.top nav a[aria-current="page"]').inner_text() == "Document"
    tab.assert_clean()


def test_sparql_editor_runs_an_example_query(site: str, tab: Tab) -> None:
    queries = httpx.get(f"{site}/api/queries").json()
    targets = next(q for q in queries if q["name"] == "targets")
    expected_rows = httpx.get(f"{site}/api/queries/targets").json()["rows"]
    page = tab.page
    tab.goto(site, "/sparql")
    assert page.locator("#sparql-examples button").count() == len(queries)

    page.click('#sparql-examples button[data-query="targets"]')
    page.wait_for_function("() => window.policygraph.yasgui.getTab().name() === 'targets'")
    assert page.evaluate("() => window.policygraph.yasgui.getTab().getYasqe().getValue()") == targets["sparql"]
    assert page.evaluate("() => window.policygraph.yasgui.getTab().getEndpoint()") == f"{site}/sparql"
    assert page.url.endswith("#/sparql/targets")

    page.click(".yasqe_queryButton:visible")
    page.wait_for_selector(".yasr:visible table tbody tr td")
    shown = page.evaluate("() => window.policygraph.yasgui.getTab().getYasr().results.getBindings().length")
    assert shown == len(expected_rows) > 0
    assert "bhyt_coverage" in page.locator(".yasr:visible table tbody").inner_text()
    tab.shot("sparql")

    # Completion is local: no completer that asks the internet, and the prefixes are ours.
    completers = page.evaluate("() => Object.keys(window.policygraph.yasgui.getTab().getYasqe().autocompleters)")
    assert sorted(completers) == ["localPrefixes", "variables"]
    page.click(".yasqe:visible .CodeMirror-code")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    page.keyboard.type("PREFIX sk")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert page.locator(".CodeMirror-hints li").all_inner_texts() == ["skos: <http://www.w3.org/2004/02/skos/core#>"]
    tab.assert_clean()


def test_lineage_graph_of_the_district_plan_and_the_sentence_of_a_hop(site: str, tab: Tab) -> None:
    district = _by_source(site, DISTRICT_SOURCE)
    ancestors = httpx.get(f"{site}/api/documents/{district['id']}/lineage?direction=up").json()["ancestors"]
    page = tab.page
    tab.goto(site, "/lineage")
    page.select_option("#lineage-doc", district["id"])
    page.wait_for_selector(f'#view-lineage[data-ready="{district["id"]}"]', state="attached")
    assert page.url.endswith(f"#/lineage/{district['id']}")

    labels = page.evaluate("() => window.policygraph.cy.nodes().map((n) => n.data('label'))")
    for number in ("153/KH-UBND", "158-KH/HU", "74-CTr/TU", "25-CT/TW"):
        assert sum(number in label for label in labels) == 1, number
    assert len(labels) == 1 + len(ancestors)
    hops = page.locator("#lineage-hops tbody tr.hop")
    assert hops.count() == len(ancestors)

    # Click the arrow to the directive where it is drawn on the canvas.
    directive = next(a for a in ancestors if a["number"] == "25-CT/TW")
    point = page.evaluate(
        """(target) => {
            const edge = window.policygraph.cy.edges().filter((e) => e.data('target') === target)[0];
            const box = document.querySelector('#lineage-graph').getBoundingClientRect();
            const mid = edge.renderedMidpoint();
            return {x: box.left + mid.x, y: box.top + mid.y};
        }""",
        directive["id"],
    )
    page.mouse.click(point["x"], point["y"])
    sentence = page.locator("#lineage-detail .sentence")
    sentence.wait_for()
    assert directive["text"] and sentence.inner_text() == directive["text"]
    assert "25-CT/TW" in page.locator("#lineage-detail .hop-summary").inner_text()
    selected = page.evaluate("() => window.policygraph.cy.edges(':selected').map((e) => e.data('target'))")
    assert selected == [directive["id"]]
    tab.shot("lineage")
    tab.assert_clean()


def test_divergence_table_colours_each_cell_by_its_verdict(site: str, tab: Tab) -> None:
    rows = httpx.get(f"{site}/api/divergences?year=2030").json()
    page = tab.page
    tab.goto(site, "/divergences/2030")
    table = page.locator("#div-table")
    assert table.locator("tbody tr").count() == len({r["document"] for r in rows})

    lai_chau = next(r for r in rows if r["jurisdiction"] == "Lai Châu" and r["indicator"] == "bhyt_coverage")
    cell = table.locator(f'tbody tr[data-document="{lai_chau["document"]}"] td[data-indicator="bhyt_coverage"]')
    assert cell.get_attribute("data-verdict") == "stricter"
    assert _text(cell) == "> 98 % / > 95 %"
    colour = cell.evaluate("(el) => getComputedStyle(el).backgroundColor")
    legend = page.locator("#div-legend .verdict-stricter").evaluate("(el) => getComputedStyle(el).backgroundColor")
    same = page.locator("#div-legend .verdict-same").evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour == legend != same

    # Every target of the API is a cell with the API's verdict.
    for r in rows:
        c = table.locator(f'tbody tr[data-document="{r["document"]}"] td[data-indicator="{r["indicator"]}"]')
        assert c.get_attribute("data-verdict") == r["verdict"], (r["jurisdiction"], r["indicator"])
    # District rows say which province they are within.
    district = next(r for r in rows if r["level"] == "district")
    within = table.locator(f'tbody tr[data-document="{district["document"]}"] th .within')
    assert _text(within) == f"within {district['within']}"
    tab.shot("divergences")

    page.select_option("#div-year", "2025")
    page.wait_for_selector('#view-divergences[data-ready="2025"]', state="attached")
    assert page.url.endswith("#/divergences/2025")
    rows_2025 = httpx.get(f"{site}/api/divergences?year=2025").json()
    assert table.locator("tbody tr").count() == len({r["document"] for r in rows_2025})
    tab.assert_clean()


def test_document_page_highlights_each_span_and_scrolls_to_it(site: str, tab: Tab) -> None:
    doc_id = _by_source(site, LAI_CHAU_SOURCE)["id"]
    doc = httpx.get(f"{site}/api/documents/{doc_id}").json()
    text = httpx.get(f"{site}/api/documents/{doc_id}/text").json()["text"]
    page = tab.page
    tab.goto(site, f"/document/{doc_id}")
    # The highlighted text is exactly the span of each fact (Python slices by code point).
    for i, t in enumerate(doc["targets"]):
        start, end = t["span"]
        marks = page.locator(f'#document-text mark[data-facts~="t{i}"]').all_inner_texts()
        assert "".join(marks) == text[start:end] == t["text"], t["indicator"]
    for prefix, key in (("k", "tasks"), ("a", "responsibilities"), ("s", "solution_items")):
        for i, item in enumerate(doc.get(key) or []):
            if item.get("span"):
                marks = page.locator(f'#document-text mark[data-facts~="{prefix}{i}"]').all_inner_texts()
                assert "".join(marks) == text[item["span"][0] : item["span"][1]], (key, i)
    # The source text shown is the text the spans index, character for character.
    shown = page.locator("#document-text").evaluate("(el) => el.textContent")
    assert shown == text
    references = {(r["id"], r["relation"], tuple(r["span"])) for r in doc["references"]}
    others = sum(len(doc.get(f) or []) for f in ("tasks", "responsibilities", "solution_items"))
    assert page.locator("#document-facts .fact").count() == len(doc["targets"]) + others + len(references)

    # The last fact in the text is out of view until its fact is clicked.
    last = page.locator("#document-facts .fact").last
    key = last.get_attribute("data-fact")
    mark = page.locator(f'#document-text mark[data-facts~="{key}"]').first
    pane = page.locator("#document-text")

    def in_view() -> bool:
        return bool(
            pane.evaluate(
                """(pane, key) => {
                    const m = pane.querySelector(`mark[data-facts~="${key}"]`).getBoundingClientRect();
                    const p = pane.getBoundingClientRect();
                    return m.top >= p.top && m.bottom <= p.bottom;
                }""",
                key,
            )
        )

    assert not in_view()
    last.click()
    assert in_view()
    assert "active" in (mark.get_attribute("class") or "")
    assert "active" in (last.get_attribute("class") or "")
    # Back to the top and click the bhyt_coverage target for the screenshot.
    bhyt = next(i for i, t in enumerate(doc["targets"]) if t["indicator"] == "bhyt_coverage")
    page.click(f'#document-facts [data-fact="t{bhyt}"]')
    tab.shot("document")

    # A document only cited by others has no text: the page says so.
    directive = next(d for d in _documents(site) if d["number"] == "25-CT/TW")
    page.select_option("#document-doc", directive["id"])
    page.wait_for_selector(f'#view-document[data-ready="{directive["id"]}"]', state="attached")
    assert "only cited" in page.locator("#document-text").inner_text()
    assert page.locator("#document-head h3").inner_text() == "Chỉ thị 25-CT/TW"
    tab.assert_clean()
