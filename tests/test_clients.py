"""Real clients against the real server on loopback: SPARQLWrapper, rdflib's SPARQLStore, curl,
and schemathesis over the OpenAPI schema."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from schemathesis.checks import positive_data_acceptance
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from conftest import needs_shared

PG = Namespace("https://w3id.org/policygraph/ontology#")
PREFIX = f"PREFIX pg: <{PG}>\n"
PLANS_WITH_SOURCE = PREFIX + "SELECT ?d ?s WHERE { ?d a pg:Plan ; pg:sourceFile ?s } ORDER BY ?d"
SOURCES = PREFIX + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?d pg:sourceFile ?s }"
IMPLEMENTS = PREFIX + "CONSTRUCT { ?d pg:implements ?p } WHERE { ?d pg:implements ?p }"

pytestmark = needs_shared


def _endpoint(url: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(url + "/sparql")
    sw.setTimeout(60)
    return sw


# ------------------------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_select_json(live_server: str) -> None:
    sw = _endpoint(live_server)
    sw.setQuery(SOURCES)
    sw.setReturnFormat(JSON)
    body = sw.query().convert()
    assert body["results"]["bindings"][0]["n"]["value"] == "5"  # type: ignore[index,call-overload]


def test_sparqlwrapper_select_xml_by_form_post(live_server: str) -> None:
    sw = _endpoint(live_server)
    sw.setQuery(PLANS_WITH_SOURCE)
    sw.setMethod(POST)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    sources = {n.firstChild.data for n in doc.getElementsByTagName("literal")}  # type: ignore[union-attr]
    assert len(sources) >= 4 and all(s.endswith(".txt") for s in sources)


def test_sparqlwrapper_select_csv(live_server: str) -> None:
    sw = _endpoint(live_server)
    sw.setQuery(PLANS_WITH_SOURCE)
    sw.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(sw.query().convert().decode("utf-8"))))  # type: ignore[union-attr]
    assert rows[0] == ["d", "s"] and len(rows) >= 5
    assert all(r[0].startswith("https://") and r[1].endswith(".txt") for r in rows[1:])


def test_sparqlwrapper_ask_by_direct_post(live_server: str) -> None:
    sw = _endpoint(live_server)
    sw.setMethod(POST)
    sw.setRequestMethod(POSTDIRECTLY)
    sw.setReturnFormat(JSON)
    sw.setQuery(PREFIX + "ASK { ?d a pg:Directive }")
    assert sw.query().convert()["boolean"] is True  # type: ignore[index,call-overload]
    sw.setQuery(PREFIX + "ASK { ?d a pg:NoSuchClass }")
    assert sw.query().convert()["boolean"] is False  # type: ignore[index,call-overload]


@pytest.mark.parametrize("fmt", [XML, TURTLE])
def test_sparqlwrapper_construct(live_server: str, fmt: str) -> None:
    sw = _endpoint(live_server)
    sw.setQuery(IMPLEMENTS)
    sw.setReturnFormat(fmt)
    out = sw.query().convert()
    g = out if isinstance(out, Graph) else Graph().parse(data=out, format="turtle")  # type: ignore[arg-type]
    assert len(g) >= 4 and set(g.predicates()) == {PG.implements}


# ------------------------------------------------------------------------------- rdflib


def test_rdflib_sparqlstore_select_and_graph_query(live_server: str) -> None:
    rows = list(Graph(store=SPARQLStore(query_endpoint=live_server + "/sparql", returnFormat="json")).query(SOURCES))
    assert rows[0][0] == Literal(5)  # type: ignore[index]
    # rdflib asks for its returnFormat whatever the query: a graph needs the default ("xml"),
    # which accepts RDF/XML too (with "json" it would accept only SPARQL JSON, and get 406).
    g = Graph(store=SPARQLStore(query_endpoint=live_server + "/sparql"))
    assert list(g.query(SOURCES))[0][0] == Literal(5)  # type: ignore[index]
    constructed = g.query(IMPLEMENTS).graph
    assert constructed is not None and len(constructed) >= 4
    # The store answers triple patterns too (rdflib writes the SELECT): the union default graph.
    directives = set(g.subjects(RDF.type, PG.Directive))
    assert directives and all(isinstance(d, URIRef) for d in directives)


def test_rdflib_and_sparqlwrapper_agree(live_server: str) -> None:
    g = Graph(store=SPARQLStore(query_endpoint=live_server + "/sparql"))
    via_rdflib = g.query(IMPLEMENTS).graph
    sw = _endpoint(live_server)
    sw.setQuery(IMPLEMENTS)
    sw.setReturnFormat(XML)
    assert isomorphic(via_rdflib, sw.query().convert())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- curl

CURL_CASES = [
    (PLANS_WITH_SOURCE, "application/sparql-results+json", "json"),
    (PLANS_WITH_SOURCE, "application/sparql-results+xml", "xml"),
    (PLANS_WITH_SOURCE, "text/csv", "csv"),
    (PLANS_WITH_SOURCE, "text/tab-separated-values", "tsv"),
    (PLANS_WITH_SOURCE, "application/json", "json"),
    (IMPLEMENTS, "text/turtle", "turtle"),
    (IMPLEMENTS, "application/n-triples", "nt"),
    (IMPLEMENTS, "application/rdf+xml", "xml-rdf"),
    (IMPLEMENTS, "application/ld+json", "json-ld"),
]


def _curl(url: str, *args: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of one curl run."""
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "60", "-w", "\n%{http_code} %{content_type}", *args, url],
        capture_output=True,
        check=True,
    ).stdout
    body, _, tail = out.rpartition(b"\n")
    status, _, ctype = tail.decode().partition(" ")
    return int(status), ctype, body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("query", "accept", "kind"), CURL_CASES, ids=[c[1] for c in CURL_CASES])
