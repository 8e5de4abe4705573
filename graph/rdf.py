"""A Record as RDF: the triples of its document's named graph.

Every node has an IRI (no blank nodes), so building the same record twice gives the same
triples, and a document another one cites is the same node as that document once ingested.
"""

from __future__ import annotations

import math
import re
from datetime import date as Date
from decimal import Decimal
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from policygraph.graph.iris import (
    agency_iri,
    document_iri,
    graph_iri,
    jurisdiction_iri,
    slug,
)
from policygraph.loaders.record import Agency, Jurisdiction, Record, Reference, Target
from policygraph.ontology import LEVELS, PG, ontology_graph, vocabulary

# XML 1.0 forbids most C0 controls, surrogates and U+FFFE/U+FFFF; RDF/XML and SPARQL XML
# results would fail on them. C1 controls are legal but are only ever mojibake in our texts.
TIME = Namespace("http://www.w3.org/2006/time#")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_YEAR_IN_NUMBER = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_RELATIONS = {"implements": PG.implements, "cites": PG.cites, "attached_to": PG.attachedTo}
_UNNAMED = "unnamed-"


def clean(text: str) -> str:
    """``text`` without XML-illegal characters; line ends become "\\n" (tabs and newlines stay).

    >>> clean("a\\x0bb\\r\\nc")
    'ab\\nc'
    """
    # "\r" is legal XML but parsers turn it into "\n", so a round trip would change it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)


def clean_keeping_offsets(text: str) -> str:
    """``text`` with each XML-illegal character (and "\r") replaced one for one, so source
    spans still point at the right characters."""
    return _ILLEGAL.sub("\ufffd", text.replace("\r", "\n"))


def _text(value: str | None, lang: str | None = None) -> Literal | None:
    return None if value is None else Literal(clean(value), lang=lang)


def _integer(value: int | None) -> Literal | None:
    return None if value is None else Literal(str(int(value)), datatype=XSD.integer)


def _decimal(value: float | None) -> Literal | None:
    """A decimal in canonical form ("95", "0.5"), as the store writes it back."""
    if value is None or not math.isfinite(value):
        return None
    # repr() gives the shortest form that reads back as the float: 0.1 stays "0.1".
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return Literal(text, datatype=XSD.decimal)


def date_literal(value: str | None) -> Literal | None:
    """A partial ISO date as xsd:date, xsd:gYearMonth or xsd:gYear; anything else as text."""
    if value is None:
        return None
    value = clean(value.strip())
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            Date.fromisoformat(value)
        except ValueError:
            return Literal(value)  # an impossible day: kept as printed, not as a bad xsd:date
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"[0-9]{4}-(?:0[1-9]|1[0-2])", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"[0-9]{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return Literal(value)


def document_year(date: str | None, number: str | None) -> int | None:
    """The year from a date's first 4 digits, else a year inside the number ("20/2023/NQ-HĐND")."""
    if date and re.match(r"[0-9]{4}", date):
        return int(date[:4])
    if number:
        found = _YEAR_IN_NUMBER.search(number)
        if found:
            return int(found.group(1))
    return None


# ---------------------------------------------------------------- jurisdictions


@cache
def country_key() -> str:
    """Key of the central-level jurisdiction (the country) in the vocabulary."""
    return next((j.key for j in vocabulary().jurisdictions if j.level == "central"), "vn")


@cache
def _level_labels() -> dict[str, str]:
    g = ontology_graph()
    labels: dict[str, str] = {}
    for level in LEVELS:
        for label in g.objects(PG[level], RDFS.label):
            if isinstance(label, Literal) and label.language == "vi":
                labels[level] = str(label)
    return labels


def _level_of(key: str) -> str | None:
    if "/" in key:
        # A local key's last segment is "unnamed-{level}" or "{level}-{name}".
        last = key.rsplit("/", 1)[-1]
        level = last[len(_UNNAMED) :] if last.startswith(_UNNAMED) else last.split("-", 1)[0]
        return level if level in LEVELS else None
    term = vocabulary().jurisdiction_by_key.get(key)
    return term.level if term else None


def _parent_of(key: str) -> str | None:
    if "/" in key:
        return key.rsplit("/", 1)[0]
    term = vocabulary().jurisdiction_by_key.get(key)
    return term.within if term else None


