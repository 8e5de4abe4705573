"""Targets: a measure, a comparator, a figure and a year, wherever they stand in the text.

A figure counts as a target when the vocabulary knows its measure and a year governs it: in its
own sentence ("Phấn đấu đến năm 2030, …") or in the lead-in or heading it stands under
("2. Mục tiêu cụ thể đến năm 2030"). "Mỗi trạm y tế có …" (every station has) is >= 100 %.
"""

from __future__ import annotations

import re
from typing import Any

from policygraph.loaders.fold import fold
from policygraph.loaders.normalize import NormalizedText
from policygraph.loaders.record import Target
from policygraph.loaders.vocab import find_all, vocab

FIGURE = re.compile(
    r"(?P<cmp>(?:đạt\s+(?:và\s+duy\s+trì\s+)?)?(?:trên|dưới|ít\s+nhất|tối\s+thiểu|tối\s+đa|không\s+quá|không\s+dưới|từ|≥|≤|>|<)?\s*)"
    r"(?P<num>\d{1,3}(?:[.,]\d+)?)\s?%",
    re.I,
)
COMPARATORS = (
    ("không dưới", ">="),
    ("không quá", "<="),
    ("tối thiểu", ">="),
    ("tối đa", "<="),
    ("ít nhất", ">="),
    ("trên", ">"),
    ("dưới", "<"),
    ("≥", ">="),
    ("≤", "<="),
    (">", ">"),
    ("<", "<"),
)
YEAR = re.compile(
    r"(?:đến|tới|trong|vào)\s+(?:hết\s+|cuối\s+)?năm\s+(?P<y>20\d\d)|giai đoạn\s+\d{4}\s*[-–]\s*(?P<y2>20\d\d)", re.I
)
EVERY = re.compile(r"(?<!\w)mỗi\s", re.I)
# What was achieved, not what is aimed at: "Ước thực hiện năm 2024 là 25,8%", "hiện nay đạt 80%".
ACTUAL = re.compile(r"(?:ước thực hiện|ước đạt|hiện nay|hiện tại|đã đạt|kết quả|năm\s+\d{4}\s+là)", re.I)
HEADING = re.compile(r"^\s*(?:[IVX]+\.|\d+(?:\.\d+)*\.|[a-zđ]\))\s", re.M)


def _comparator(words: str) -> str:
    w = " ".join(words.lower().split())
    for phrase, symbol in COMPARATORS:
        if w.endswith(phrase) or w.startswith(phrase) or f" {phrase}" in w:
            return symbol
    return ">="


