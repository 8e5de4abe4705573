"""Exports of the five seeds, each read back by the tool that consumes it.

GraphML by python-igraph, GEXF by networkx and by graphology (Node), Cytoscape.js JSON by
cytoscape (Node, headless), DOT and SVG by Graphviz, D3 JSON by json, RDF by rdflib: each reader
must see as many nodes and edges as the networkx graph of the view has, and its Vietnamese labels.
"""

from __future__ import annotations

import doctest
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from policygraph.errors import NotFoundError, QueryError
from policygraph.graph import Store, ingest_records
from policygraph.graph import export as export_module
from policygraph.graph.export import (
    EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
    available,
    dot_names,
    export,
    view_graph,
)
from policygraph.ontology import PG

from conftest import BASE, ROOT, SEEDS

# rdflib's own N-Quads and JSON-LD parsers call its deprecated Dataset API.
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")

JS = ROOT / "tests" / "data" / "js"
SVG = "{http://www.w3.org/2000/svg}"
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "dot", "svg", "d3")
RDF_FORMATS = ("turtle", "nquads", "jsonld")
# The properties behind the graph's edges: an RDF reader finds each edge as one statement.
RELATIONS = {
    str(PG[name])
    for name in ("implements", "cites", "attachedTo", "issuedBy", "jurisdiction", "within")
    + ("target", "indicator", "task", "lead", "support")
}
LAI_CHAU_PLAN = "003_11f369fdb91122c7.txt"
DISTRICT_PLAN = "004_139deaf883704b6f.txt"
AGENCY = "vn-lai-chau/provincial_people_committee"


@dataclass
class Exported:
    view: str
    focus: str | None
    graph: nx.MultiDiGraph
    files: dict[str, Path]
    words: str  # Vietnamese words that must survive in a label of this view


def _needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (apt-get install graphviz / nodejs); the export tests need it")


def _node(mode: str, files: list[Path]) -> dict[str, Any]:
    _needs("node")
    if not (JS / "node_modules").is_dir():
        pytest.fail(f"run `npm ci --prefix {JS}` first: the export tests read files with graphology and cytoscape")
    done = subprocess.run(
        ["node", str(JS / "read_exports.js"), mode, *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return {Path(k).name: v for k, v in json.loads(done.stdout).items()}


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def app_client(seed_store: Store) -> Iterator[TestClient]:
    """The app over the seeds, with the export router (included here until app.py does)."""
    from policygraph.api.app import create_app
    from policygraph.api.export import router
    from policygraph.settings import Settings

    app = create_app(Settings(base_iri=BASE), store=seed_store)
    if not any(getattr(r, "path", "") == "/api/export/{format}" for r in app.routes):
        app.include_router(router)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def documents(app_client: TestClient) -> list[dict[str, Any]]:
    """/api/documents, read once: it is slow over the seeds."""
    return list(app_client.get("/api/documents", params={"limit": 1000}).json()["items"])


def _doc_id(documents: list[dict[str, Any]], source: str) -> str:
    return str(next(d["id"] for d in documents if d["source"] == source))


@pytest.fixture(scope="module")
def exported(
    seed_store: Store, documents: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Exported]:
    """Every view of the seeds in every format, written to files."""
    folder = tmp_path_factory.mktemp("exports")
    views = {
        "all": (None, "Lai Châu"),
        "lineage": (_doc_id(documents, DISTRICT_PLAN), "Kế hoạch"),
        "jurisdiction": ("vn-lai-chau", "Lai Châu"),
        "indicator": ("bhyt_coverage", "Lai Châu"),
        "agency": (_busiest_agency(view_graph(seed_store, BASE)), "Lai Châu"),
    }
    out: dict[str, Exported] = {}
    for view, (focus, words) in views.items():
        files = {}
        for fmt in available():
            result = export(seed_store, BASE, fmt, view, focus)
            files[fmt] = folder / result.filename
            files[fmt].write_bytes(result.data)
        out[view] = Exported(view, focus, view_graph(seed_store, BASE, view, focus), files, words)
    return out


VIEWS = ("all", "lineage", "jurisdiction", "indicator", "agency")


def _busiest_agency(g: nx.MultiDiGraph) -> str:
    """The Lai Châu agency with the most tasks; with no tasks in the graph, its People's Committee."""
    tasks = Counter(
        g.nodes[v]["ref"]
        for _, v, rel in g.edges(data="relation")
        if rel in ("lead", "support") and g.nodes[v]["ref"].startswith("vn-lai-chau/")
    )
    return tasks.most_common(1)[0][0] if tasks else AGENCY


def _labels(g: nx.MultiDiGraph) -> list[str]:
    return sorted(d["label"] for _, d in g.nodes(data=True))


def _check_labels(seen: list[str], e: Exported) -> None:
    assert sorted(seen) == _labels(e.graph)
    assert any(e.words in label for label in seen), (e.words, seen[:5])


# ------------------------------------------------------------------------------- the views


def test_the_seed_views_are_not_trivial(exported: dict[str, Exported]) -> None:
    kinds = {v: {d["kind"] for _, d in e.graph.nodes(data=True)} for v, e in exported.items()}
    core = {"document", "agency", "jurisdiction", "indicator", "target"}
    assert core <= kinds["all"] <= core | {"task"}
    assert exported["all"].graph.number_of_edges() > 100
    assert kinds["lineage"] == {"document"} and exported["lineage"].graph.number_of_nodes() >= 4
    assert core <= kinds["jurisdiction"]
    assert kinds["indicator"] == {"indicator", "target", "document", "jurisdiction"}
    assert "agency" in kinds["agency"] and kinds["agency"] <= {"agency", "task", "document"}


def test_agency_view_holds_its_tasks(exported: dict[str, Exported]) -> None:
    e = exported["agency"]
    g, whole = e.graph, exported["all"].graph
    focus = next(n for n, d in g.nodes(data=True) if d.get("ref") == e.focus)
    mine = {u for u, _, rel in whole.in_edges(focus, data="relation") if rel in ("lead", "support")}
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "task"} == mine
    givers = {u for t in mine for u, _, rel in whole.in_edges(t, data="relation") if rel == "task"}
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "document"} == givers
    if mine:  # tasks are read from the seeds: the view links each to its plan and agencies
        assert {"task", "lead"} <= {rel for *_, rel in g.edges(data="relation")}


