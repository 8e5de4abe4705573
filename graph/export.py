"""The graph as files other tools read: GraphML, GEXF, Cytoscape.js, DOT, SVG, D3, RDF.

The store is read into a networkx ``MultiDiGraph`` (named queries ``export_*``), a *view*
picks part of it, and one exporter per format writes it. Exporters sit in one registry keyed
by format, like the loaders; :func:`register` adds one.

Nodes, keyed by IRI, and what each kind carries (an attribute a node lacks is left out, never
None or a stand-in such as -1, and each attribute has one type on every node, as GraphML and
GEXF readers need: they declare one type per attribute name):

============ ==========================================================================
kind         attributes besides ``kind``, ``label`` (Vietnamese) and ``iri`` (all str)
============ ==========================================================================
document     ref (its id in /api/documents), type, number, date (ISO text: "2024-03"),
             title, level, year (int: year of issue), ingested (bool)
agency       ref (the IRI's path after ``{base}agency/``), type (agency kind), level
jurisdiction ref ("vn-lai-chau"), level
indicator    ref ("bhyt_coverage")
target       indicator (its ref), comparator, value (float), unit, year (int: target year)
task         number (its row in the plan's task table, as text), deadline (ISO text)
============ ==========================================================================

``ref`` is what ``focus`` takes (the IRI is taken too); it is not named ``key`` because
networkx's GEXF writer renames that attribute. ``level`` is a level key (central, province,
district, commune); a date stays text because GraphML and GEXF have no date type. Edges carry
``relation`` (the property's local name), ``label`` (its Vietnamese label where the ontology
has one, else the relation) and ``iri``; an edge's id (its key in networkx) is made from its
ends and relation, so it is the same in every view and format. Relations: implements, cites,
attachedTo (document → document), issuedBy (document → agency), jurisdiction (document or
agency → place), within (place → place), target (document → target), indicator (target →
indicator), task (document → task), lead and support (task → agency). Mentions, signatures,
source text and spans stay out of the graph formats; the RDF formats carry them.

The RDF formats hold the store's own statements: for the view ``all`` the whole dataset
(vocabulary included), for another view every statement whose subject is one of its nodes,
each in its named graph (Turtle, which has none, merges them).

Views (``focus`` is what the view is about):

- ``all``: every document, agency, target and task; the places they lie in and the places
  those lie within; the indicators targets measure; and every link among them.
- ``lineage`` (a document id as in /api/documents): the document and every document above it
  (through pg:implements and ^pg:attachedTo) and below it (the reverse), with the implements
  and attachedTo links among them — the documents /api/documents/{id}/lineage lists.
- ``jurisdiction`` (a place key, e.g. vn-lai-chau): the place and the places within it, their
  documents, and those documents' links: documents they name or that name them, issuers,
  targets and their indicators, tasks and their agencies.
- ``indicator`` (an indicator key): the indicator, the targets set on it, the documents that
  set them and those documents' places.
- ``agency`` (an agency key): the agency, the tasks it leads or supports, the documents that
  give them and the other agencies on them (pg:Task, pg:lead, pg:support, pg:task).

Each focus view is the subgraph the chosen nodes induce (lineage keeps only its two relations).
Strings lose XML-illegal characters, so text from PDFs or OCR cannot break GraphML or GEXF;
labels are on one line. In DOT a node's id is its label (made unique with " (2)"…), quoted,
never its IRI, so Graphviz's SVG titles name the nodes.

>>> sorted(available())
['cytoscape', 'd3', 'dot', 'gexf', 'graphml', 'jsonld', 'nquads', 'svg', 'turtle']
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import shutil
import subprocess
import textwrap
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from policygraph.errors import NotFoundError, PolicyGraphError, QueryError
from policygraph.graph.iris import JURISDICTION_BASE, base_iri, slug
from policygraph.graph.rdf import clean
from policygraph.graph.store import Store
from policygraph.ontology import PG
from policygraph.queries import get as get_query

__all__ = [
    "EDGE_ATTRIBUTES",
    "NODE_ATTRIBUTES",
    "VIEWS",
    "ExportResult",
    "Exporter",
    "available",
    "build_graph",
    "dot_id",
    "dot_names",
    "edge_id",
    "export",
    "get_exporter",
    "register",
    "view_graph",
]

# One Python type per attribute, whatever the node's kind: GraphML and GEXF declare a type per
# attribute name, and a reader breaks on a name declared twice with two types.
NODE_ATTRIBUTES: dict[str, type] = {
    "kind": str,
    "label": str,
    "iri": str,
    "ref": str,
    "type": str,
    "number": str,
    "date": str,
    "title": str,
    "level": str,
    "year": int,
    "ingested": bool,
    "indicator": str,
    "comparator": str,
    "value": float,
    "unit": str,
    "deadline": str,
}
EDGE_ATTRIBUTES: dict[str, type] = {"relation": str, "label": str, "iri": str}

VIEWS = ("all", "lineage", "jurisdiction", "indicator", "agency")
_FOCUS_KIND = {"lineage": "document", "jurisdiction": "jurisdiction", "indicator": "indicator", "agency": "agency"}
_DOCUMENT_LINKS = ("implements", "cites", "attachedTo")
_LABEL_MAX = 120  # a task's or a target's own words can run to a paragraph
_DOT_TIMEOUT = 120  # seconds; dot on a few thousand nodes takes a few


# ------------------------------------------------------------------ typed attributes


def _typed(schema: dict[str, type], values: dict[str, object]) -> dict[str, Any]:
    """``values`` with missing ones left out and each kept one of its schema's type."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        want = schema[name]  # a KeyError here is a programming mistake, not a user's
        if value is None:
            continue
        if want is str:
            text = clean(str(value))
            if text:
                out[name] = text
        elif want is bool:
            if isinstance(value, bool):
                out[name] = value
        elif want is int:
            # bool is an int subclass; a year stored as text ("2024") still counts.
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
            elif isinstance(value, str) and value.strip().isdigit():
                out[name] = int(value)
        elif want is float:
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                out[name] = float(value)
    return out


