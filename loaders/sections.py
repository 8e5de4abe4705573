"""A plan's structure: its Roman-numeral sections and the numbered items in them."""

from __future__ import annotations

import re
from collections.abc import Callable

from policygraph.loaders.fold import fold

SECTION = re.compile(r"^(?P<roman>[IVX]+)\.\s+(?P<title>[^\n]*)$", re.M)
ITEM = re.compile(r"^(?P<n>\d{1,2})\.\s+(?P<head>[^\n]*)$", re.M)


def sections(text: str, wanted: Callable[[str], bool]) -> list[tuple[int, int]]:
    """``(start, end)`` of each top-level section whose folded title ``wanted`` accepts; a
    section runs from the end of its heading to the next heading."""
    heads = list(SECTION.finditer(text))
    out = []
    for i, m in enumerate(heads):
        if wanted(fold(m.group("title"))):
            out.append((m.end(), heads[i + 1].start() if i + 1 < len(heads) else len(text)))
    return out


def numbered(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The items "1.", "2.", … of a section, in sequence: a numbered line out of sequence is
    inside an item, not a new one."""
    items = []
    expected = 1
    for m in ITEM.finditer(text, start, end):
        if int(m.group("n")) == expected:
            items.append(m)
            expected += 1
    return items