def test_lineage_view_is_the_lineage_the_api_gives(exported: dict[str, Exported], app_client: TestClient) -> None:
    e = exported["lineage"]
    up = app_client.get(f"/api/documents/{e.focus}/lineage", params={"direction": "up"}).json()
    down = app_client.get(f"/api/documents/{e.focus}/lineage", params={"direction": "down"}).json()
    listed = {e.focus} | {d["id"] for d in up["ancestors"] + down["descendants"]}
    assert {d["ref"] for _, d in e.graph.nodes(data=True)} == listed
    assert {d["relation"] for *_, d in e.graph.edges(data=True)} <= {"implements", "attachedTo"}
    # The district plan reaches the directive it carries out.
    assert "Chỉ thị 25-CT/TW" in _labels(e.graph)


def test_jurisdiction_view_holds_the_places_documents(
    exported: dict[str, Exported], documents: list[dict[str, Any]], seed_store: Store
) -> None:
    g = exported["jurisdiction"].graph
    lai_chau = {d["id"] for d in documents if d["jurisdiction"] == "Lai Châu"}
    assert lai_chau and lai_chau <= {d.get("ref") for _, d in g.nodes(data=True)}
    assert _doc_id(documents, LAI_CHAU_PLAN) in lai_chau
    # A city's view takes in the district within it.
    city = view_graph(seed_store, BASE, "jurisdiction", "vn-hai-phong")
    assert _doc_id(documents, DISTRICT_PLAN) in {d.get("ref") for _, d in city.nodes(data=True)}


def test_indicator_view_holds_every_target_on_it(exported: dict[str, Exported]) -> None:
    g = exported["indicator"].graph
    targets = [d for _, d in g.nodes(data=True) if d["kind"] == "target"]
    assert targets and {t["indicator"] for t in targets} == {"bhyt_coverage"}
    assert 98.0 in {t.get("value") for t in targets}  # Lai Châu's stricter figure
    places = {d["label"] for _, d in g.nodes(data=True) if d["kind"] == "jurisdiction"}
    assert {"Việt Nam", "Lai Châu", "Nghệ An"} <= places


