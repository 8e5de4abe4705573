"""The OWL ontology and the vocabularies, as data, with a typed view for code.

Code reads vocabulary from here and never hard-codes it:

>>> v = vocabulary()
>>> v.indicator("bhyt_coverage").label_en
'Health-insurance coverage'
>>> v.jurisdiction_by_key["vn-nghe-an"].name
'Nghệ An'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

PG = Namespace("https://w3id.org/policygraph/ontology#")
ONTOLOGY_IRI = "https://w3id.org/policygraph/ontology"
FILES = ("policygraph.ttl", "indicators.ttl", "agency-kinds.ttl", "agencies.ttl", "jurisdictions.ttl")
LEVELS = ("central", "province", "district", "commune")


def path(name: str) -> Path:
    """Path of one of the ontology's Turtle files."""
    return Path(str(resources.files(__name__).joinpath(name)))


@dataclass(frozen=True)
class Term:
    key: str
    iri: str
    label_vi: str
    label_en: str
    phrases: tuple[str, ...] = ()  # prefLabel@vi and altLabels@vi: how text names the term
    patterns: tuple[str, ...] = ()  # hiddenLabels: patterns with "…" gaps


@dataclass(frozen=True)
class Indicator(Term):
    figureless: bool = False


@dataclass(frozen=True)
class DocumentType(Term):
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgencyKind(Term):
    level: str = ""
    body: str = ""
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgencyType(Term):
    level: str = ""
    group: bool = False


@dataclass(frozen=True)
class Jurisdiction(Term):
    level: str = ""
    within: str | None = None  # key of the enclosing jurisdiction
    central_city: bool = False

    @property
    def name(self) -> str:
        return self.label_vi


@dataclass
class Vocabulary:
    indicators: list[Indicator] = field(default_factory=list)
    document_types: list[DocumentType] = field(default_factory=list)
    agency_kinds: list[AgencyKind] = field(default_factory=list)
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    agencies: list[AgencyType] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.agency_by_key = {t.key: t for t in self.agencies}
        self.indicator_by_key = {t.key: t for t in self.indicators}
        self.document_type_by_key = {t.key: t for t in self.document_types}
        self.agency_kind_by_key = {t.key: t for t in self.agency_kinds}
        self.jurisdiction_by_key = {t.key: t for t in self.jurisdictions}

    def indicator(self, key: str) -> Indicator:
        return self.indicator_by_key[key]

    def agency_kind_for(self, body: str, level: str, central_city: bool = False) -> AgencyKind | None:
        """The kind of ``body`` at ``level``; a province-level city has its own ``city_`` kinds."""
        found = [k for k in self.agency_kinds if k.body == body and k.level == level]
        if level == "province":
            prefix = "city_" if central_city else "provincial_"
            preferred = [k for k in found if k.key.startswith(prefix)]
            found = preferred or found
        return found[0] if found else None


def ontology_graph() -> Graph:
    """The ontology and all vocabularies in one rdflib graph."""
    g = Graph()
    for name in FILES:
        g.parse(path(name), format="turtle")
    return g


def _text(g: Graph, s: URIRef, p: URIRef, lang: str | None) -> list[str]:
    return sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and (lang is None or o.language == lang))


def _subjects(g: Graph, p: URIRef, o: URIRef | None) -> list[URIRef]:
    return sorted(s for s in g.subjects(p, o) if isinstance(s, URIRef))


def _first(values: list[str], default: str = "") -> str:
    return values[0] if values else default


def _term_fields(g: Graph, s: URIRef, label: URIRef = SKOS.prefLabel) -> dict[str, object]:
    vi = _text(g, s, label, "vi")
    return {
        "key": str(g.value(s, PG.key)),
        "iri": str(s),
        "label_vi": _first(vi),
        "label_en": _first(_text(g, s, label, "en")),
        "phrases": tuple(dict.fromkeys(vi + _text(g, s, SKOS.altLabel, "vi"))),
        "patterns": tuple(_text(g, s, SKOS.hiddenLabel, "vi")),
    }


def _level_key(g: Graph, s: URIRef) -> str:
    level = g.value(s, PG.level)
    return str(g.value(level, PG.key)) if level is not None else ""


@cache
def vocabulary() -> Vocabulary:
    """The vocabularies, read once from the Turtle files."""
    g = ontology_graph()
    indicators = [
        Indicator(**_term_fields(g, s), figureless=bool(g.value(s, PG.figureless)))  # type: ignore[arg-type]
        for s in _subjects(g, RDF.type, PG.Indicator)
    ]
    doc_types = [
        DocumentType(**_term_fields(g, s, RDFS.label), codes=tuple(_text(g, s, PG.numberCode, None)))  # type: ignore[arg-type]
        for s in _subjects(g, PG.key, None)
        if (s, RDFS.subClassOf, PG.Document) in g
    ]
    kinds = [
        AgencyKind(
            **_term_fields(g, s),  # type: ignore[arg-type]
            level=_level_key(g, s),
            body=str(g.value(s, PG.body)),
            codes=tuple(_text(g, s, PG.numberCode, None)),
        )
        for s in _subjects(g, RDF.type, PG.AgencyKind)
    ]
    jurisdictions = []
    for s in _subjects(g, RDF.type, PG.Jurisdiction):
        within = g.value(s, PG.within)
        jurisdictions.append(
            Jurisdiction(
                **_term_fields(g, s),  # type: ignore[arg-type]
                level=_level_key(g, s),
                within=str(g.value(within, PG.key)) if within is not None else None,
                central_city=bool(g.value(s, PG.centralCity)),
            )
        )
    agencies = [
        AgencyType(**_term_fields(g, s), level=_level_key(g, s), group=bool(g.value(s, PG.group)))  # type: ignore[arg-type]
        for s in _subjects(g, RDF.type, PG.AgencyType)
    ]
    return Vocabulary(indicators, doc_types, kinds, jurisdictions, agencies)