def _one_line(text: str | None, limit: int | None = None) -> str | None:
    """``text`` on one line (labels go into DOT ids and tool-tips); cut at ``limit``."""
    if text is None:
        return None
    line = re.sub(r"\s+", " ", clean(text)).strip()
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line or None


def _tail(iri: str, prefix: str) -> str:
    return iri[len(prefix) :] if iri.startswith(prefix) else iri


def _figure(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


# ------------------------------------------------------------------ reading the store


def _rows(store: Store, name: str) -> list[dict[str, Any]]:
    return store.select(get_query(name).text)


def _document_label(row: dict[str, Any]) -> str:
    kind = row.get("typeLabel") or row.get("documentLabel") or "Văn bản"
    place = _one_line(row.get("place"))
    year = row.get("year")
    if row.get("number"):
        label = f"{kind} {row['number']}"
    else:
        # A draft's number is blank: say so, with the form and year the text gives.
        form = f" {row['numberForm']}" if row.get("numberForm") else ""
        when = f", {year}" if isinstance(year, int) else ""
        label = f"{kind}{form} (không số{when})"
    if place and row.get("levelKey") != "central":
        label += f" – {place}"
    return label


def _target_label(row: dict[str, Any]) -> str:
    # The measure is cut, not the figure and year that tell one target from another.
    what = _one_line(row.get("indicatorLabel"), 60) or _one_line(row.get("label"), 60) or "?"
    figure = ""
    if row.get("value") is not None:
        unit = row.get("unit") or ""
        gap = "" if unit in ("", "%") else " "
        figure = f" {row.get('comparator') or ''} {_figure(row['value'])}{gap}{unit}".replace("  ", " ")
    year = f" ({row['year']})" if isinstance(row.get("year"), int) else ""
    return f"{what}:{figure}{year}" if figure else f"{what}{year}"


def _add_node(g: nx.MultiDiGraph, iri: str, **values: object) -> None:
    attrs = _typed(NODE_ATTRIBUTES, {"iri": iri, **values})
    attrs["label"] = _one_line(attrs.get("label"), _LABEL_MAX) or iri
    g.add_node(iri, **attrs)


def edge_id(source: str, relation: str, target: str) -> str:
    """A stable id for one link: the same in every view and every export."""
    digest = hashlib.sha256(f"{source}\n{relation}\n{target}".encode()).hexdigest()[:16]
    return f"e-{digest}"


def build_graph(store: Store, base: str) -> nx.MultiDiGraph:
    """Every document, agency, place, indicator, target and task of the store, and their links.

    Places and indicators of the vocabulary that nothing uses are here too: the views choose.
    """
    g = nx.MultiDiGraph()
    agency_prefix = base_iri(base) + "agency/"
    document_prefix = base_iri(base) + "eli/"
    for r in _rows(store, "export_documents"):
        _add_node(
            g,
            r["document"],
            kind="document",
            label=_document_label(r),
            ref=_tail(r["document"], document_prefix),
            type=r.get("typeKey"),
            number=r.get("number"),
            date=r.get("date"),
            title=_one_line(r.get("title")),
            level=r.get("levelKey"),
            year=r.get("year"),
            ingested=bool(r.get("ingested")),
        )
    for r in _rows(store, "export_agencies"):
        place = _one_line(r.get("place"))
        name = _one_line(r.get("name")) or _one_line(r.get("kindLabel")) or _tail(r["agency"], agency_prefix)
        # "Sở Y tế" is every province's: the place tells them apart, unless the name says it.
        label = f"{name} – {place}" if place and place not in name else name
        _add_node(
            g,
            r["agency"],
            kind="agency",
            label=label,
            ref=_tail(r["agency"], agency_prefix),
            type=r.get("kindKey"),
            level=r.get("levelKey"),
        )
    for r in _rows(store, "export_jurisdictions"):
        key = r.get("key") or _tail(r["jurisdiction"], JURISDICTION_BASE)
        _add_node(
            g, r["jurisdiction"], kind="jurisdiction", label=r.get("label") or key, ref=key, level=r.get("levelKey")
        )
    for r in _rows(store, "export_indicators"):
        key = r.get("key") or r["indicator"].rsplit("/", 1)[-1]
        _add_node(g, r["indicator"], kind="indicator", label=r.get("label") or key, ref=key)
    for r in _rows(store, "export_targets"):
        _add_node(
            g,
            r["target"],
            kind="target",
            label=_target_label(r),
            indicator=r.get("indicatorKey"),
            comparator=r.get("comparator"),
            value=r.get("value"),
            unit=r.get("unit"),
            year=r.get("year"),
        )
    for r in _rows(store, "export_tasks"):
        _add_node(
            g,
            r["task"],
            kind="task",
            label=r.get("label") or r.get("classLabel") or "Task",
            number=r.get("number"),
            deadline=r.get("deadline"),
        )
    for r in _rows(store, "export_edges"):
        source, target, prop = r["from"], r["to"], r["property"]
        if source not in g or target not in g:
            continue  # a link to something that is not a node here (an untyped stub)
        relation = prop.rsplit("#", 1)[-1]
        attrs = _typed(
            EDGE_ATTRIBUTES, {"relation": relation, "label": r.get("relationLabel") or relation, "iri": prop}
        )
        g.add_edge(source, target, key=edge_id(source, relation, target), **attrs)
    return g


# ------------------------------------------------------------------ views


def _neighbours(g: nx.MultiDiGraph, nodes: Iterable[str], relations: Iterable[str], *, out: bool) -> set[str]:
    """Nodes one ``relations`` link away from ``nodes``, following links forward or back."""
    wanted = set(relations)
    found: set[str] = set()
    for n in nodes:
        if out:
            found.update(v for _, v, rel in g.out_edges(n, data="relation") if rel in wanted)
        else:
            found.update(u for u, _, rel in g.in_edges(n, data="relation") if rel in wanted)
    return found


def _closure(g: nx.MultiDiGraph, start: str, forward: tuple[str, ...], backward: tuple[str, ...]) -> set[str]:
    """Nodes reached from ``start`` in one or more steps along ``forward`` links or against
    ``backward`` ones (a breadth-first walk; cycles end it)."""
    seen: set[str] = set()
    frontier = {start}
    while frontier:
        step = _neighbours(g, frontier, forward, out=True) | _neighbours(g, frontier, backward, out=False)
        frontier = step - seen - {start}
        seen |= frontier
    return seen


def _whole(g: nx.MultiDiGraph) -> set[str]:
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    core = {n for n, k in kinds.items() if k in ("document", "agency", "target", "task")}
    places = _neighbours(g, core, ("jurisdiction",), out=True)
    for place in list(places):
        places |= _closure(g, place, ("within",), ())
    indicators = _neighbours(g, core, ("indicator",), out=True)
    return core | places | indicators


def _find(g: nx.MultiDiGraph, kind: str, focus: str) -> str:
    """The node of ``kind`` whose ref (or IRI) is ``focus``."""
    for n, d in g.nodes(data=True):
        if d["kind"] == kind and focus in (d.get("ref"), n):
            return str(n)
    raise NotFoundError(f"no {kind} {focus!r} in the store")


def _induced(g: nx.MultiDiGraph, nodes: set[str], relations: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The subgraph on ``nodes`` (in the store's order), keeping links of ``relations`` only
    when given."""
    wanted = set(relations) if relations is not None else None
    view = nx.MultiDiGraph()
    view.add_nodes_from((n, dict(d)) for n, d in g.nodes(data=True) if n in nodes)
    view.add_edges_from(
        (u, v, k, dict(d))
        for u, v, k, d in g.edges(keys=True, data=True)
        if u in nodes and v in nodes and (wanted is None or d["relation"] in wanted)
    )
    return view


def _select(g: nx.MultiDiGraph, view: str, node: str) -> tuple[set[str], tuple[str, ...] | None]:
    if view == "lineage":
        up = _closure(g, node, ("implements",), ("attachedTo",))
        down = _closure(g, node, ("attachedTo",), ("implements",))
        return {node} | up | down, ("implements", "attachedTo")
    whole = _whole(g)
    if view == "jurisdiction":
        places = {node} | {
            p for p in whole if g.nodes[p]["kind"] == "jurisdiction" and node in _closure(g, p, ("within",), ())
        }
        docs = {d for d in _neighbours(g, places, ("jurisdiction",), out=False) if g.nodes[d]["kind"] == "document"}
        linked = _neighbours(g, docs, _DOCUMENT_LINKS, out=True) | _neighbours(g, docs, _DOCUMENT_LINKS, out=False)
        targets = _neighbours(g, docs, ("target",), out=True)
        tasks = _neighbours(g, docs, ("task",), out=True)
        return (
            places
            | docs
            | linked
            | _neighbours(g, docs, ("issuedBy",), out=True)
            | targets
            | _neighbours(g, targets, ("indicator",), out=True)
            | tasks
            | _neighbours(g, tasks, ("lead", "support"), out=True)
        ), None
    if view == "indicator":
        targets = _neighbours(g, {node}, ("indicator",), out=False)
        docs = _neighbours(g, targets, ("target",), out=False)
        return {node} | targets | docs | _neighbours(g, docs, ("jurisdiction",), out=True), None
    # agency: its tasks, the documents that give them, the other agencies on them
    tasks = _neighbours(g, {node}, ("lead", "support"), out=False)
    return (
        {node}
        | tasks
        | _neighbours(g, tasks, ("task",), out=False)
        | _neighbours(g, tasks, ("lead", "support"), out=True)
    ), None


def view_graph(store: Store, base: str, view: str = "all", focus: str | None = None) -> nx.MultiDiGraph:
    """The graph of one view (see the module's docstring); its ``graph`` dict names the view.

    Raises QueryError for an unknown view or a focus missing or out of place, NotFoundError for
    a focus the store does not hold.
    """
    if view not in VIEWS:
        raise QueryError(f"no view {view!r}; views: {', '.join(VIEWS)}")
    focus = focus.strip() if focus else None
    if view == "all" and focus:
        raise QueryError("the view 'all' takes no focus")
    if view != "all" and not focus:
        raise QueryError(f"the view {view!r} needs a focus: a {_FOCUS_KIND[view]} id")
    g = build_graph(store, base)
    if view == "all":
        result = _induced(g, _whole(g))
    else:
        assert focus is not None
        node = _find(g, _FOCUS_KIND[view], focus)
        nodes, relations = _select(g, view, node)
        result = _induced(g, nodes, relations)
    result.graph["view"] = view
    if focus:
        result.graph["focus"] = focus
    return result


# ------------------------------------------------------------------ exporters


@dataclass(frozen=True)
class Exporter:
    name: str
    media_type: str
    extension: str
    write: Callable[[nx.MultiDiGraph, Store], bytes]  # (view graph, store) -> file bytes
    description: str = ""


@dataclass(frozen=True)
class ExportResult:
    data: bytes
    media_type: str
    filename: str


_registry: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    """Add or replace the exporter for ``exporter.name``."""
    _registry[exporter.name] = exporter


def available() -> dict[str, Exporter]:
    """The registered exporters by format name."""
    return dict(_registry)


def get_exporter(name: str) -> Exporter:
    """The exporter for format ``name``; NotFoundError for one there is not."""
    try:
        return _registry[name]
    except KeyError:
        raise NotFoundError(f"no export format {name!r}; formats: {', '.join(sorted(_registry))}") from None


def export(store: Store, base: str, format: str, view: str = "all", focus: str | None = None) -> ExportResult:
    """One view of the store as a file of ``format``: its bytes, media type and file name."""
    exporter = get_exporter(format)
    graph = view_graph(store, base, view, focus)
    name = "policygraph-" + view + (f"-{slug(focus)}" if focus and slug(focus) else "")
    return ExportResult(exporter.write(graph, store), exporter.media_type, f"{name}.{exporter.extension}")


def _graphml(g: nx.MultiDiGraph, _: Store) -> bytes:
    buf = io.BytesIO()
    # A multigraph's edge ids are its keys, which edge_id() makes unique across the file.
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def _gexf(g: nx.MultiDiGraph, _: Store) -> bytes:
    h = g.copy()
    h.graph = {"name": "policygraph " + g.graph.get("view", "")}
    for _u, _v, key, data in h.edges(keys=True, data=True):
        data["id"] = key  # else the writer numbers edges 0, 1, … per file
    buf = io.BytesIO()
    nx.write_gexf(h, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    return buf.getvalue()


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def _cytoscape(g: nx.MultiDiGraph, _: Store) -> bytes:
    # Written here, not by nx.cytoscape_data: that one overwrites a node's "value" with its
    # id and gives edges no id, which Cytoscape.js needs.
    nodes = [{"data": {"id": n, **d}} for n, d in g.nodes(data=True)]
    edges = [{"data": {"id": k, "source": u, "target": v, **d}} for u, v, k, d in g.edges(keys=True, data=True)]
    return _json(
        {
            "format_version": "1.0",
            "generated_by": "policygraph",
            "target_cytoscapejs_version": "~3",
            "data": dict(g.graph),
            "elements": {"nodes": nodes, "edges": edges},
        }
    )


def _d3(g: nx.MultiDiGraph, _: Store) -> bytes:
    return _json(nx.node_link_data(g, edges="links"))


_DOT_STYLE = {
    "document": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "agency": 'shape=ellipse, style=filled, fillcolor="#fde2c4"',
    "jurisdiction": 'shape=tab, style=filled, fillcolor="#d8f0d2"',
    "indicator": 'shape=octagon, style=filled, fillcolor="#f3d9f0"',
    "target": 'shape=note, style=filled, fillcolor="#fff6c2"',
    "task": 'shape=component, style=filled, fillcolor="#e6e6e6"',
}


def dot_id(text: str) -> str:
    r"""``text`` as a quoted DOT id: quotes and backslashes escaped, on one line.

    >>> print(dot_id('Kế hoạch "số 1"\n\\'))
    "Kế hoạch \"số 1\" \\"
    """
    text = re.sub(r"\s+", " ", text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_label(text: str) -> str:
    # Wrapped for the drawing; "\n" is DOT's centred line break inside a label.
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in textwrap.wrap(text, 32) or [""]]
    return '"' + "\\n".join(escaped) + '"'


def _dot_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _figure(value) if isinstance(value, float) else str(value)


def dot_names(g: nx.MultiDiGraph) -> dict[str, str]:
    """Each node's DOT id: its label, made unique with " (2)", " (3)"… where labels repeat.

    The label, not the IRI, is the id, so that an SVG's node titles name the nodes.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for n, d in g.nodes(data=True):
        name, i = d["label"], 1
        while name in used:
            i += 1
            name = f"{d['label']} ({i})"
        used.add(name)
        names[n] = name
    return names


def _dot(g: nx.MultiDiGraph, _: Store) -> bytes:
    names = dot_names(g)
    lines = [
        "digraph policygraph {",
        # Directives on top: links point from the plan that carries one out up to it.
        '  graph [rankdir=BT, charset="UTF-8", fontname="DejaVu Sans"];',
        '  node [fontname="DejaVu Sans", fontsize=10];',
        '  edge [fontname="DejaVu Sans", fontsize=8, color="#555555"];',
    ]
    for n, d in g.nodes(data=True):
        extra = ", ".join(f"{k}={dot_id(_dot_value(v))}" for k, v in d.items() if k != "label")
        style = _DOT_STYLE.get(d["kind"], "shape=box")
        lines.append(f"  {dot_id(names[n])} [label={_dot_label(d['label'])}, {style}, {extra}];")
    for u, v, k, d in g.edges(keys=True, data=True):
        attrs = ", ".join(f"{name}={dot_id(_dot_value(value))}" for name, value in d.items())
        lines.append(f"  {dot_id(names[u])} -> {dot_id(names[v])} [id={dot_id(k)}, {attrs}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _svg(g: nx.MultiDiGraph, store: Store) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise PolicyGraphError("the svg export needs Graphviz's dot program (Debian: apt-get install graphviz)")
    try:
        done = subprocess.run([dot, "-Tsvg"], input=_dot(g, store), capture_output=True, timeout=_DOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PolicyGraphError(f"Graphviz took over {_DOT_TIMEOUT} s to draw the graph: export dot instead") from None
    if done.returncode != 0:
        raise PolicyGraphError("Graphviz could not draw the graph: " + done.stderr.decode("utf-8", "replace").strip())
    return done.stdout


def _view_dataset(g: nx.MultiDiGraph, store: Store) -> Dataset:
    """The store's statements about the view's nodes, in their named graphs; all of them for
    the view 'all'."""
    dataset = store.to_rdflib_dataset()
    if g.graph.get("view") == "all":
        return dataset
    nodes = {URIRef(n) for n in g.nodes}
    view = Dataset()
    for s, p, o, graph_name in dataset.quads((None, None, None, None)):
        if s in nodes:
            view.add((s, p, o, graph_name))
    return view


def _bind(graph: Graph | Dataset) -> None:
    for prefix, ns in (("pg", PG), ("rdf", RDF), ("rdfs", RDFS), ("skos", SKOS), ("xsd", XSD)):
        graph.bind(prefix, ns, override=True)


def _nquads(g: nx.MultiDiGraph, store: Store) -> bytes:
    if g.graph.get("view") == "all":
        return store.dump("nquads")
    with warnings.catch_warnings():
        # rdflib's own serializer calls its deprecated Dataset.contexts.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _view_dataset(g, store).serialize(format="nquads", encoding="utf-8")


def _turtle(g: nx.MultiDiGraph, store: Store) -> bytes:
    # Turtle has no named graphs: the statements of all graphs merge into one.
    merged = Graph()
    _bind(merged)
    for s, p, o, _graph in _view_dataset(g, store).quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged.serialize(format="turtle", encoding="utf-8")


def _jsonld(g: nx.MultiDiGraph, store: Store) -> bytes:
    dataset = _view_dataset(g, store)
    context = {"pg": str(PG), "rdf": str(RDF), "rdfs": str(RDFS), "skos": str(SKOS), "xsd": str(XSD)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # as in _nquads
        return dataset.serialize(format="json-ld", context=context, encoding="utf-8")


for _exporter in (
    Exporter("graphml", "application/graphml+xml", "graphml", _graphml, "GraphML: yEd, Gephi, Cytoscape, igraph"),
    Exporter("gexf", "application/gexf+xml", "gexf", _gexf, "GEXF 1.2: Gephi, graphology"),
    Exporter("cytoscape", "application/json", "cyjs", _cytoscape, "Cytoscape.js JSON (elements), Cytoscape"),
    Exporter("dot", "text/vnd.graphviz", "dot", _dot, "Graphviz DOT"),
    Exporter("svg", "image/svg+xml", "svg", _svg, "SVG drawn by Graphviz dot"),
    Exporter("d3", "application/json", "json", _d3, "D3 node-link JSON (nodes, links)"),
    Exporter("turtle", "text/turtle", "ttl", _turtle, "RDF Turtle (graphs merged)"),
    Exporter("nquads", "application/n-quads", "nq", _nquads, "RDF N-Quads (with named graphs)"),
    Exporter("jsonld", "application/ld+json", "jsonld", _jsonld, "JSON-LD (with named graphs)"),
):
    register(_exporter)