def test_each_attribute_has_one_type_and_no_none(exported: dict[str, Exported]) -> None:
    for e in exported.values():
        for _, d in e.graph.nodes(data=True):
            assert {"kind", "label", "iri"} <= set(d)
            for name, value in d.items():
                assert type(value) is NODE_ATTRIBUTES[name], (name, value)
        for *_, d in e.graph.edges(data=True):
            assert set(d) == set(EDGE_ATTRIBUTES) and all(type(v) is str for v in d.values())
    years = [d["year"] for _, d in exported["all"].graph.nodes(data=True) if "year" in d]
    assert years and all(isinstance(y, int) for y in years)


# ------------------------------------------------------------------------------- readers


@pytest.mark.parametrize("view", VIEWS)
def test_graphml_read_by_igraph(exported: dict[str, Exported], view: str) -> None:
    e = exported[view]
    g = igraph.Graph.Read_GraphML(str(e.files["graphml"]))
    assert (g.vcount(), g.ecount()) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
    if g.vcount():
        _check_labels(g.vs["label"], e)
        assert set(g.vs["kind"]) == {d["kind"] for _, d in e.graph.nodes(data=True)}
    # One key per attribute name and domain: a name declared twice (two types) breaks readers.
    keys = ET.parse(e.files["graphml"]).getroot().findall("{http://graphml.graphdrawing.org/xmlns}key")
    declared = [(k.get("for"), k.get("attr.name")) for k in keys]
    assert len(declared) == len(set(declared))


@pytest.mark.parametrize("view", VIEWS)
def test_gexf_read_by_networkx(exported: dict[str, Exported], view: str) -> None:
    e = exported[view]
    g = nx.read_gexf(e.files["gexf"])
    assert (g.number_of_nodes(), g.number_of_edges()) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
    if g.number_of_nodes():
        _check_labels([d["label"] for _, d in g.nodes(data=True)], e)
    for _, d in g.nodes(data=True):
        assert isinstance(d.get("year", 0), int) and isinstance(d.get("value", 0.0), float)


def test_gexf_read_by_graphology(exported: dict[str, Exported]) -> None:
    seen = _node("gexf", [e.files["gexf"] for e in exported.values()])
    for e in exported.values():
        r = seen[e.files["gexf"].name]
        assert "error" not in r, r.get("error")
        assert (r["nodes"], r["edges"]) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
        if r["nodes"]:
            _check_labels(r["labels"], e)
        assert r["types"].get("year", ["number"]) == ["number"]
        assert r["types"].get("ingested", ["boolean"]) == ["boolean"]


def test_cytoscape_read_by_cytoscape_js(exported: dict[str, Exported]) -> None:
    seen = _node("cytoscape", [e.files["cytoscape"] for e in exported.values()])
    for e in exported.values():
        r = seen[e.files["cytoscape"].name]
        assert "error" not in r, r.get("error")
        assert (r["nodes"], r["edges"]) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
        assert r["dangling"] == 0 and len(set(r["edgeIds"])) == len(r["edgeIds"])
        # The ids are the file's own (Cytoscape.js would make some up for edges without one).
        assert set(r["edgeIds"]) == {k for *_, k in e.graph.edges(keys=True)}
        if r["nodes"]:
            _check_labels(r["labels"], e)
    # Edge ids are stable: one link has one id in every view.
    ids_all = set(seen[exported["all"].files["cytoscape"].name]["edgeIds"])
    assert set(seen[exported["jurisdiction"].files["cytoscape"].name]["edgeIds"]) <= ids_all


def _svg_titles(svg: bytes) -> tuple[list[str], int]:
    root = ET.fromstring(svg)
    groups = root.iter(f"{SVG}g")
    nodes, edges = [], 0
    for group in groups:
        if group.get("class") == "node":
            title = group.find(f"{SVG}title")
            assert title is not None and title.text is not None
            nodes.append(title.text)
        elif group.get("class") == "edge":
            edges += 1
    return nodes, edges


def _check_svg(svg: bytes, e: Exported) -> None:
    titles, edges = _svg_titles(svg)
    assert (len(titles), edges) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
    assert sorted(titles) == sorted(dot_names(e.graph).values())
    docs = [d["label"] for _, d in e.graph.nodes(data=True) if d["kind"] == "document"]
    assert set(docs) <= set(titles) or len(set(docs)) < len(docs)
    assert not any("http" in t or "#" in t for t in titles)
    if titles:
        assert any(e.words in t for t in titles)


