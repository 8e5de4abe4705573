"""The RDF store: one named graph per source document, in pyoxigraph.

This is the only module that imports pyoxigraph; the rest of policygraph sees rdflib terms,
Python values and bytes.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TypeAlias, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from policygraph.errors import QueryError, StoreError
from policygraph.ontology import ONTOLOGY_IRI, PG, ontology_graph

Binding: TypeAlias = str | int | float | bool | Decimal | Node
QueryResult: TypeAlias = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
_T = TypeVar("_T")
OxTerm: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal

# Queries may leave out these PREFIX lines; a PREFIX in the query still wins.
PREFIXES = {
    "pg": str(PG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "skos": str(SKOS),
}

_XSD = str(XSD)
_INTEGER_TYPES = {
    _XSD + name
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
_FLOAT_TYPES = {_XSD + "decimal", _XSD + "double", _XSD + "float"}
_BOOLEAN = _XSD + "boolean"
# Aliases for dump(); media types and file extensions are understood as well.
_RDF_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def to_oxigraph(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store the term {term!r}")


def _binding_term(value: Binding) -> OxTerm:
    # rdflib terms are str subclasses, so they are tested first.
    if isinstance(value, Node):
        return to_oxigraph(value)
    if isinstance(value, bool):
        return ox.Literal(value)
    if isinstance(value, Decimal):
        return ox.Literal(format(value, "f"), datatype=ox.NamedNode(_XSD + "decimal"))
    if isinstance(value, int | float):
        return ox.Literal(value)
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            return ox.NamedNode(value)
        return ox.Literal(value)
    raise TypeError(f"cannot bind {value!r}")


def python_value(term: object) -> object:
    """A result term as a Python value: IRIs as str, numbers and booleans as such."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _FLOAT_TYPES:
                number = float(term.value)
                return number if math.isfinite(number) else term.value
            if datatype == _BOOLEAN:
                return term.value in ("true", "1")
        except ValueError:
            pass  # an ill-typed literal stays text
        return term.value
    return str(term)