def key_at_level(key: str, level: str | None) -> str:
    """The jurisdiction at ``level`` that contains ``key`` (itself when it is not lower).

    A province plan's reference to a central directive names no place; the directive's
    jurisdiction is the country, found by walking up from the plan's province.
    """
    if level not in LEVELS:
        return key
    if level == "central":
        return country_key()
    current = key
    for _ in range(len(LEVELS) + 1):  # a bound, in case the vocabulary had a cycle
        current_level = _level_of(current)
        if current_level not in LEVELS or LEVELS.index(current_level) <= LEVELS.index(level):
            return current
        parent = _parent_of(current)
        if parent is None:
            return current
        current = parent
    return current


def _known_level(*levels: str | None) -> str | None:
    return next((lv for lv in levels if lv in LEVELS), None)


def _kind_level(kind: str | None) -> str | None:
    term = vocabulary().agency_kind_by_key.get(kind) if kind else None
    return term.level if term and term.level in LEVELS else None


def local_key(j: Jurisdiction, level: str | None) -> str:
    """Key of a jurisdiction the vocabulary does not list, under the one that contains it.

    A unit whose name the text gives (a district such as Mộ Đức: districts are not in the
    vocabulary yet) is ``{within}/{level}-{slug(name)}``, so two districts of one province
    stay apart; one the text does not name is ``{within}/unnamed-{level}``.
    """
    parent = j.within_key or country_key()
    if j.name and slug(j.name):
        return f"{parent}/{level or 'unit'}-{slug(j.name)}"
    return f"{parent}/{_UNNAMED}{level or 'unit'}"


def document_jurisdiction_key(record: Record) -> str:
    """Key of the document's jurisdiction: a vocabulary key or a local one (``local_key``)."""
    doc = record.document
    j = doc.jurisdiction
    if j.key:
        return j.key
    level = _known_level(j.level, doc.level, _kind_level(doc.issuer.kind))
    if level == "central":
        return country_key()
    return local_key(j, level)


def reference_jurisdiction_key(reference: Reference, citing_key: str) -> str:
    """Key of a cited document's jurisdiction.

    Unstated, it is the citing document's jurisdiction at the level of the issuer's kind.
    """
    j = reference.jurisdiction
    if j.key:
        return j.key
    level = _known_level(j.level)
    if level == "central":
        return country_key()
    if j.within_key or j.name:
        return local_key(j, level or _kind_level(reference.issuer.kind))
    return key_at_level(citing_key, level or _kind_level(reference.issuer.kind))


def _add_jurisdiction(g: Graph, key: str, stated: Jurisdiction | None = None) -> URIRef:
    """The jurisdiction node; a local one is described here, a vocabulary one is not.

    ``stated`` is the jurisdiction as the text gave it: the only source of a local unit's
    name with its diacritics.
    """
    node = URIRef(jurisdiction_iri(key))
    parent = _parent_of(key)
    if "/" not in key or parent is None:
        return node  # its facts live in the vocabulary graph
    if (node, RDF.type, PG.Jurisdiction) in g:
        return node  # described already, by the text that names it
    level = _level_of(key)
    g.add((node, RDF.type, PG.Jurisdiction))
    if level in LEVELS:
        g.add((node, PG.level, PG[level]))
    g.add((node, PG.within, _add_jurisdiction(g, parent)))
    label: str | None = None
    if not key.rsplit("/", 1)[-1].startswith(_UNNAMED):
        label = stated.name if stated is not None else None
    else:
        parent_term = vocabulary().jurisdiction_by_key.get(parent)
        within = stated.within if stated is not None else None
        parent_name = parent_term.name if parent_term else (within or parent)
        level_name = _level_labels().get(level or "", "đơn vị")
        label = f"{level_name} (không nêu tên), {parent_name}"
    _add(g, node, RDFS.label, _text(label, "vi"))
    return node


# ---------------------------------------------------------------- helpers


def _add(g: Graph, s: Node, p: URIRef, o: Node | None) -> None:
    """Add a triple unless its value is missing: a None never becomes the literal "None"."""
    if o is not None:
        g.add((s, p, o))


def _add_once(g: Graph, s: Node, p: URIRef, o: Node | None) -> None:
    """Add a value only when ``s`` has none yet: the first reference to a document wins."""
    if o is not None and g.value(s, p) is None:
        g.add((s, p, o))