@pytest.mark.parametrize("view", VIEWS)
def test_dot_parsed_and_drawn_by_graphviz(exported: dict[str, Exported], view: str) -> None:
    _needs("dot")
    e = exported[view]
    counted = subprocess.run(["gc", "-n", "-e", str(e.files["dot"])], capture_output=True, text=True, check=True)
    numbers = [int(w) for w in counted.stdout.split() if w.isdigit()]
    assert numbers[:2] == [e.graph.number_of_nodes(), e.graph.number_of_edges()], counted.stdout
    drawn = subprocess.run(["dot", "-Tsvg", str(e.files["dot"])], capture_output=True, check=True)
    assert b"Warning" not in drawn.stderr and b"Error" not in drawn.stderr, drawn.stderr
    _check_svg(drawn.stdout, e)


@pytest.mark.parametrize("view", VIEWS)
def test_svg_export(exported: dict[str, Exported], view: str) -> None:
    e = exported[view]
    _check_svg(e.files["svg"].read_bytes(), e)


@pytest.mark.parametrize("view", VIEWS)
def test_d3_node_link_json(exported: dict[str, Exported], view: str) -> None:
    e = exported[view]
    data = json.loads(e.files["d3"].read_text(encoding="utf-8"))
    assert (len(data["nodes"]), len(data["links"])) == (e.graph.number_of_nodes(), e.graph.number_of_edges())
    ids = {n["id"] for n in data["nodes"]}
    assert all(link["source"] in ids and link["target"] in ids for link in data["links"])
    if ids:
        _check_labels([n["label"] for n in data["nodes"]], e)
    assert data["graph"]["view"] == view


def _read_rdf(path: Path, fmt: str) -> Graph:
    if fmt == "turtle":
        g = Graph()
        g.parse(path, format="turtle")
        return g
    ds = Dataset()
    ds.parse(path, format="nquads" if fmt == "nquads" else "json-ld")
    merged = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged


@pytest.mark.parametrize("fmt", RDF_FORMATS)
@pytest.mark.parametrize("view", VIEWS)
def test_rdf_dumps_read_by_rdflib(exported: dict[str, Exported], view: str, fmt: str) -> None:
    e = exported[view]
    g = _read_rdf(e.files[fmt], fmt)
    nodes = {URIRef(n) for n in e.graph.nodes}
    assert nodes <= set(g.subjects(RDF.type, None))
    links = {(s, p, o) for s, p, o in g if str(p) in RELATIONS and s in nodes and o in nodes}
    assert len(links) == e.graph.number_of_edges()
    assert any(isinstance(o, Literal) and e.words in str(o) for o in g.objects())
    if view != "all":
        assert set(g.subjects()) <= nodes  # a view's dump is about its nodes only


def test_nquads_of_the_whole_graph_is_the_store(exported: dict[str, Exported], seed_store: Store) -> None:
    assert exported["all"].files["nquads"].read_bytes() == seed_store.dump("nquads")


# ------------------------------------------------------------------------------- hard cases


def _tiny_store(extra: str = "") -> Store:
    """An in-memory store: the vocabulary, two documents, an agency and, in ``extra``, more."""
    store = Store.open(None)
    store.load_vocabulary()
    b = BASE
    store.update(
        f"""INSERT DATA {{ GRAPH <{b}graph/tiny> {{
        <{b}eli/vn-lai-chau/plan/2024/1-kh-ubnd> a pg:Document, pg:Plan ; pg:number "1/KH-UBND" ;
            pg:year 2024 ; pg:jurisdiction <https://w3id.org/policygraph/id/jurisdiction/vn-lai-chau> ;
            pg:title "Kế hoạch\\u000b \\"đặc biệt\\" \\\\ <b>&</b>\\u0001 y tế" ;
            pg:issuedBy <{b}agency/vn-lai-chau/provincial_people_committee> ;
            pg:implements <{b}eli/vn/directive/2023/25-ct-tw> .
        <{b}eli/vn/directive/2023/25-ct-tw> a pg:Document, pg:Directive ; pg:number "25-CT/TW\\u0007 \\"x\\"" .
        <{b}agency/vn-lai-chau/provincial_people_committee> a pg:Agency ;
            pg:name "Ủy ban nhân dân tỉnh Lai Châu" ;
            pg:jurisdiction <https://w3id.org/policygraph/id/jurisdiction/vn-lai-chau> .
        {extra}
    }} }}"""
    )
    return store