def test_curl_every_accept_type(live_server: str, query: str, accept: str, kind: str) -> None:
    status, ctype, body = _curl(
        live_server + "/sparql", "-G", "-H", f"Accept: {accept}", "--data-urlencode", f"query={query}"
    )
    assert status == 200 and ctype.split(";")[0] == accept
    if kind == "json":
        assert len(json.loads(body)["results"]["bindings"]) >= 5
    elif kind == "xml":
        assert len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result")) >= 5
    elif kind == "csv":
        assert next(csv.reader(io.StringIO(body.decode()))) == ["d", "s"]
    elif kind == "tsv":
        assert body.decode().splitlines()[0] == "?d\t?s"
    else:
        g = Graph().parse(data=body, format={"xml-rdf": "xml"}.get(kind, kind))
        assert len(g) >= 4 and set(g.predicates()) == {PG.implements}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_posts_and_errors(live_server: str) -> None:
    status, ctype, body = _curl(
        live_server + "/sparql",
        "-H",
        "Content-Type: application/sparql-query",
        "-H",
        "Accept: application/sparql-results+json",
        "--data-binary",
        PREFIX + "ASK { ?d a pg:Plan }",
    )
    assert status == 200 and json.loads(body)["boolean"] is True
    status, ctype, body = _curl(live_server + "/sparql", "--data-urlencode", "query=SELECT ?s WHERE {")
    assert status == 400 and ctype.startswith("application/json")
    assert json.loads(body)["error"]["code"] == "bad_query"
    status, _, body = _curl(live_server + "/sparql", "--data-urlencode", "update=CLEAR ALL")
    assert status == 403 and json.loads(body)["error"]["code"] == "update_refused"


# ------------------------------------------------------------------------------- schemathesis


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def _sparql_text(ctx: Any, value: Any) -> bytes:
    return str(value).encode("utf-8")


# Failures schemathesis finds in routes not owned by this file's author, reported to their
# owner and kept as non-strict xfails so that the suite stays green until they are fixed.
KNOWN_FAILURES: dict[str, str] = {}


def _operation_labels() -> list[Any]:
    """Every operation of the app's schema, known failures marked, read when tests are collected."""
    from policygraph.api.app import create_app
    from policygraph.graph import Store
    from policygraph.settings import Settings

    paths = create_app(Settings(), store=Store.open(None)).openapi()["paths"]
    labels = [f"{method.upper()} {path}" for path, item in paths.items() for method in item]
    return [
        pytest.param(label, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[label], strict=False))
        if label in KNOWN_FAILURES
        else label
        for label in labels
    ]


@pytest.mark.parametrize("label", _operation_labels())
def test_openapi_no_server_errors_and_no_schema_violations(client: TestClient, label: str) -> None:
    """schemathesis over the in-process app's own /openapi.json: 25 examples per operation,
    derandomised, every check (no 5xx; status codes, content types and bodies as documented)."""
    op = schemathesis.openapi.from_asgi("/openapi.json", client.app).find_operation_by_label(label)
    assert op is not None, label
    # A schema-valid string is not a valid SPARQL query (the grammar is not in the schema):
    # for /sparql a 400 to such a string is right, so that one check is left out there.
    excluded = [positive_data_acceptance] if op.path == "/sparql" else []

    @given(case=op.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    run()
