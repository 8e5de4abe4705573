"""Entity resolution across documents, with reasons, into a derived graph.

A draft plan whose issuing act has its figure blank ("Kèm theo Quyết định số /QĐ-TTg ngày …
tháng 3 năm 2024") is linked to the numbered act that other documents cite as issuing such a
plan — the same kind of act by the same kind of issuer, dated no earlier than the draft, named in
a sentence that says it issues a plan ("ban hành Kế hoạch") carrying out what the draft carries
out. Only a single candidate is linked; the link is marked inferred, with the sentence as
evidence. The derived graph is rebuilt whole after each ingest, so it follows the documents.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.namespace import RDF

from policygraph.graph.store import Store
from policygraph.loaders.fold import fold
from policygraph.ontology import PG
from policygraph.queries import get

ISSUES_A_PLAN = re.compile(r"ban hanh (?:ke hoach|chuong trinh)")


FIELDS = (
    ("document", PG.document, None),
    ("baseline", PG.baseline, None),
    ("source", PG.source, XSD.string),
    ("jurisdictionName", PG.jurisdictionName, XSD.string),
    ("withinName", PG.withinName, XSD.string),
    ("levelKey", PG.levelKey, XSD.string),
    ("indicatorKey", PG.indicatorKey, XSD.string),
    ("year", PG.targetYear, XSD.integer),
    ("comparator", PG.comparator, XSD.string),
    ("value", PG.value, XSD.decimal),
    ("baselineComparator", PG.baselineComparator, XSD.string),
    ("baselineValue", PG.baselineValue, XSD.decimal),
    ("verdict", PG.verdict, XSD.string),
)


def derived_graph_iri(base: str) -> str:
    return f"{base.rstrip('/')}/graph/derived"


def _date_ok(draft: object, candidate: object) -> bool:
    """A candidate dated no earlier than the draft's stated part of its date, in the same year."""
    if not draft or not candidate:
        return True
    d, c = str(draft), str(candidate)
    return c[:4] == d[:4] and c[: len(d)] >= d


def infer_links(store: Store, base: str) -> Graph:
    """The derived graph: inferred links with their evidence."""
    g = Graph()
    for act in store.select(get("unresolved_acts").text):
        if "kind" not in act:
            continue
        # Three small DISTINCT questions joined here: one join over all of them multiplies the
        # facts the union graph repeats once per citing document, and grows past use.
        implemented = [
            str(r["number"])
            for r in store.select(get("implemented_numbers").text, bindings={"document": act["document"]})
        ]
        found = store.select(get("act_candidates").text, bindings={"class": act["class"], "kind": act["kind"]})
        candidates: dict[str, dict[str, object]] = {}
        for c in found:
            mentions = store.select(get("act_mentions").text, bindings={"candidate": c["candidate"]})
            for r in mentions:
                text = str(r["text"])
                at = text.find(str(c["number"]))
                # The act itself issues a plan ("281/QĐ-TTg … ban hành Kế hoạch …"), and the
                # sentence names what the draft carries out.
                if at < 0 or not ISSUES_A_PLAN.search(fold(text[at : at + 160])):
                    continue
                if not any(n in text for n in implemented):
                    continue
                if not _date_ok(act.get("date"), r.get("date")):
                    continue
                # The smallest citing sentence is the evidence: the store's row order follows the
                # order documents were written in, and the derived graph must not.
                seen = candidates.get(str(c["candidate"]))
                if seen is None or (str(r["citing"]), text) < (str(seen["citing"]), str(seen["text"])):
                    candidates[str(c["candidate"])] = r
        if len(candidates) != 1:
            continue
        ((candidate, row),) = candidates.items()
        doc = URIRef(str(act["document"]))
        g.add((doc, PG.attachedTo, URIRef(candidate)))
        inference = URIRef(f"{act['document']}#resolved-issuing-act")
        g.add((inference, RDF.type, PG.Inference))
        g.add((inference, PG.subject, doc))
        g.add((inference, PG.object, URIRef(candidate)))
        g.add((inference, PG.replaces, URIRef(str(act["act"]))))
        g.add((inference, PG.evidence, Literal(str(row["text"]))))
        g.add((inference, PG.evidenceSource, URIRef(str(row["citing"]))))
        g.add(
            (
                inference,
                PG.method,
                Literal(
                    "the only numbered act of the same kind and issuer, dated no earlier than the draft, that a "
                    "citing document says issues a plan carrying out what the draft carries out"
                ),
            )
        )
    return g


