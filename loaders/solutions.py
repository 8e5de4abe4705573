"""Solution items: the numbered and lettered items of a plan's "Nhiệm vụ và giải pháp" section.

Items are labelled by group and letter ("1a", "3đ") when the section letters them; a group with
no lettered items then adds none (it points elsewhere, e.g. to an appendix). A section that does
not letter its items gives one item per bullet or paragraph under each group ("1.1", "1.2").
"""

from __future__ import annotations

import re
from typing import Any

from policygraph.loaders.normalize import NormalizedText
from policygraph.loaders.sections import numbered, sections

LETTER = re.compile(r"^(?P<l>[a-zđ])\)\s+", re.M)
BULLET = re.compile(r"^(?:[-–•+]\s+|\d{1,2}\.\d{1,2}\.\s+)", re.M)


def extract_solution_items(norm: NormalizedText) -> list[dict[str, Any]]:
    text = norm.text
    found = sections(text, lambda title: "nhiem vu" in title and "giai phap" in title)
    if not found:
        return []
    start, end = found[0]
    groups = numbered(text, start, end)
    lettered: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []
    for i, g in enumerate(groups):
        g_end = groups[i + 1].start() if i + 1 < len(groups) else end
        body_start = text.find("\n", g.end())
        body_start = g_end if body_start == -1 or body_start > g_end else body_start + 1
        letters = list(LETTER.finditer(text, body_start, g_end))
        for j, m in enumerate(letters):
            i_end = letters[j + 1].start() if j + 1 < len(letters) else g_end
            lettered.append(
                {
                    "label": f"{g.group('n')}{m.group('l')}",
                    "text": " ".join(text[m.end() : i_end].split()),
                    "span": list(norm.span(m.start(), i_end)),
                }
            )
        pieces = [p for p in re.split(r"\n", text[body_start:g_end]) if p.strip()]
        offset = body_start
        for k, piece in enumerate(pieces, start=1):
            at = text.find(piece, offset, g_end)
            offset = at + len(piece)
            plain.append(
                {
                    "label": f"{g.group('n')}.{k}",
                    "text": " ".join(BULLET.sub("", piece).split()),
                    "span": list(norm.span(at, at + len(piece))),
                }
            )
    return lettered if lettered else plain