def _class_of(doc_type: str | None) -> URIRef | None:
    term = vocabulary().document_type_by_key.get(doc_type) if doc_type else None
    return URIRef(term.iri) if term else None


def _fragment_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "x"


def _agency(
    g: Graph,
    base: str,
    agency: Agency,
    doc_key: str,
    jurisdiction: Jurisdiction,
    *,
    describe: bool,
) -> URIRef | None:
    """The agency node: the body of ``agency.kind`` in the jurisdiction at that kind's level."""
    kind = vocabulary().agency_kind_by_key.get(agency.kind) if agency.kind else None
    if agency.kind:
        ident = agency.kind
    elif agency.name and slug(agency.name):
        # No kind: the name is all there is to tell agencies apart.
        ident = "x-" + slug(agency.name)[:40].strip("-")
    else:
        return None
    key = key_at_level(doc_key, _kind_level(agency.kind))
    node = URIRef(agency_iri(base, key, ident))
    g.add((node, RDF.type, PG.Agency))
    if kind is not None:
        g.add((node, PG.agencyKind, URIRef(kind.iri)))
    stated = jurisdiction if key == doc_key else None
    g.add((node, PG.jurisdiction, _add_jurisdiction(g, key, stated)))
    if describe or kind is None:
        _add(g, node, PG.name, _text(agency.name, "vi"))
    return node


# ---------------------------------------------------------------- the record


def record_document_iri(record: Record, base: str) -> str:
    """IRI of the record's document."""
    doc = record.document
    return document_iri(
        base,
        jurisdiction=document_jurisdiction_key(record),
        doc_type=doc.type or "document",
        year=document_year(doc.date, doc.number),
        number=doc.number,
        content_hash=record.content_hash,
    )


def record_graph_iri(record: Record, base: str) -> str:
    """IRI of the named graph that holds the record's triples."""
    return graph_iri(base, record.source)


def reference_iri(reference: Reference, citing_key: str, base: str) -> str | None:
    """IRI of a cited document; None when the reference gives no number."""
    if reference.number is None or not slug(reference.number):
        return None
    return document_iri(
        base,
        jurisdiction=reference_jurisdiction_key(reference, citing_key),
        doc_type=reference.type or "document",
        year=document_year(reference.date, reference.number),
        number=reference.number,
        content_hash=None,
    )