def test_control_characters_quotes_and_markup_survive_every_reader(tmp_path: Path) -> None:
    store = _tiny_store()
    g = view_graph(store, BASE)
    title = g.nodes[f"{BASE}eli/vn-lai-chau/plan/2024/1-kh-ubnd"]["title"]
    assert title == 'Kế hoạch "đặc biệt" \\ <b>&</b> y tế'  # \x0b and \x01 gone
    label = g.nodes[f"{BASE}eli/vn/directive/2023/25-ct-tw"]["label"]
    assert label == 'Chỉ thị 25-CT/TW "x"'
    files = {}
    for fmt in available():
        files[fmt] = tmp_path / f"tiny.{fmt}"
        files[fmt].write_bytes(export(store, BASE, fmt).data)
    assert igraph.Graph.Read_GraphML(str(files["graphml"])).vcount() == g.number_of_nodes()
    assert nx.read_gexf(files["gexf"]).nodes[f"{BASE}eli/vn-lai-chau/plan/2024/1-kh-ubnd"]["title"] == title
    seen = _node("gexf", [files["gexf"]])["tiny.gexf"]
    assert seen.get("nodes") == g.number_of_nodes(), seen
    titles, _ = _svg_titles(files["svg"].read_bytes())
    assert label in titles
    assert subprocess.run(["dot", "-Tcanon", str(files["dot"])], capture_output=True).returncode == 0
    assert len(_read_rdf(files["turtle"], "turtle")) > 0
    store.close()


def test_an_empty_store_exports_empty_files_readers_accept(tmp_path: Path) -> None:
    store = Store.open(None)
    store.load_vocabulary()
    assert view_graph(store, BASE).number_of_nodes() == 0
    paths = {}
    for fmt in GRAPH_FORMATS:
        paths[fmt] = tmp_path / f"empty.{fmt}"
        paths[fmt].write_bytes(export(store, BASE, fmt).data)
    assert igraph.Graph.Read_GraphML(str(paths["graphml"])).vcount() == 0
    assert nx.read_gexf(paths["gexf"]).number_of_nodes() == 0
    assert _node("cytoscape", [paths["cytoscape"]])["empty.cytoscape"]["nodes"] == 0
    assert _svg_titles(paths["svg"].read_bytes()) == ([], 0)
    store.close()


def test_agency_view_once_tasks_exist() -> None:
    b = BASE
    lead = f"{b}agency/vn-lai-chau/provincial_people_committee"
    health = f"{b}agency/vn-lai-chau/provincial_department_of_health"
    tasks = f"""
        <{b}eli/vn-lai-chau/plan/2024/1-kh-ubnd> pg:task <{b}eli/vn-lai-chau/plan/2024/1-kh-ubnd#task-1> .
        <{b}eli/vn-lai-chau/plan/2024/1-kh-ubnd#task-1> a pg:Task ; pg:text "Rà soát trạm y tế xã" ;
            pg:lead <{health}> ; pg:support <{lead}> .
        <{health}> a pg:Agency ; pg:name "Sở Y tế tỉnh Lai Châu" .
        <{b}eli/vn-nghe-an/plan/2024/2-kh-ubnd> a pg:Document ; pg:task <{b}eli/vn-nghe-an/plan/2024/2-kh-ubnd#t> .
        <{b}eli/vn-nghe-an/plan/2024/2-kh-ubnd#t> a pg:Task ; pg:lead <{b}agency/vn-nghe-an/x> .
        <{b}agency/vn-nghe-an/x> a pg:Agency .
    """
    store = _tiny_store(tasks)
    g = view_graph(store, BASE, "agency", "vn-lai-chau/provincial_people_committee")
    labels = {d["label"] for _, d in g.nodes(data=True)}
    assert labels == {
        "Ủy ban nhân dân tỉnh Lai Châu",
        "Sở Y tế tỉnh Lai Châu",
        "Rà soát trạm y tế xã",
        "Kế hoạch 1/KH-UBND – Lai Châu",
    }
    assert sorted(d["relation"] for *_, d in g.edges(data=True)) == ["issuedBy", "lead", "support", "task"]
    whole = view_graph(store, BASE)
    assert sum(d["kind"] == "task" for _, d in whole.nodes(data=True)) == 2
    store.close()


# ------------------------------------------------------------------------------- errors


