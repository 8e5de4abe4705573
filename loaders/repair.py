"""Repair text where OCR dropped letters, measurably and visibly.

A dropped glyph leaves a gap: an extra space before a fragment ("các  ã" for "các xã",
"thường  uyên" for "thường xuyên", a line opening " y ban" for "Ủy ban"). At each gap the
repair tries every Vietnamese letter before the fragment and keeps one only on evidence from a
word list (pyvi's, read as data): the repaired syllable forms a dictionary word with its
neighbour while the fragment does not, or the fragment is no syllable at all and exactly one
letter makes it one. A second pass settles gaps with several candidates, or a fragment that is
itself a word ("từ  a"), only where the first pass found the document's damage systematic (one
letter dropped again and again). Each repair replaces the gap's space by the letter, one
character for one, so every offset into the text still points at the same place.

Tone-mark placement variants (uỷ/ủy, hoà/hòa) are compared as equal.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from policygraph.loaders.vocab import match_at_start

TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
VOWELS = "aăâeêioôơuưy"
CONSONANTS = "bcdđghklmnpqrstvx"
# A dropped glyph leaves one extra space: two spaces mid-line, or one or two opening a line.
# Wider gaps are layout (columns), and a fragment opening with a capital is an acronym or name.
GAP = re.compile(r"(?:(?<=\S)  (?! )|(?:^|(?<=\n)) {1,2}(?! ))(?P<tok>[^\W\d_]+)", re.M)
WORD = re.compile(r"[^\W\d_]+")
DOMINANT_MIN = 3  # repairs by one letter before the damage counts as systematic
DOMINANT_SHARE = 0.6


@dataclass(frozen=True)
class Repair:
    start: int  # offsets into the text that was repaired
    end: int
    before: str
    after: str


def tone_key(syllable: str) -> str:
    """A key equal for tone-placement variants: the syllable without its tone, then the tone.

    >>> tone_key("uỷ") == tone_key("ủy")
    True
    """
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    tones = "".join(ch for ch in decomposed if ch in TONES)
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONES))
    return bare + tones


def _letters() -> list[str]:
    out = list(CONSONANTS)
    for v in VOWELS:
        out.append(v)
        out.extend(unicodedata.normalize("NFC", v + t) for t in TONES)
    return out


LETTERS = _letters()


def _word_list_path() -> Path | None:
    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / "words.txt"
    return path if path.exists() else None


@cache
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(words, syllables) as tone keys, from the word list pyvi ships (read, not imported)."""
    path = _word_list_path()
    if path is None:
        return frozenset(), frozenset()
    words = set()
    syllables = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = [tone_key(p) for p in unicodedata.normalize("NFC", line).split()]
        if parts:
            words.add(" ".join(parts))
            syllables.update(parts)
    return frozenset(words), frozenset(syllables)


def _neighbours(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    before = WORD.findall(text[max(0, start - 40) : start])
    after = re.match(r"\s*([^\W\d_]+)", text[end : end + 40])
    return (
        before[-1] if before and not re.search(r"[.;:)(]\s*$", text[max(0, start - 40) : start]) else None,
        after.group(1) if after else None,
    )


def _candidates(text: str, m: re.Match[str]) -> list[tuple[int, str]]:
    words, syllables = lexicon()
    tok = m.group("tok")
    prev, nxt = _neighbours(text, m.start("tok"), m.end("tok"))

    def is_word(*parts: str | None) -> bool:
        return all(parts) and " ".join(tone_key(p) for p in parts if p) in words

    if is_word(prev, tok) or is_word(tok, nxt):
        return []  # the fragment already reads as part of a word
    out = []
    for letter in LETTERS:
        cand = letter + tok.lower()
        if tone_key(cand) not in syllables:
            continue
        if is_word(prev, cand) or is_word(cand, nxt):
            out.append((2, letter))
        elif tone_key(tok) not in syllables:
            out.append((1, letter))
    return out


def _cased(text: str, pos: int, letter: str) -> str:
    """Upper case where a sentence starts or where the word opens an agency's name.

    ``pos`` is where the letter goes; a wrapped line's start is no sentence start.
    """
    before = text[:pos].rstrip()
    bullet = re.search(r"(?:^|\n)\s*[-–•+]$", before)  # "- " opening a line, not "chính trị - xã hội"
    if not before or before[-1] in ".:;(" or bullet:
        return letter.upper()
    following = letter + text[pos + 1 : pos + 80]
    for kind in ("agency_type", "agency"):
        hit = match_at_start(kind, following)
        if hit and hit.term.label_vi[:1].isupper():
            return letter.upper()
    return letter


def repair(text: str) -> tuple[str, list[Repair]]:
    """``text`` with dropped letters restored (same length), and the repairs made."""
    words, syllables = lexicon()
    if not words:
        return text, []
    sites = [m for m in GAP.finditer(text) if m.group("tok")[0].islower()]
    decided: dict[int, str] = {}
    pending: list[tuple[re.Match[str], list[tuple[int, str]]]] = []
    for m in sites:
        cands = _candidates(text, m)
        best = max((s for s, _ in cands), default=0)
        top = [letter for s, letter in cands if s == best]
        if len(top) == 1 and (best == 2 or len(cands) == 1):
            decided[m.start("tok")] = top[0]
        else:
            pending.append((m, cands))
    counts = Counter(unicodedata.normalize("NFD", letter)[0] for letter in decided.values())
    dominant = None
    if counts:
        letter, n = counts.most_common(1)[0]
        if n >= DOMINANT_MIN and n / sum(counts.values()) >= DOMINANT_SHARE:
            dominant = letter
    if dominant:
        for m, cands in pending:
            mid_line = text[m.start() : m.start("tok")].startswith("  ")
            if any(letter == dominant for _, letter in cands):
                decided[m.start("tok")] = dominant
            elif not cands and mid_line and tone_key(dominant + m.group("tok").lower()) in syllables:
                decided[m.start("tok")] = dominant
    chars = list(text)
    repairs = []
    for pos, letter in sorted(decided.items()):
        word = re.match(r"[^\W\d_]+", text[pos:])
        tok = word.group() if word else ""
        cased = _cased(text, pos - 1, letter)
        chars[pos - 1] = cased
        prev, nxt = _neighbours(text, pos, pos + len(tok))
        # Report the whole repaired word: with the neighbour it forms a dictionary word with.
        repaired, start, end = cased + tok, pos - 1, pos + len(tok)
        if nxt and " ".join(tone_key(p) for p in (repaired, nxt)) in words:
            end = text.index(nxt, end) + len(nxt)
            repaired = f"{repaired} {nxt}"
        elif prev and " ".join(tone_key(p) for p in (prev, repaired)) in words:
            start = text.rindex(prev, 0, start)
            repaired = f"{prev} {repaired}"
        repairs.append(Repair(start, end, text[start:end], repaired))
    return "".join(chars), repairs
