"""Score extraction against a gold file shaped like ``../shared/gold/seeds.json``.

Targets match on indicator, year, comparator and value (within 0.01); a precision error is an
extracted target whose indicator and year the gold has with another figure, or does not have.
References match on type, number (white space removed) and relation, and on date where the gold
gives one. Table tasks match on row number, lead agencies (all of ``lead``, or at least
``lead_includes``) and deadline kind and date. Users annotate their own documents in the same
shape and measure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygraph.errors import InputError
from policygraph.loaders import read_path


@dataclass
class Score:
    matched: int = 0
    gold: int = 0
    extracted: int = 0
    misses: list[str] = field(default_factory=list)  # gold facts not found
    wrong: list[str] = field(default_factory=list)  # extracted facts the gold does not hold

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.matched += other.matched
        self.gold += other.gold
        self.extracted += other.extracted

    def to_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "matched": self.matched,
            "gold": self.gold,
            "extracted": self.extracted,
            "misses": self.misses,
            "wrong": self.wrong,
        }


def _dates(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def score_targets(got: list[dict[str, Any]], gold: list[dict[str, Any]]) -> Score:
    s = Score(gold=len(gold), extracted=len(got))
    keys = {(g["indicator"], g["year"]) for g in gold}
    left = list(gold)
    for t in got:
        hit = next(
            (
                g
                for g in left
                if (g["indicator"], g["year"], g["comparator"]) == (t["indicator"], t["year"], t["comparator"])
                and (g["value"] is None) == (t["value"] is None)
                and (g["value"] is None or abs(float(g["value"]) - float(t["value"])) <= 0.01)
            ),
            None,
        )
        if hit:
            left.remove(hit)
            s.matched += 1
        else:
            where = "another figure" if (t["indicator"], t["year"]) in keys else "not in the gold"
            s.wrong.append(f"{t['indicator']} {t['year']} {t['comparator']} {t['value']} ({where})")
    s.misses = [f"{g['indicator']} {g['year']} {g['comparator']} {g['value']}" for g in left]
    return s


def _number(n: str | None) -> str | None:
    return re.sub(r"\s+", "", n) if n else n


def score_references(got: list[dict[str, Any]], gold: list[dict[str, Any]]) -> Score:
    s = Score(gold=len(gold), extracted=len(got))
    left = list(gold)
    for r in got:
        hit = next(
            (
                g
                for g in left
                if (g["type"], _number(g["number"]), g["relation"]) == (r["type"], _number(r["number"]), r["relation"])
                and ("date" not in g or g["date"] is None or r["date"] in _dates(g["date"]))
            ),
            None,
        )
        if hit:
            left.remove(hit)
            s.matched += 1
        else:
            s.wrong.append(f"{r['relation']} {r['type']} {r['number']} {r['date']}")
    s.misses = [f"{g['relation']} {g['type']} {g['number']} {g.get('date')}" for g in left]
    return s


def _task_matches(t: dict[str, Any], g: dict[str, Any]) -> bool:
    if t.get("number") != g["n"]:
        return False
    lead = set(t.get("lead") or [])
    if "lead" in g and lead != set(g["lead"]):
        return False
    if "lead_includes" in g and not set(g["lead_includes"]) <= lead:
        return False
    if "support_includes" in g and not set(g["support_includes"]) <= set(t.get("support") or []) | lead:
        return False
    deadline = t.get("deadline") or {}
    want = g.get("deadline") or {}
    if want.get("kind") != deadline.get("kind"):
        return False
    return "date" not in want or deadline.get("date") in _dates(want["date"])


def score_tasks(got: list[dict[str, Any]], gold: list[dict[str, Any]]) -> Score:
    table = [t for t in got if t.get("source", "table") == "table"]
    s = Score(gold=len(gold), extracted=len(table))
    left = list(gold)
    for t in table:
        hit = next((g for g in left if _task_matches(t, g)), None)
        if hit:
            left.remove(hit)
            s.matched += 1
        else:
            s.wrong.append(f"row {t.get('number')}: lead {t.get('lead')} deadline {t.get('deadline')}")
    s.misses = [
        f"row {g['n']}: {json.dumps({k: v for k, v in g.items() if k != 'n'}, ensure_ascii=False)}" for g in left
    ]
    return s


KINDS = ("targets", "references", "tasks")


def evaluate(gold_file: Path, docs: Path) -> dict[str, Any]:
    """Per document and overall scores for targets, references and tasks."""
    try:
        gold = json.loads(Path(gold_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the gold file ({exc})", source=str(gold_file)) from None
    totals = {k: Score() for k in KINDS}
    per_doc = []
    for g in gold.get("documents", []):
        record = read_path(Path(docs) / g["file"]).to_json()
        scores = {
            "targets": score_targets(record["targets"], g.get("targets", [])),
            "references": score_references(record["references"], g.get("references", [])),
            "tasks": score_tasks(record["tasks"], g.get("appendix_tasks", [])),
        }
        for k, sc in scores.items():
            totals[k].add(sc)
        per_doc.append({"file": g["file"], **{k: sc.to_json() for k, sc in scores.items()}})
    overall = {
        k: {key: v for key, v in sc.to_json().items() if key not in ("misses", "wrong")} for k, sc in totals.items()
    }
    return {"documents": per_doc, "overall": overall}