def test_errors_name_the_mistake(seed_store: Store) -> None:
    with pytest.raises(NotFoundError, match="formats: cytoscape"):
        export(seed_store, BASE, "png")
    with pytest.raises(QueryError, match="views: all"):
        view_graph(seed_store, BASE, "province", "vn-lai-chau")
    with pytest.raises(QueryError, match="needs a focus"):
        view_graph(seed_store, BASE, "lineage")
    with pytest.raises(QueryError, match="takes no focus"):
        view_graph(seed_store, BASE, "all", "vn-lai-chau")
    for view, focus in (("lineage", "vn/plan/2099/nope"), ("jurisdiction", "vn-atlantis"), ("indicator", "x")):
        with pytest.raises(NotFoundError):
            view_graph(seed_store, BASE, view, focus)
    # A place a focus of another kind names is not found either.
    with pytest.raises(NotFoundError):
        view_graph(seed_store, BASE, "agency", "vn-lai-chau")


def test_svg_without_graphviz_is_an_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from policygraph.errors import PolicyGraphError

    store = _tiny_store()
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PolicyGraphError, match="graphviz"):
        export(store, BASE, "svg")
    store.close()


def test_docstring_examples() -> None:
    result = doctest.testmod(export_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------------- API


def test_api_export_gives_the_file(app_client: TestClient) -> None:
    r = app_client.get("/api/export/graphml", params={"view": "jurisdiction", "focus": "vn-lai-chau"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/graphml+xml")
    assert r.headers["content-disposition"] == 'attachment; filename="policygraph-jurisdiction-vn-lai-chau.graphml"'
    assert "Lai Châu" in r.content.decode("utf-8")
    r = app_client.get("/api/export/cytoscape")
    assert r.status_code == 200 and r.json()["elements"]["edges"][0]["data"]["id"]
    r = app_client.get("/api/export/turtle", params={"view": "indicator", "focus": "bhyt_coverage"})
    assert r.headers["content-type"].startswith("text/turtle") and "filename=" in r.headers["content-disposition"]
    assert "/api/export/{format}" in app_client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/export/png", 404),
        ("/api/export/graphml?view=province", 400),
        ("/api/export/graphml?view=lineage", 400),
        ("/api/export/graphml?view=jurisdiction&focus=vn-atlantis", 404),
        ("/api/export/dot?view=lineage&focus=vn/plan/2099/nope", 404),
    ],
)
def test_api_export_errors_in_the_error_shape(app_client: TestClient, url: str, status: int) -> None:
    r = app_client.get(url)
    assert r.status_code == status
    assert set(r.json()["error"]) == {"status", "code", "message", "source"}


# ------------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store of one seed, closed, for the command line to open."""
    from policygraph.loaders import read_path

    path = tmp_path_factory.mktemp("cli") / "store"
    with Store.open(path) as store:
        store.load_vocabulary()
        ingest_records(store, [read_path(SEEDS / LAI_CHAU_PLAN)], BASE)
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "policygraph.cli", "export", *args], capture_output=True, timeout=120)


def test_cli_export_writes_the_file(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "lai-chau.gexf"
    done = _cli(
        "--format",
        "gexf",
        "--view",
        "jurisdiction",
        "--focus",
        "vn-lai-chau",
        "--store",
        str(small_store),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    g = nx.read_gexf(out)
    assert "Lai Châu" in {d["label"] for _, d in g.nodes(data=True)}
    done = _cli("--format", "d3", "--store", str(small_store), "-o", "-")
    assert done.returncode == 0 and json.loads(done.stdout)["links"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--format", "png"), 4),
        (("--format", "dot", "--view", "sideways"), 5),
        (("--format", "dot", "--view", "indicator", "--focus", "nope"), 4),
    ],
)
def test_cli_export_errors(small_store: Path, tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    done = _cli(*args, "--store", str(small_store), "-o", str(tmp_path / "x"))
    assert done.returncode == code, done.stderr
    assert b"Traceback" not in done.stderr and b"error:" in done.stderr


def test_cli_export_without_a_store(tmp_path: Path) -> None:
    done = _cli("--format", "dot", "--store", str(tmp_path / "none"), "-o", str(tmp_path / "x.dot"))
    assert done.returncode == 6 and b"ingest" in done.stderr
    assert not (tmp_path / "none").exists()
