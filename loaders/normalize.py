"""Normalise decoded text for reading, keeping a map back to the original characters.

Steps: Unicode NFC; Markdown markup dropped (``**``, ``#`` headings, ``<sup>`` tags, ``*``
emphasis); page-number lines dropped; PDF hard line breaks and hyphenation unwrapped; runs of
spaces folded. Every character of the result knows the offset of the character it came from,
so a fact found in the normalised text is reported as a span of the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from policygraph.loaders.fold import fold  # noqa: F401  (re-exported: loaders match on it)
from policygraph.loaders.repair import Repair, repair

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_MARKUP = re.compile(r"<!--.*?-->|\*\*|__|</?(?:sup|sub|b|i|u|em|strong)>|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
# A line that starts a new block: a bullet, a numbered or lettered item, a Roman-numeral heading.
_BLOCK_START = re.compile(r"^\s*(?:[-–•+]\s*|\(?[a-zđ]\)\s|\(?\d+(?:\.\d+)*[.)]\s|[IVXLC]+\.\s|\d+\s*$|\d+\t)")
_TERMINAL = (".", ";", ":", "!", "?", "…")
WRAP_WIDTH = 50  # a line at least this long that ends mid-sentence was wrapped by the PDF


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text and, for each of its characters, the original offset it came from.

    ``raw`` is the text before unwrapping (NFC, OCR damage repaired, same lines as the file),
    where tables keep their row structure; ``raw_origin`` maps it back the same way.
    """

    text: str
    origin: tuple[int, ...]
    original: str
    raw: str = ""
    raw_origin: tuple[int, ...] = ()
    repairs: tuple[Repair, ...] = ()  # offsets into ``original``

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the range ``[start, end)`` of ``raw``."""
        if end <= start:
            return (self.raw_origin[start], self.raw_origin[start]) if start < len(self.raw_origin) else (0, 0)
        return self.raw_origin[start], self.raw_origin[end - 1] + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the normalised range ``[start, end)``."""
        if end <= start:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.origin: list[int] = []

    def add(self, text: str, origin: int) -> None:
        for ch in text:
            self.chars.append(ch)
            self.origin.append(origin)

    def add_mapped(self, text: str, origins: list[int]) -> None:
        self.chars.extend(text)
        self.origin.extend(origins)


_MAYBE_COMBINING = re.compile("[^\x00-\u02ff\u1e00-\u1eff]")  # no combining mark outside this


def nfc_with_origin(original: str) -> tuple[str, list[int]]:
    """NFC with a map: a base character and its combining marks map to the base's offset."""
    # Most text arrives in NFC without a combining mark (precomposed Vietnamese letters are
    # U+1E00–U+1EFF): then each character maps to itself, with no walk character by character.
    if unicodedata.is_normalized("NFC", original) and not any(
        unicodedata.combining(m.group()) for m in _MAYBE_COMBINING.finditer(original)
    ):
        return original, list(range(len(original)))
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(original)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        piece = unicodedata.normalize("NFC", original[i:j])
        out.append(piece)
        origin.extend([i] * len(piece))
        i = j
    return "".join(out), origin


@dataclass
class _Line:
    text: str
    origin: list[int]
    hard: bool = False  # a heading or a bold line: never joined to the next
    soft_break: bool = False  # ended in a Markdown hard break (two spaces): same paragraph


def _lines(text: str, origin: list[int]) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    for m in re.finditer(r"\r\n|\r|\n|\f", text):
        lines.append(_Line(text[start : m.start()], origin[start : m.start()]))
        start = m.end()
    lines.append(_Line(text[start:], origin[start:]))
    return lines


def _strip_markup(line: _Line) -> _Line:
    hard = bool(_MD_HEADING.match(line.text)) or line.text.strip().startswith("**") and line.text.strip().endswith("**")
    keep = [True] * len(line.text)
    m = _MD_HEADING.match(line.text)
    if m:
        for k in range(m.start(), m.end()):
            keep[k] = False
    for m in _MD_MARKUP.finditer(line.text):
        for k in range(m.start(), m.end()):
            keep[k] = False
    text = "".join(ch for ch, k in zip(line.text, keep, strict=True) if k)
    origin = [o for o, k in zip(line.origin, keep, strict=True) if k]
    # Markdown hard breaks ("two spaces" or a trailing backslash) are plain line ends here.
    while text.endswith("\\"):
        text, origin = text[:-1], origin[:-1]
    soft = line.text.endswith("  ") and not hard
    return _Line(text, origin, hard, soft)


