"""The answers the REST API gives, as plain functions over a Store (the API only shapes HTTP).

Each runs a named question from ``policygraph.queries`` with bound parameters.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from typing import Any

from policygraph.api.search import SearchIndex
from policygraph.errors import NotFoundError
from policygraph.graph import Store, document_id, document_iri_from_id
from policygraph.graph.resolve import verdict
from policygraph.queries import get, task_order


def _run(store: Store, name: str, **raw: Any) -> list[dict[str, Any]]:
    query = get(name)
    bindings = query.bindings({k: str(v) for k, v in raw.items() if v is not None})
    return store.select(query.text, bindings=bindings)


def _target_order(row: dict[str, Any]) -> tuple[str, str, int, str]:
    return (row["document"], row["indicatorKey"], int(row["year"]), row["target"])


def all_targets(store: Store) -> list[dict[str, Any]]:
    """Every target on a known indicator, by document, indicator and year; read once per state
    of the store. Do not change what it returns."""
    return store.memo("targets", lambda: sorted(_run(store, "targets"), key=_target_order))


def _doc_summary(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "id": document_id(row["document"], base),
        "iri": row["document"],
        "source": row.get("source"),
        "ingested": bool(row.get("ingested")),
        "type": row.get("typeKey"),
        "number": row.get("number"),
        "date": row.get("date"),
        "level": row.get("levelKey"),
        "jurisdiction": row.get("jurisdictionName"),
        "within": row.get("withinName"),
        "issuer_kind": row.get("issuerKind"),
        "title": row.get("title"),
    }


def _span(row: dict[str, Any]) -> list[int] | None:
    return [row["spanStart"], row["spanEnd"]] if "spanStart" in row else None


def documents(store: Store, base: str) -> list[dict[str, Any]]:
    """All documents, read and only cited, in a stable order (by IRI); read once per state of
    the store (lineage and every listing start from it). Do not change what it returns."""
    return store.memo(
        f"documents {base}",
        lambda: [_doc_summary(row, base) for row in sorted(_run(store, "documents"), key=lambda r: r["document"])],
    )


def document(store: Store, base: str, doc_id: str) -> dict[str, Any]:
    """One document with its targets and references; NotFoundError when unknown."""
    iri = document_iri_from_id(doc_id, base)
    rows = _run(store, "documents", document=iri)
    if not rows or rows[0].get("typeKey") is None and rows[0].get("number") is None:
        raise NotFoundError(f"no document with id {doc_id!r}")
    out = _doc_summary(rows[0], base)
    out["targets"] = [
        {
            "indicator": r.get("indicatorKey"),
            "label": r.get("label"),
            "comparator": r.get("comparator"),
            "value": r.get("value"),
            "unit": r.get("unit"),
            "year": r.get("year"),
            "text": r.get("text"),
            "span": _span(r),
        }
        for r in sorted(_run(store, "targets", document=iri), key=_target_order)
    ]
    out["tasks"] = _document_tasks(store, base, iri)
    out["responsibilities"] = [
        {"agency": r.get("label"), "duties": r["duties"].split("\n") if r.get("duties") else [], "span": _span(r)}
        for r in _run(store, "responsibilities", document=iri)
    ]
    out["solution_items"] = [
        {"label": r["label"], "text": r["text"], "span": _span(r)} for r in _run(store, "solution_items", document=iri)
    ]
    out["cited_by"] = [
        {"id": document_id(r["citing"], base), "relation": r.get("relation"), "text": r.get("text")}
        for r in _run(store, "citing", document=iri)
    ]
    out["issued_with"] = [
        {
            "id": document_id(r["act"], base) if r.get("number") else None,
            "number": r.get("number"),
            "date": r.get("date"),
            "inferred": "evidence" in r,
            "evidence": r.get("evidence"),
            "method": r.get("method"),
        }
        for r in _run(store, "issuing_acts", document=iri)
    ]
    out["references"] = [
        {
            "id": document_id(r["referenced"], base),
            "type": r.get("typeKey"),
            "number": r.get("number"),
            "date": r.get("date"),
            "relation": r.get("relation"),
            "text": r.get("text"),
            "span": _span(r),
        }
        for r in _run(store, "references", document=iri)
    ]
    return out


def source_text(store: Store, base: str, doc_id: str) -> dict[str, Any]:
    """The text a document was read from (its spans point into it), with page offsets."""
    rows = _run(store, "source_text", document=document_iri_from_id(doc_id, base))
    if not rows:
        raise NotFoundError(f"no source text for document {doc_id!r} (it is only cited, or unknown)")
    pages = rows[0].get("pageStarts")
    return {
        "id": doc_id,
        "source": rows[0]["source"],
        "text": rows[0]["text"],
        "page_starts": [int(p) for p in str(pages).split()] if pages else None,
    }


def _document_tasks(store: Store, base: str, iri: str) -> list[dict[str, Any]]:
    from policygraph.api.tasks import all_tasks

    return all_tasks(store, base, iri)


def _summaries(store: Store, base: str) -> dict[str, dict[str, Any]]:
    return store.memo(f"summaries {base}", lambda: {d["iri"]: d for d in documents(store, base)})


Hop = tuple[str, str, str | None]  # (the document reached, relation, sentence stating it)


def _hops(store: Store, direction: str) -> dict[str, list[Hop]]:
    """Every lineage hop, up (what a document carries out, the plan a decision issues) or down
    (the reverse), by the document it leaves from; read once per state of the store."""

    def build() -> dict[str, dict[str, list[Hop]]]:
        up: dict[str, set[Hop]] = {}
        down: dict[str, set[Hop]] = {}
        for h in _run(store, "lineage_edges"):
            up.setdefault(h["from"], set()).add((h["to"], h["relation"], h.get("text")))
            down.setdefault(h["to"], set()).add((h["from"], h["relation"], h.get("text")))

        def order(hops: dict[str, set[Hop]]) -> dict[str, list[Hop]]:
            return {k: sorted(v, key=lambda e: (e[0], e[1], e[2] or "")) for k, v in hops.items()}

        return {"up": order(up), "down": order(down)}

    return store.memo("lineage hops", build)[direction]


def _walk(store: Store, iri: str, direction: str) -> list[tuple[str, Hop, int]]:
    """Hops reachable from ``iri`` breadth first, each document once: (from, hop, depth)."""
    hops = _hops(store, direction)
    found: list[tuple[str, Hop, int]] = []
    seen = {iri}
    queue = deque([(iri, 0)])
    while queue:
        node, depth = queue.popleft()
        for hop in hops.get(node, []):
            if hop[0] in seen:
                continue
            seen.add(hop[0])
            found.append((node, hop, depth + 1))
            queue.append((hop[0], depth + 1))
    return found


def lineage(store: Store, base: str, doc_id: str, direction: str) -> dict[str, Any]:
    """Ancestors (``up``) or descendants (``down``) through any number of hops, with depth.

    Depth is the length of the shortest path; each document is listed once, with the relation
    of the hop that first reached it. (The named questions lineage_up and lineage_down give the
    same hops; the hops of the whole store are kept instead, so each answer is a walk in memory.)
    """
    summaries = _summaries(store, base)
    iri = document_iri_from_id(doc_id, base)
    if iri not in summaries:
        raise NotFoundError(f"no document with id {doc_id!r}")
    found: list[dict[str, Any]] = []
    for node, (target, relation, text), depth in _walk(store, iri, direction):
        s = summaries.get(target, {})
        found.append(
            {
                "id": document_id(target, base),
                "type": s.get("type"),
                "number": s.get("number"),
                "date": s.get("date"),
                "source": s.get("source"),
                "relation": relation,
                "depth": depth,
                "from": document_id(node, base),
                "text": text,
            }
        )
    key = "ancestors" if direction == "up" else "descendants"
    return {"document": summaries[iri] | {"iri": iri}, key: found}


def divergences(store: Store, base: str, *, year: int | None, indicator: str | None) -> list[dict[str, Any]]:
    """Targets of non-central plans against their national baseline, with a verdict and the
    difference in percentage points. Do not change the rows it returns.

    The comparison is made at ingest (the derived graph); all of it is read once per state of
    the store and kept by indicator and year, so a question is a lookup."""
    table = store.memo(f"divergences {base}", lambda: _divergence_table(store, base))
    if indicator is not None and year is not None:
        return list(table.get((indicator, year), []))
    return [
        row
        for (ind, yr), rows in table.items()
        if (indicator is None or ind == indicator) and (year is None or yr == year)
        for row in rows
    ]


def divergences_json(store: Store, base: str, *, year: int | None, indicator: str | None) -> bytes:
    """``divergences(...)`` as JSON, encoded once per state of the store and question: at
    10,000 plans one indicator and year is 10,000 rows, and encoding them is most of a request."""
    return store.memo(
        f"divergences json {base} {indicator} {year}",
        lambda: json.dumps(
            divergences(store, base, year=year, indicator=indicator),
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        ).encode("utf-8"),
    )


def _divergence_table(store: Store, base: str) -> dict[tuple[str, int], list[dict[str, Any]]]:
    # Dicts keep insertion order: the query's order (indicator, year, place, document) survives.
    table: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in _run(store, "divergences"):
        baseline = None
        if "baseline" in r:
            baseline = {
                "document": document_id(r["baseline"], base),
                "comparator": r.get("baselineComparator"),
                "value": r.get("baselineValue"),
            }
        table.setdefault((r["indicatorKey"], r["year"]), []).append(
            {
                "document": document_id(r["document"], base),
                "source": r.get("source"),
                "jurisdiction": r.get("jurisdictionName"),
                "within": r.get("withinName"),
                "level": r.get("levelKey"),
                "indicator": r.get("indicatorKey"),
                "year": r.get("year"),
                "comparator": r.get("comparator"),
                "value": r.get("value"),
                "baseline": baseline,
                "verdict": r.get("verdict"),
                "difference": _points(r, {"value": r.get("baselineValue")} if baseline else None),
            }
        )
    return table


# ------------------------------------------------------------------------------- comparisons


def _points(plan: dict[str, Any], base: dict[str, Any] | None) -> float | None:
    if base is None or plan.get("value") is None or base.get("value") is None:
        return None
    return round(float(plan["value"]) - float(base["value"]), 2)


def _targets_by_document(store: Store) -> dict[str, dict[tuple[str, int], dict[str, Any]]]:
    out: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}
    for r in all_targets(store):
        out.setdefault(r["document"], {})[(r["indicatorKey"], int(r["year"]))] = r
    return out


def divergences_against_parent(
    store: Store, base: str, *, year: int | None, indicator: str | None
) -> list[dict[str, Any]]:
    """Targets of each plan against those of the ingested documents it carries out directly
    (or the plan its decision issues), with ``missing`` for a parent target the plan lacks."""
    targets = _targets_by_document(store)
    summaries = {d["iri"]: d for d in documents(store, base)}
    out = []
    for iri, own in targets.items():
        up = _hops(store, "up")
        # Every hop above the plan, not only the first to reach each document.
        above = {iri} | {hop[0] for _, hop, _ in _walk(store, iri, "up")}
        parents = {to for to, _, _ in up.get(iri, []) if to in targets}
        parents |= {to for d in above - {iri} for to, rel, _ in up.get(d, []) if rel == "issues" and to in targets}
        for parent in sorted(parents):
            theirs = targets[parent]
            keys = sorted(set(own) | set(theirs))
            for key in keys:
                if (year is not None and key[1] != year) or (indicator is not None and key[0] != indicator):
                    continue
                mine, ref = own.get(key), theirs.get(key)
                row = mine or {}
                out.append(
                    {
                        "document": document_id(iri, base),
                        "jurisdiction": summaries.get(iri, {}).get("jurisdiction"),
                        "level": summaries.get(iri, {}).get("level"),
                        "indicator": key[0],
                        "year": key[1],
                        "comparator": row.get("comparator"),
                        "value": row.get("value"),
                        "baseline": {
                            "document": document_id(parent, base),
                            "comparator": ref.get("comparator"),
                            "value": ref.get("value"),
                        }
                        if ref
                        else None,
                        "verdict": "missing" if mine is None else verdict(row, ref),
                        "difference": _points(row, ref) if mine else None,
                    }
                )
    return out


def missing_national(
    store: Store, base: str, rows: list[dict[str, Any]], *, year: int | None, indicator: str | None
) -> list[dict[str, Any]]:
    """National baseline targets a plan sets nothing for (verdict ``missing``)."""
    targets = _targets_by_document(store)
    summaries = {d["iri"]: d for d in documents(store, base)}
    out = []
    for pair in _run(store, "baselines"):
        have = {(r["indicator"], r["year"]) for r in rows if r["document"] == document_id(pair["document"], base)}
        for key, t in sorted(targets.get(pair["baseline"], {}).items()):
            if key in have or (year is not None and key[1] != year) or (indicator is not None and key[0] != indicator):
                continue
            s = summaries.get(pair["document"], {})
            out.append(
                {
                    "document": document_id(pair["document"], base),
                    "source": s.get("source"),
                    "jurisdiction": s.get("jurisdiction"),
                    "within": s.get("within"),
                    "level": s.get("level"),
                    "indicator": key[0],
                    "year": key[1],
                    "comparator": None,
                    "value": None,
                    "baseline": {
                        "document": document_id(pair["baseline"], base),
                        "comparator": t.get("comparator"),
                        "value": t.get("value"),
                    },
                    "verdict": "missing",
                    "difference": None,
                }
            )
    return out


# ------------------------------------------------------------------------------- search


def search(store: Store, base: str, q: str, limit: int) -> list[dict[str, Any]]:
    """Documents, targets and tasks whose text holds ``q``, insensitive to diacritics and to
    tone-mark placement (matched on a folded key, shown as written)."""
    return store.memo(f"search {base}", lambda: SearchIndex.build(_searchable(store, base))).search(q, limit)


def _searchable(store: Store, base: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """What search looks in, in answer order: (text matched, hit shown)."""
    for d in documents(store, base):
        text = " ".join(str(x) for x in (d.get("title"), d.get("number"), d.get("jurisdiction")) if x)
        yield text, {"kind": "document", "document": d["id"], "text": d.get("title") or d.get("number")}
    for r in all_targets(store):
        yield (
            f"{r.get('label', '')} {r.get('text', '')}",
            {
                "kind": "target",
                "document": document_id(r["document"], base),
                "text": r.get("label"),
                "indicator": r.get("indicatorKey"),
                "year": r.get("year"),
                "span": [r["spanStart"], r["spanEnd"]] if "spanStart" in r else None,
            },
        )
    seen = set()
    for r in sorted(_run(store, "tasks"), key=task_order):
        if r["task"] in seen or not r.get("text"):
            continue
        seen.add(r["task"])
        yield (
            str(r["text"]),
            {
                "kind": "task",
                "document": document_id(r["document"], base),
                "text": r["text"],
                "number": r.get("number"),
                "span": [r["spanStart"], r["spanEnd"]] if "spanStart" in r else None,
            },
        )