class Store:
    """The dataset: document graphs plus the vocabulary graph.

    >>> with Store.open(None) as store:
    ...     store.load_vocabulary()
    ...     store.select("SELECT ?l WHERE { pg:central rdfs:label ?l FILTER(lang(?l) = 'en') }")
    [{'l': 'central'}]
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._inner: ox.Store | None = None
        # Bumped around every write: what memo() holds was computed from one state of the store.
        self._generation = 0
        self._memo: dict[str, tuple[int, object]] = {}
        self._memo_lock = threading.Lock()
        self._memo_key_locks: dict[str, threading.Lock] = {}
        if self.path is None:
            self._inner = ox.Store()
            return
        try:
            # pyoxigraph makes the store's directory but not its parents.
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._inner = ox.Store(str(self.path))
        except OSError as exc:  # locked by another process, a file, no permission
            raise StoreError(f"cannot open the store: {exc}", source=str(self.path)) from exc

    @classmethod
    def open(cls, path: Path | str | None = None) -> Store:
        """Open (or create) the store at ``path``; None keeps it in memory."""
        return cls(Path(path) if path is not None else None)

    @property
    def _db(self) -> ox.Store:
        if self._inner is None:
            raise StoreError("the store is closed", source=str(self.path) if self.path else None)
        return self._inner

    def close(self) -> None:
        """Flush and release the store, so that another process can open it."""
        if self._inner is not None:
            if self.path is not None:
                self._inner.flush()
            # Dropping the last reference is what releases RocksDB's lock.
            self._inner = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._db)

    # ------------------------------------------------------------ writing

    def replace_document(self, graph_iri: str, graph: Graph | Iterable[tuple[Node, Node, Node]]) -> None:
        """Replace the named graph ``graph_iri`` by ``graph`` (or any triples), whole and atomically.

        One SPARQL update (DROP + INSERT DATA) is one pyoxigraph transaction, committed to
        RocksDB as one write batch through its write-ahead log: a reader sees the old graph or
        the new one, never a mix, and a process killed at any moment (SIGKILL) leaves one or
        the other on disk (tests/test_ingest_kill.py). Terms are written by pyoxigraph itself.
        """
        name = ox.NamedNode(graph_iri)
        triples = " .\n".join(f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)}" for s, p, o in graph)
        update = f"DROP SILENT GRAPH {name}"
        if triples:
            update += f" ;\nINSERT DATA {{ GRAPH {name} {{\n{triples} .\n}} }}"
        self._update(update)

    def remove_document(self, graph_iri: str) -> None:
        """Remove a named graph; nothing happens when there is none."""
        self._update(f"DROP SILENT GRAPH {ox.NamedNode(graph_iri)}")

    def load_vocabulary(self) -> None:
        """Put the ontology and vocabularies into their own named graph, replacing it."""
        self.replace_document(ONTOLOGY_IRI, ontology_graph())

    def values_by_graph(self, predicate: str) -> dict[str, list[str]]:
        """The values of ``predicate`` in each named graph: graph IRI → values (IRIs or
        literal text), read straight from the quad index, without a query."""
        out: dict[str, list[str]] = {}
        try:
            for quad in self._db.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                if isinstance(quad.graph_name, ox.NamedNode) and isinstance(quad.object, ox.NamedNode | ox.Literal):
                    out.setdefault(quad.graph_name.value, []).append(quad.object.value)
        except OSError as exc:
            raise StoreError(f"cannot read the store: {exc}", source=self._source) from exc
        return out

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update (callers decide who may)."""
        self._update(sparql)

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, computed once for the store as it is: any write drops it.

        For answers the API reads whole on most requests (the document list, the search index);
        the caller must not change what it gets. An on-disk store is locked by the process that
        opened it, so no other process writes behind this one's back.

        >>> with Store.open(None) as store:
        ...     first = store.memo("graphs", store.graphs)
        ...     store.load_vocabulary()
        ...     first, store.memo("graphs", store.graphs) == [ONTOLOGY_IRI]
        ([], True)
        """
        generation = self._generation
        with self._memo_lock:
            held = self._memo.get(key)
            key_lock = self._memo_key_locks.setdefault(key, threading.Lock())
        if held is not None and held[0] == generation:
            return held[1]  # type: ignore[return-value]
        # One computation per key at a time: at 10,000 plans one takes minutes, and requests
        # arriving meanwhile wait for it rather than each starting their own.
        with key_lock:
            with self._memo_lock:
                held = self._memo.get(key)
            if held is not None and held[0] == self._generation:
                return held[1]  # type: ignore[return-value]
            generation = self._generation
            value = compute()
            with self._memo_lock:
                if self._generation == generation:  # else a write came meanwhile: do not keep it
                    self._memo[key] = (generation, value)
        return value

    def _update(self, sparql: str) -> None:
        self._generation += 1
        try:
            self._db.update(sparql, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from exc
        except RuntimeError as exc:  # e.g. DROP GRAPH of a graph that does not exist
            raise QueryError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"cannot write the store: {exc}", source=self._source) from exc
        finally:
            self._generation += 1

    @property
    def _source(self) -> str | None:
        return str(self.path) if self.path is not None else None

    # ------------------------------------------------------------ reading

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._db.named_graphs() if isinstance(g, ox.NamedNode))

    def query(
        self,
        sparql: str,
        *,
        bindings: dict[str, Binding] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; the default graph is the union of all graphs.

        ``bindings`` map variable names to values: a str starting with http:// or https://
        becomes an IRI, other values typed literals, rdflib terms stay what they are.
        pyoxigraph substitutes only variables the SELECT projects (or ``SELECT *``); binding
        another variable raises QueryError. ``default_graph`` (IRIs) replaces the union;
        ``named_graphs`` limits what GRAPH can see. The common prefixes (pg, rdf, rdfs, xsd,
        skos) need no PREFIX line. Results are lazy: iterate or serialize them once.
        """
        try:
            substitutions: dict[ox.Variable, OxTerm | ox.Triple] = {
                ox.Variable(name.lstrip("?$")): _binding_term(value) for name, value in (bindings or {}).items()
            }
            graphs: dict[str, object] = {}
            if default_graph is not None:
                graphs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
            else:
                graphs["use_default_graph_as_union"] = True
            if named_graphs is not None:
                graphs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        except (TypeError, ValueError) as exc:
            raise QueryError(f"bad query parameter: {exc}") from exc
        try:
            return self._db.query(
                sparql,
                prefixes=PREFIXES,
                substitutions=substitutions or None,
                **graphs,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            raise QueryError(str(exc)) from exc
        except (RuntimeError, ValueError) as exc:  # e.g. a bound variable not projected
            raise QueryError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"cannot read the store: {exc}", source=self._source) from exc

    def select(
        self,
        sparql: str,
        *,
        bindings: dict[str, Binding] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> list[dict[str, object]]:
        """Rows of a SELECT query as Python values; an unbound variable has no key."""
        result = self.query(sparql, bindings=bindings, default_graph=default_graph, named_graphs=named_graphs)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        rows: list[dict[str, object]] = []
        try:
            for solution in result:
                row: dict[str, object] = {}
                for name in names:
                    term = solution[name]
                    if term is not None:
                        row[name] = python_value(term)
                rows.append(row)
        except (RuntimeError, OSError) as exc:  # evaluation runs while rows are read
            raise QueryError(str(exc)) from exc
        return rows

    @staticmethod
    def serialize_results(result: QueryResult, media_type: str) -> bytes:
        """Query results as bytes: SPARQL JSON/XML/CSV/TSV for SELECT and ASK, an RDF
        syntax (Turtle, N-Triples, RDF/XML, N-Quads…) for CONSTRUCT and DESCRIBE.

        ``media_type`` may carry parameters ("; charset=utf-8") or be a file extension.
        """
        name = media_type.split(";", 1)[0].strip().lower()
        output: bytes | None
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            results_format = ox.QueryResultsFormat.from_media_type(name) or ox.QueryResultsFormat.from_extension(name)
            if results_format is None:
                raise QueryError(f"cannot write query results as {media_type}")
            output = result.serialize(format=results_format)
        else:
            rdf_format = _rdf_format(name)
            if rdf_format is None:
                raise QueryError(f"cannot write a graph as {media_type}")
            output = result.serialize(format=rdf_format)
        return output or b""

    def dump(self, format: str = "application/n-quads") -> bytes:
        """The whole dataset in a syntax with named graphs (N-Quads, TriG)."""
        rdf_format = _rdf_format(format.split(";", 1)[0].strip().lower())
        if rdf_format is None or not rdf_format.supports_datasets:
            raise QueryError(f"cannot dump the dataset as {format}: use N-Quads or TriG")
        try:
            output = self._db.dump(format=rdf_format)
        except OSError as exc:
            raise StoreError(f"cannot read the store: {exc}", source=self._source) from exc
        return output or b""

    def to_rdflib_dataset(self) -> Dataset:
        """The whole dataset as an rdflib Dataset (for tests and small exports)."""
        dataset = Dataset()
        with warnings.catch_warnings():
            # rdflib's own N-Quads parser calls its deprecated default_context.
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(data=self.dump("nquads"), format="nquads")
        return dataset


def _rdf_format(name: str) -> ox.RdfFormat | None:
    return _RDF_FORMATS.get(name) or ox.RdfFormat.from_media_type(name) or ox.RdfFormat.from_extension(name)
