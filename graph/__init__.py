"""The RDF graph: stable IRIs, a Record as triples, and the pyoxigraph store."""

from __future__ import annotations

from collections.abc import Iterable

from policygraph.graph.iris import (
    agency_iri,
    document_id,
    document_iri,
    document_iri_from_id,
    graph_iri,
    jurisdiction_iri,
    slug,
)
from policygraph.graph.rdf import record_document_iri, record_graph, record_graph_iri
from policygraph.graph.store import Store
from policygraph.loaders.record import Record

__all__ = [
    "Store",
    "agency_iri",
    "document_id",
    "document_iri",
    "document_iri_from_id",
    "graph_iri",
    "ingest_records",
    "jurisdiction_iri",
    "record_document_iri",
    "record_graph",
    "record_graph_iri",
    "slug",
]


def ingest_records(store: Store, records: Iterable[Record], base: str) -> list[str]:
    """Write each record's graph into the store (replacing it), then rebuild what is inferred
    across documents; return the graph IRIs."""
    from policygraph.graph.resolve import resolve

    written: list[str] = []
    for record in records:
        iri = record_graph_iri(record, base)
        store.replace_document(iri, record_graph(record, base))
        written.append(iri)
    resolve(store, base)
    return written
