"""Vocabulary lookups on folded text: the loaders' view of ``policygraph.ontology``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from policygraph.loaders.fold import fold, spell_final_i
from policygraph.ontology import AgencyKind, Jurisdiction, Term, Vocabulary, vocabulary


@dataclass(frozen=True)
class Match:
    term: Term
    start: int  # offsets into the text that was searched
    end: int


def _phrase_regex(phrase: str) -> str:
    """A folded phrase as a regex: words must stand whole; "…" is a gap of up to fifteen words."""
    parts = [re.escape(fold(p).strip()) for p in phrase.split("…")]
    body = r"(?:\W+\w+){0,15}?\W+".join(p.replace(r"\ ", r"\s+") for p in parts if p)
    return rf"(?<!\w){body}(?!\w)"


@cache
def _compiled(kind: str) -> list[tuple[re.Pattern[str], Term, int, str]]:
    """Each phrase of each term of ``kind``: its regex, the term, its folded length, and its
    longest word, which a text must hold for the regex to match (checked first: a passage
    names few of the hundreds of terms, and ``in`` is far cheaper than a regex scan)."""
    v = vocabulary()
    terms: list[Term] = {
        "indicator": v.indicators,
        "agency": v.agency_kinds,
        "jurisdiction": v.jurisdictions,
        "doctype": v.document_types,
        "agency_type": v.agencies,
    }[kind]
    out = []
    for term in terms:
        for phrase in term.phrases + term.patterns:
            longest = max(re.findall(r"\w+", fold(phrase)), key=len, default="")
            out.append((re.compile(_phrase_regex(phrase)), term, len(fold(phrase)), longest))
    return out


def find_all(kind: str, text: str) -> list[Match]:
    """Every vocabulary term of ``kind`` named in ``text``, longest name first where they overlap."""
    folded = fold_keep_length(text)
    found: list[tuple[int, Match]] = []
    for regex, term, weight, word in _compiled(kind):
        if word not in folded:
            continue
        for m in regex.finditer(folded):
            found.append((weight, Match(term, m.start(), m.end())))
    found.sort(key=lambda wm: (-wm[0], wm[1].start))
    taken: list[Match] = []
    for _, match in found:
        if all(match.end <= t.start or match.start >= t.end for t in taken):
            taken.append(match)
    return sorted(taken, key=lambda m: m.start)


def match_at_start(kind: str, text: str) -> Match | None:
    """The longest term of ``kind`` that ``text`` begins with."""
    best: Match | None = None
    folded = fold_keep_length(text)
    for regex, term, _, word in _compiled(kind):
        if word not in folded:
            continue
        m = regex.match(folded)
        if m and (best is None or m.end() > best.end):
            best = Match(term, m.start(), m.end())
    return best


@lru_cache(maxsize=1024)
def fold_keep_length(text: str) -> str:
    """``fold`` character by character, so offsets in the result are offsets in ``text``.

    (Cached: one passage is searched for each kind of term in turn.)
    """
    return spell_final_i("".join(map(_fold_char, text)))


@cache
def _fold_char(ch: str) -> str:
    f = fold(ch)
    return f if len(f) == 1 else (ch.lower() if len(ch.lower()) == 1 else " ")


def vocab() -> Vocabulary:
    return vocabulary()


def central_city(jurisdiction_key: str | None) -> bool:
    j = vocabulary().jurisdiction_by_key.get(jurisdiction_key or "")
    return bool(j and j.central_city)


def place_kind(kind: AgencyKind, province: Jurisdiction | None) -> AgencyKind:
    """Name a province-level kind after its place: ``city_`` in a city under central government.

    "UBND thành phố" outside such a city is a provincial city's committee, a district-level body.
    """
    v = vocabulary()
    is_city = bool(province and province.central_city)
    if kind.level == "province" and province is not None:
        if kind.key.startswith("city_") and province is not None and not is_city:
            return v.agency_kind_for(kind.body, "district") or kind
        return v.agency_kind_for(kind.body, "province", central_city=is_city) or kind
    return kind