def _trim(line: _Line) -> _Line:
    text = line.text
    left = len(text) - len(text.lstrip(" \u00a0"))
    right = len(text.rstrip(" \u00a0"))
    return _Line(text[left:right], line.origin[left:right], line.hard, line.soft_break)


def _is_page_number(lines: list[_Line], i: int) -> bool:
    """A lone small number set apart by blank lines (a PDF page footer or header): two or more
    before it, or one before and one after. (Task-table row numbers stand the same way, but
    tables are read from the lines before this step.)"""
    if not _PAGE_NUMBER.match(lines[i].text):
        return False
    before = 0
    k = i - 1
    while k >= 0 and not lines[k].text:
        before += 1
        k -= 1
    after = 0
    k = i + 1
    while k < len(lines) and not lines[k].text:
        after += 1
        k += 1
    return before >= 2 or k == len(lines) or (before >= 1 and after >= 1) or i == 0


NUMBERED_HEADING = re.compile(r"^\s*\d+(?:\.\d+)*\.\s")


def _joins(prev: _Line, nxt: _Line, blank_lines: int) -> str | None:
    """How ``prev`` continues into ``nxt``: "" (hyphenation), " " (wrapped line) or None."""
    if prev.hard or not prev.text or "\t" in prev.text or "\t" in nxt.text:
        return None
    if blank_lines and NUMBERED_HEADING.match(prev.text) and nxt.text[:1].isupper():
        return None  # a numbered heading, then its first paragraph
    if re.search(r"\w-$", prev.text):
        return ""
    if _BLOCK_START.match(nxt.text) or nxt.text.isupper():
        return None
    first = nxt.text[0]
    if first.islower() or (prev.soft_break and not blank_lines):
        return " "
    if len(prev.text) >= WRAP_WIDTH and not prev.text.endswith(_TERMINAL) and not prev.text.isupper():
        return " "
    return None


def normalize(original: str) -> NormalizedText:
    """Normalise ``original`` (see the module docstring).

    >>> n = normalize("Kế hoạch số 229-\\nKH/TU của Tỉnh ủy\\n\\nThanh Hóa")
    >>> n.text
    'Kế hoạch số 229-KH/TU của Tỉnh ủy\\nThanh Hóa'
    >>> original = n.original; s, e = n.span(12, 21); original[s:e]
    '229-\\nKH/TU'
    """
    nfc, origin = nfc_with_origin(original)
    # Repairs replace one character by one, so the origin map stays as it is.
    text, fixes = repair(nfc)
    repairs = tuple(
        Repair(origin[r.start], origin[r.end - 1] + 1, original[origin[r.start] : origin[r.end - 1] + 1], r.after)
        for r in fixes
    )
    lines = [_trim(_strip_markup(line)) for line in _lines(text, origin)]
    kept = [line for i, line in enumerate(lines) if not _is_page_number(lines, i)]

    out = _Builder()
    pending_blank = 0
    prev: _Line | None = None
    for line in kept:
        if not line.text:
            pending_blank += 1
            continue
        # A page break leaves several blank lines; a line opening in lower case still continues.
        near = pending_blank <= 2 or (pending_blank <= 6 and line.text[:1].islower())
        joiner = _joins(prev, line, pending_blank) if prev is not None and near else None
        if prev is not None:
            if joiner is None:
                out.add("\n", prev.origin[-1] + 1 if prev.origin else 0)
            elif joiner:
                out.add(joiner, prev.origin[-1] + 1)
        out.add_mapped(line.text, line.origin)
        # The wrap decision looks at the previous physical line, which the PDF filled to width.
        prev = line
        pending_blank = 0

    # Fold runs of spaces, keeping the first one's origin.
    chars, origins = out.chars, out.origin
    folded: list[str] = []
    folded_origin: list[int] = []
    for ch, o in zip(chars, origins, strict=True):
        if ch in " \u00a0" and folded and folded[-1] == " ":
            continue
        folded.append(" " if ch == "\u00a0" else ch)
        folded_origin.append(o)
    return NormalizedText("".join(folded), tuple(folded_origin), original, text, tuple(origin), repairs)