def strictness(comparator: str | None, value: float | None) -> tuple[int, float] | None:
    """Direction (+1 lower bound, -1 upper bound) and a score where higher is stricter:
    "> 98" beats "> 95", ">= 100" beats "> 95"; for upper bounds a lower figure is stricter; a
    strict comparator beats equality at the same figure."""
    if comparator is None or value is None:
        return None
    direction = 1 if comparator in (">", ">=") else -1
    return direction, direction * float(value) * 2 + (1 if comparator in (">", "<") else 0)


def verdict(plan: dict[str, Any], base: dict[str, Any] | None) -> str:
    """stricter, looser, same, no_baseline or incomparable (bounds in opposite directions)."""
    if base is None:
        return "no_baseline"
    a = strictness(plan.get("comparator"), plan.get("value"))
    b = strictness(base.get("comparator"), base.get("value"))
    if a is None and b is None:
        return "same"
    if a is None or b is None or a[0] != b[0]:
        return "incomparable"
    return "stricter" if a[1] > b[1] else "looser" if a[1] < b[1] else "same"


def compare_targets(store: Store, graph: Graph) -> None:
    """Each lower-level plan's targets against its national baseline — the ingested
    central-level plan that carries out the same root directive — as pg:Divergence rows.

    Made once per ingest rather than per question, and by walking hops here: one SPARQL join
    through lineage paths over the union graph (which repeats each hop once per citing
    document) grew to minutes at a few dozen plans.
    """
    from rdflib import XSD

    docs = {r["document"]: r for r in store.select(get("documents").text)}
    up: dict[str, set[str]] = {}
    for r in store.select(get("lineage_edges").text):
        up.setdefault(r["from"], set()).add(r["to"])
    roots = {r["document"] for r in store.select(get("directives").text)}
    targets: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}
    # Where a plan states one indicator for one year twice (or two files hold two versions of
    # it), the first stated is compared, whatever order the store returns rows in.
    rows = store.select(get("targets").text)
    rows.sort(key=lambda r: (int(str(r.get("spanStart", 0))), str(r["target"]), str(r.get("value", ""))))
    for r in rows:
        targets.setdefault(r["document"], {}).setdefault((r["indicatorKey"], int(r["year"])), r)
    national = [d for d, info in docs.items() if info.get("levelKey") == "central" and info.get("ingested")]
    # A plan's hops up are what it carries out itself ("issues" hops start at a decision).
    direct = {d: up.get(d, set()) for d in national}

    def reached(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in up.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for d, info in docs.items():
        if not info.get("ingested") or info.get("levelKey") in (None, "central") or d not in targets:
            continue
        my_roots = reached(d) & roots
        baselines = [b for b in national if b != d and direct[b] & my_roots]
        for (indicator, year), t in targets[d].items():
            matches = [(b, targets.get(b, {}).get((indicator, year))) for b in baselines]
            matches = [(b, bt) for b, bt in matches if bt is not None] or [(None, None)]
            for b, bt in matches:
                row = {
                    "document": d,
                    "baseline": b,
                    "source": info.get("source"),
                    "jurisdictionName": info.get("jurisdictionName"),
                    "withinName": info.get("withinName"),
                    "levelKey": info.get("levelKey"),
                    "indicatorKey": indicator,
                    "year": year,
                    "comparator": t.get("comparator"),
                    "value": t.get("value"),
                    "baselineComparator": bt.get("comparator") if bt else None,
                    "baselineValue": bt.get("value") if bt else None,
                    "verdict": verdict(t, bt),
                }
                key = "|".join(str(row[k] or "") for k in ("indicatorKey", "year", "baseline"))
                node = URIRef(f"{d}#divergence-{hashlib.sha256(key.encode()).hexdigest()[:12]}")
                graph.add((node, RDF.type, PG.Divergence))
                for name, prop, datatype in FIELDS:
                    value = row[name]
                    if value is None:
                        continue
                    if datatype is None:
                        graph.add((node, prop, URIRef(str(value))))
                    elif datatype == XSD.decimal:
                        graph.add((node, prop, Literal(f"{float(value):g}", datatype=datatype)))
                    else:
                        graph.add((node, prop, Literal(value, datatype=datatype)))


def resolve(store: Store, base: str) -> int:
    """Rebuild the derived graph (inferred links, then the target comparisons that may follow
    them); returns the number of inferred links."""
    derived = derived_graph_iri(base)
    g = infer_links(store, base)
    store.replace_document(derived, g)
    compare_targets(store, g)
    store.replace_document(derived, g)
    return len(set(g.subjects(RDF.type, PG.Inference)))