def record_graph(record: Record, base: str) -> Graph:
    """The triples of the record's named graph."""
    g = Graph()
    g.bind("pg", PG)
    doc = record.document
    d = URIRef(record_document_iri(record, base))
    doc_key = document_jurisdiction_key(record)

    g.add((d, RDF.type, PG.Document))
    _add(g, d, RDF.type, _class_of(doc.type))
    _add(g, d, PG.number, _text(doc.number))
    _add(g, d, PG.numberForm, _text(doc.number_form))
    _add(g, d, PG.date, date_literal(doc.date))
    _add(g, d, PG.year, _integer(document_year(doc.date, doc.number)))
    _add(g, d, PG.title, _text(doc.title))
    level = _known_level(doc.level, doc.jurisdiction.level)
    _add(g, d, PG.level, PG[level] if level else None)
    g.add((d, PG.jurisdiction, _add_jurisdiction(g, doc_key, doc.jurisdiction)))
    _add(g, d, PG.issuedBy, _agency(g, base, doc.issuer, doc_key, doc.jurisdiction, describe=True))
    source_name = PurePosixPath(record.source.replace("\\", "/")).name
    _add(g, d, PG.sourceFile, _text(source_name))
    if record.text:
        g.add((d, PG.sourceText, Literal(clean_keeping_offsets(record.text))))
    if record.page_starts:
        g.add((d, PG.pageStarts, Literal(" ".join(str(p) for p in record.page_starts))))
    _add(g, d, PG.contentHash, _text(record.content_hash))
    _add(g, d, PG.loader, _text(record.loader))
    for warning in record.warnings:
        _add(g, d, PG.warning, _text(warning))

    signer = doc.signer
    if signer is not None and (signer.name or signer.title or signer.on_behalf_of):
        s = URIRef(f"{d}#signature")
        g.add((d, PG.signedBy, s))
        g.add((s, RDF.type, PG.Signature))
        _add(g, s, PG.signerTitle, _text(signer.title))
        _add(g, s, PG.onBehalfOf, _text(signer.on_behalf_of))
        if signer.name:
            p = URIRef(f"{d}#signer")
            g.add((s, PG.signer, p))
            g.add((p, RDF.type, PG.Person))
            g.add((p, PG.name, Literal(clean(signer.name))))

    for i, reference in enumerate(record.references, start=1):
        _add_reference(g, base, d, doc_key, i, reference)
    attached = record.attached_to
    if attached and not attached.get("number"):
        # The issuing act of a draft, its figure left blank: a node with what is stated (kind,
        # date, issuer) that resolution may later link to the numbered act others cite.
        act = URIRef(f"{d}#issuing-act")
        g.add((d, PG.attachedTo, act))
        g.add((act, RDF.type, PG.Document))
        _add(g, act, RDF.type, _class_of(attached.get("type")))
        _add(g, act, PG.date, date_literal(attached.get("date")))
        issuer = Agency(kind=attached.get("issuer_kind"))
        _add(g, act, PG.issuedBy, _agency(g, base, issuer, doc_key, Jurisdiction(), describe=False))
    if attached and attached.get("number"):
        # The decision that issues this plan ("Kèm theo Quyết định số …"): carrying out the
        # decision carries out the plan, so lineage walks this link too.
        issuing = Reference(
            type=attached.get("type"),
            number=attached["number"],
            date=attached.get("date"),
            issuer=Agency(kind=attached.get("issuer_kind")),
            relation="attached_to",
            span=(0, 0),
        )
        _add_reference(g, base, d, doc_key, 0, issuing)

    used: set[str] = set()
    for target in record.targets:
        _add_target(g, d, target, used)
    for i, task in enumerate(record.tasks, start=1):
        _add_task(g, base, d, doc_key, i, task)
    for i, block in enumerate(record.responsibilities, start=1):
        _add_responsibility(g, base, d, doc_key, i, block)
    for item in record.solution_items:
        # Percent-encoded, not slugged: "3d" and "3đ" are different items.
        node = URIRef(f"{d}#item-{quote(item['label'], safe='.')}")
        g.add((d, PG.solutionItem, node))
        g.add((node, RDF.type, PG.SolutionItem))
        g.add((node, PG.label, Literal(clean(item["label"]))))
        g.add((node, PG.text, Literal(clean(item["text"]))))
        _add_span(g, node, item.get("span"))
    return g


def _task_agency(g: Graph, base: str, doc_key: str, name: str) -> URIRef:
    """An agency a task names, placed in the plan's jurisdiction (at its own level if higher):
    the "Sở Y tế" of a provincial plan is that province's."""
    v = vocabulary()
    term = next((a for a in v.agencies if a.label_vi == name), None)
    key = key_at_level(doc_key, term.level if term else None)
    ident = term.key if term else "x-" + slug(name)[:40].strip("-")
    node = URIRef(agency_iri(base, key, ident))
    g.add((node, RDF.type, PG.Agency))
    g.add((node, PG.name, Literal(clean(name), lang="vi")))
    if term is not None:
        g.add((node, PG.agencyType, URIRef(term.iri)))
    g.add((node, PG.jurisdiction, _add_jurisdiction(g, key)))
    return node


def _add_span(g: Graph, node: URIRef, span: list[int] | tuple[int, int] | None) -> None:
    if span:
        g.add((node, PG.spanStart, Literal(str(span[0]), datatype=XSD.integer)))
        g.add((node, PG.spanEnd, Literal(str(span[1]), datatype=XSD.integer)))


def _add_task(g: Graph, base: str, d: URIRef, doc_key: str, i: int, task: dict[str, Any]) -> None:
    number = task.get("number")
    t = URIRef(f"{d}#task-{number}" if number is not None and task.get("source") == "table" else f"{d}#duty-{i}")
    g.add((d, PG.task, t))
    g.add((t, RDF.type, PG.Task))
    _add(g, t, PG.taskNumber, _integer(number))
    _add(g, t, PG.text, _text(task.get("text")))
    _add(g, t, PG.taskSource, _text(task.get("source")))
    for name in task.get("lead") or []:
        g.add((t, PG.lead, _task_agency(g, base, doc_key, name)))
    for name in task.get("support") or []:
        g.add((t, PG.support, _task_agency(g, base, doc_key, name)))
    deadline = task.get("deadline")
    if deadline:
        dl = URIRef(f"{t}-deadline")
        g.add((t, PG.deadline, dl))
        g.add((dl, RDF.type, PG.Deadline))
        _add(g, dl, PG.deadlineKind, _text(deadline.get("kind")))
        _add(g, dl, TIME.inXSDDate, date_literal(deadline.get("date")))
        _add(g, dl, PG.deadlineText, _text(deadline.get("text")))
        _add(g, dl, PG.condition, _text(deadline.get("condition")))
    _add_span(g, t, task.get("span"))