def _clauses(text: str) -> list[tuple[int, int]]:
    """Clauses: pieces of lines split at ';' and at '. ' (not inside numbers)."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for sep in re.finditer(r";|\.\s|\.$", line.group()):
            end = line.start() + sep.start()
            if end > start:
                out.append((start, end))
            start = line.start() + sep.end()
        if start < line.end():
            out.append((start, line.end()))
    return out


def _year_for(text: str, start: int, clause: tuple[int, int]) -> int | None:
    """The year governing position ``start``: the nearest one stated before it in its sentence,
    else in the lead-in line or heading above (up to the previous heading of the same block)."""
    line_start = text.rfind("\n", 0, clause[0]) + 1
    years = [m for m in YEAR.finditer(text, line_start, start)]
    if years:
        m = years[-1]
        return int(m.group("y") or m.group("y2"))
    # Walk up through preceding lines while they are bullets of the same block.
    pos = line_start
    for _ in range(12):
        if pos <= 0:
            break
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start : pos - 1]
        years = list(YEAR.finditer(line))
        if years and (line.rstrip().endswith(":") or HEADING.match(line) or len(line) < 120):
            m = years[-1]
            return int(m.group("y") or m.group("y2"))
        if HEADING.match(line) and not line.lstrip().startswith("-"):
            break
        pos = prev_start
    return None


def _indicator_in(segment: str, figure_at: int | None = None) -> tuple[str | None, str]:
    """The indicator a segment names and the label text shown for it.

    A measure stated without figures (pg:figureless) never takes one; of the others the one
    nearest the figure wins, the longer name on a tie.
    """
    hits = [h for h in find_all("indicator", segment) if not vocab().indicator(h.term.key).figureless]
    if not hits:
        return None, segment.strip(" -;,.:")
    at = figure_at if figure_at is not None else 0

    def distance(h: Any) -> tuple[int, int]:
        gap = 0 if h.start <= at <= h.end else min(abs(h.start - at), abs(h.end - at))
        return gap, -(h.end - h.start)

    best = min(hits, key=distance)
    return best.term.key, segment.strip(" -;,.:")


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def extract_targets(norm: NormalizedText, warnings: list[str]) -> list[Target]:
    """Targets in reading order; one per (indicator, year), the first statement kept."""
    text = norm.text
    v = vocab()
    found: list[Target] = []
    for clause in _clauses(text):
        c_text = text[clause[0] : clause[1]]
        if "\t" in c_text or ACTUAL.search(c_text):
            continue  # a table row (read by table_targets) or a statement of what was achieved
        figures = list(FIGURE.finditer(c_text))
        hits = find_all("indicator", c_text)
        for hit in hits if figures else []:
            ind = v.indicator_by_key[hit.term.key]
            year = _year_for(text, clause[0] + hit.start, clause)
            if ind.figureless and year is not None:
                span = norm.span(clause[0], clause[1])
                found.append(Target(ind.key, c_text.strip(" -;,.:"), None, None, None, year, span, c_text.strip()))
        if not figures:
            for hit in hits:
                ind = v.indicator_by_key[hit.term.key]
                every = EVERY.search(c_text[: hit.start + 1]) or c_text.lstrip(" -").lower().startswith("mỗi")
                if not (ind.figureless or every):
                    continue
                year = _year_for(text, clause[0] + hit.start, clause)
                if year is None:
                    continue
                span = norm.span(clause[0], clause[1])
                if ind.figureless:
                    found.append(
                        Target(
                            ind.key,
                            c_text.strip(" -;,.:"),
                            None,
                            None,
                            None,
                            year,
                            span,
                            c_text.strip(),
                        )
                    )
                else:
                    found.append(
                        Target(
                            ind.key,
                            c_text.strip(" -;,.:"),
                            ">=",
                            100.0,
                            "%",
                            year,
                            span,
                            c_text.strip(),
                        )
                    )
            continue
        # Clause orientation: "100% A, 100% B" names each measure after its figure; "Tỷ lệ A đạt
        # trên 95%" before it. Each figure's measure is looked for on that side first.
        measured = [h for h in hits if not v.indicator_by_key[h.term.key].figureless]
        figure_first = bool(measured) and figures[0].start() <= measured[0].start
        for i, fig in enumerate(figures):
            after = (fig.end(), figures[i + 1].start() if i + 1 < len(figures) else len(c_text))
            before = (figures[i - 1].end() if i else 0, fig.start())
            indicator = None
            for seg_start, seg_end in (after, before) if figure_first else (before, after):
                indicator, label = _indicator_in(c_text[seg_start:seg_end], fig.start() - seg_start)
                if indicator is not None:
                    break
            seg_start = min(after[0], before[0])
            seg_end = max(after[1], before[1])
            label = c_text[seg_start:seg_end].strip(" -;,.:")
            year = _year_for(text, clause[0] + fig.start(), clause)
            if year is None:
                if indicator is not None:
                    warnings.append(
                        f"figure '{fig.group(0).strip()}' for {indicator} has no year: not read as a target"
                    )
                continue
            if indicator is None:
                # A measure the vocabulary does not know: kept with its label, never forced
                # onto an indicator, and said so.
                warnings.append(f"target '{_short(label)}' ({year}): measure not in the indicator vocabulary")
            value = float(fig.group("num").replace(",", "."))
            found.append(
                Target(
                    indicator=indicator,
                    label=label,
                    comparator=_comparator(fig.group("cmp")),
                    value=value,
                    unit="%",
                    year=year,
                    span=norm.span(clause[0] + seg_start, clause[0] + seg_end),
                    text=c_text.strip(),
                )
            )
    found.extend(table_targets(norm, warnings))
    kept: dict[tuple[str | None, int | None, str], Target] = {}
    for t in found:
        key = (t.indicator, t.year, t.label if t.indicator is None else "")
        first = kept.get(key)
        if first is None:
            kept[key] = t
        elif (first.comparator, first.value) != (t.comparator, t.value):
            warnings.append(
                f"target {t.indicator} {t.year} stated twice with different figures "
                f"({first.comparator} {first.value} and {t.comparator} {t.value}): kept the first"
            )
    return list(kept.values())


YEAR_COLUMN = re.compile(r"^(?:năm\s*)?(?P<y>20\d\d)$", re.I)
# A cell's figure; a footnote mark may follow its per cent sign ("≤ 24%1").
CELL_FIGURE = re.compile(r"^(?P<cmp>[^\d]*?)\s*(?P<num>\d{1,3}(?:[.,]\d+)?)\s*(?:(?P<unit>%)\d{0,2})?\s*$")


def table_targets(norm: NormalizedText, warnings: list[str]) -> list[Target]:
    """Targets from a table with a column per year ("Chỉ tiêu | Đơn vị | Năm 2025 | Năm 2030")."""
    found: list[Target] = []
    years: dict[int, int] | None = None
    label_col = unit_col = None
    sep = None
    for line in re.finditer(r"[^\n]+", norm.raw):
        row = line.group()
        row_sep = "\t" if "\t" in row else "|" if row.count("|") >= 2 else None
        if row_sep is None:
            years = None
            continue
        cells = [c.strip() for c in row.strip().strip("|").split(row_sep)]
        header_years = {i: int(m.group("y")) for i, c in enumerate(cells) if (m := YEAR_COLUMN.match(c))}
        if header_years and any("chi tieu" in fold(c) or "muc tieu" in fold(c) for c in cells):
            years, sep = header_years, row_sep
            label_col = next(i for i, c in enumerate(cells) if "chi tieu" in fold(c) or "muc tieu" in fold(c))
            unit_col = next((i for i, c in enumerate(cells) if "don vi" in fold(c)), None)
            continue
        if years is None or row_sep != sep or label_col is None or label_col >= len(cells):
            continue
        label = cells[label_col]
        indicator, _ = _indicator_in(label)
        unit = cells[unit_col] if unit_col is not None and unit_col < len(cells) else ""
        for col, year in years.items():
            m = CELL_FIGURE.match(cells[col]) if col < len(cells) else None
            if not m:
                continue
            found.append(
                Target(
                    indicator=indicator,
                    label=label,
                    comparator=_comparator(m.group("cmp")),
                    value=float(m.group("num").replace(",", ".")),
                    unit="%" if m.group("unit") or unit.strip() == "%" else (unit.strip() or None),
                    year=year,
                    span=norm.raw_span(line.start(), line.end()),
                    text=" ".join(row.split()),
                )
            )
            if indicator is None:
                warnings.append(f"target '{_short(label)}' ({year}): measure not in the indicator vocabulary")
    return found
