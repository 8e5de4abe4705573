"""Analyses across plans: which of the national plan's solution items each plan takes up.

Items are compared by text similarity: the share of a national item's word pairs (folded: no
diacritics, lower case) that a plan's item or task also has ("containment"). A national item is
taken up when some item or task of the plan reaches ``THRESHOLD``; a plan item that reaches it
for no national item is one the plan adds. The threshold was set on the seeds, where a plan's
restatement of a national item scores 0.3–1.0 and unrelated items stay under 0.15.
"""

from __future__ import annotations

import re
from typing import Any

from policygraph.graph import Store, document_id
from policygraph.loaders.fold import fold
from policygraph.queries import get, task_order

THRESHOLD = 0.25


def _pairs(text: str) -> set[tuple[str, str]]:
    words = re.findall(r"\w+", fold(text))
    return set(zip(words, words[1:], strict=False))


def containment(national: str, plan: str) -> float:
    """Share of ``national``'s word pairs that ``plan`` has too.

    >>> containment("tăng cường nguồn lực cho y tế dự phòng", "Tăng cường nguồn lực cho y tế dự phòng, sàng lọc")
    1.0
    """
    a = _pairs(national)
    return len(a & _pairs(plan)) / len(a) if a else 0.0


def _items(store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in store.select(get("solution_items").text):
        out.setdefault(r["document"], []).append({"label": r["label"], "text": r["text"]})
    for r in sorted(store.select(get("tasks").text), key=task_order):
        items = out.setdefault(r["document"], [])
        label = f"task {r.get('number')}" if r.get("number") is not None else "duty"
        if r.get("text") and not any(i["text"] == r["text"] for i in items):
            items.append({"label": label, "text": r["text"]})
    return out


def coverage(store: Store, base: str) -> list[dict[str, Any]]:
    """For each lower-level plan: the national items it takes up (with score and match), drops
    and adds."""
    items = _items(store)
    out = []
    for row in store.select(get("baselines").text):
        national = [i for i in items.get(row["baseline"], []) if not i["label"].startswith(("task", "duty"))]
        mine = items.get(row["document"], [])
        taken: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        for n in national:
            scored = [(containment(n["text"], m["text"]), m) for m in mine]
            score, match = max(scored, key=lambda sm: sm[0], default=(0.0, None))
            entry = {"item": n["label"], "score": round(score, 3), "match": match["label"] if match else None}
            (taken if score >= THRESHOLD else dropped).append(entry)
        added = [
            m["label"]
            for m in mine
            if not m["label"].startswith(("task", "duty"))
            and max((containment(m["text"], n["text"]) for n in national), default=0.0) < THRESHOLD
        ]
        out.append(
            {
                "document": document_id(row["document"], base),
                "source": row["source"],
                "level": row["levelKey"],
                "baseline": document_id(row["baseline"], base),
                "national_items": len(national),
                "taken_up": taken,
                "dropped": [d["item"] for d in dropped],
                "dropped_detail": dropped,
                "added": added,
                "threshold": THRESHOLD,
            }
        )
    return out