def _add_responsibility(g: Graph, base: str, d: URIRef, doc_key: str, i: int, block: dict[str, Any]) -> None:
    r = URIRef(f"{d}#responsibility-{i}")
    g.add((d, PG.responsibility, r))
    g.add((r, RDF.type, PG.Responsibility))
    _add(g, r, PG.label, _text(block.get("agency"), "vi"))
    for name in block.get("agencies") or []:
        g.add((r, PG.agency, _task_agency(g, base, doc_key, name)))
    for duty in block.get("duties") or []:
        g.add((r, PG.duty, Literal(clean(duty))))
    _add_span(g, r, block.get("span"))


def _add_reference(g: Graph, base: str, d: URIRef, doc_key: str, i: int, reference: Reference) -> None:
    iri = reference_iri(reference, doc_key, base)
    if iri is None or iri == str(d):
        return  # no number to name it by, or the document naming itself
    t = URIRef(iri)
    g.add((d, _RELATIONS.get(reference.relation, PG.cites), t))
    # Stub facts, so that a document only cited is still a typed, numbered, dated node.
    g.add((t, RDF.type, PG.Document))
    _add(g, t, RDF.type, _class_of(reference.type))
    _add_once(g, t, PG.number, _text(reference.number))
    _add_once(g, t, PG.date, date_literal(reference.date))
    _add_once(g, t, PG.year, _integer(document_year(reference.date, reference.number)))
    ref_key = reference_jurisdiction_key(reference, doc_key)
    _add_once(g, t, PG.jurisdiction, _add_jurisdiction(g, ref_key, reference.jurisdiction))
    if g.value(t, PG.issuedBy) is None:
        _add(
            g,
            t,
            PG.issuedBy,
            _agency(g, base, reference.issuer, ref_key, reference.jurisdiction, describe=False),
        )

    m = URIRef(f"{d}#ref-{i}")
    g.add((d, PG.mention, m))
    g.add((m, RDF.type, PG.Mention))
    g.add((m, PG.mentions, t))
    g.add((m, PG.relation, Literal(clean(reference.relation))))
    _add(g, m, PG.text, _text(reference.text) if reference.text else None)
    g.add((m, PG.spanStart, Literal(str(reference.span[0]), datatype=XSD.integer)))
    g.add((m, PG.spanEnd, Literal(str(reference.span[1]), datatype=XSD.integer)))


def _add_target(g: Graph, d: URIRef, target: Target, used: set[str]) -> None:
    if target.indicator:
        name = _fragment_key(target.indicator)
    else:
        name = "x-" + slug(target.label)[:40].strip("-")
    fragment = f"target-{name}-{target.year if target.year is not None else 'undated'}"
    # Two targets on one indicator and year (e.g. two population groups) stay two nodes.
    unique, n = fragment, 1
    while unique in used:
        n += 1
        unique = f"{fragment}-{n}"
    used.add(unique)
    x = URIRef(f"{d}#{unique}")
    g.add((d, PG.target, x))
    g.add((x, RDF.type, PG.Target))
    term = vocabulary().indicator_by_key.get(target.indicator) if target.indicator else None
    _add(g, x, PG.indicator, URIRef(term.iri) if term else None)
    _add(g, x, PG.label, _text(target.label, "vi"))
    _add(g, x, PG.comparator, _text(target.comparator))
    _add(g, x, PG.value, _decimal(target.value))
    _add(g, x, PG.unit, _text(target.unit))
    _add(g, x, PG.targetYear, _integer(target.year))
    _add(g, x, PG.text, _text(target.text) if target.text else None)
    g.add((x, PG.spanStart, Literal(str(target.span[0]), datatype=XSD.integer)))
    g.add((x, PG.spanEnd, Literal(str(target.span[1]), datatype=XSD.integer)))
