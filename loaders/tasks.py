"""Tasks: who must do what by when, from task tables and from dated duties in prose.

Tables come in three layouts: tab-separated rows, ``|`` pipe rows (Markdown, portals), and PDF
text whose columns were interleaved (a row's task text, lead cell, support cell and deadline as
runs of lines). A table is found by its header ("Nội dung … chủ trì … phối hợp … thời gian").
Tables are read on the text's own lines (before unwrapping), where the row structure still is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policygraph.loaders.deadlines import DEADLINE_START, parse_deadline
from policygraph.loaders.normalize import fold
from policygraph.loaders.sections import numbered, sections
from policygraph.loaders.vocab import find_all, vocab

HEADER_WORDS = ("noi dung", "chu tri", "phoi hop")
DEADLINE_HEADER = ("thoi gian", "thoi han", "tien do", "hoan thanh")
# Between two agencies of one cell: separators only ("," ";" "và", qualifiers like "liên quan").
SEPARATOR = re.compile(r"^(?:[\s,;.]|và|cùng|với|các|có liên quan|liên quan)*$", re.I)
WHITESPACE_ONLY = re.compile(r"^\s*$")
ROW_START = re.compile(r"^\s*(?P<n>\d{1,3})(?:\s*$|[.)]?\s+(?=[A-ZĐÂÊÔƠƯĂÁÀẢÃẠ]))")
STOP = re.compile(r"^\s*(?:Nơi nhận|TM\.|T/M|KT\.|PHỤ LỤC)", re.I)


@dataclass
class Row:
    number: int | None
    text: str
    lead_cell: str
    support_cell: str
    deadline_cell: str
    start: int  # offsets in the text the rows were read from
    end: int


def _clean(text: str) -> str:
    # A number broken after its hyphen at a line end ("229-\nKH/TU") reads whole again.
    return re.sub(r"(?<=\d-)\s+(?=[A-ZĐ])", "", " ".join(text.split())).strip(" ;,")


def agencies(cell: str) -> list[str]:
    """Agencies named in a cell: vocabulary names (abbreviations expanded, groups whole), and
    any other agency-like piece as printed."""
    hits = find_all("agency_type", cell)
    names: list[str] = []
    pos = 0
    for hit in [*hits, None]:
        gap = cell[pos : hit.start if hit else len(cell)]
        for piece in re.split(r"[;,]|\svà\s", gap):
            piece = _clean(piece)
            # A piece that starts with a capital is a name the vocabulary lacks; lower-case
            # remnants ("liên quan", "các cơ quan") qualify a neighbour and are dropped.
            if piece and piece[0].isupper() and len(piece) > 3 and piece not in names:
                names.append(piece if hits else _clean(cell))
                if not hits:
                    return names
        if hit is None:
            break
        label = hit.term.label_vi
        if label not in names:
            names.append(label)
        pos = hit.end
    return names


def split_agency_region(region: str) -> tuple[str, str]:
    """Split the agency columns of an interleaved row into the lead cell and the support cell.

    Agencies in one cell are joined by separators; two agencies with only white space between
    them stand in different cells (the PDF put one column's lines after the other's).
    """
    hits = find_all("agency_type", region)
    for prev, nxt in zip(hits, hits[1:], strict=False):
        between = region[prev.end : nxt.start]
        if WHITESPACE_ONLY.match(between):
            return region[: nxt.start], region[nxt.start :]
    return region, ""


def _peel_agencies(block: str) -> int:
    """Where the trailing run of agencies of a row block starts (the lead and support columns)."""
    hits = find_all("agency_type", block)
    start = len(block)
    for hit in reversed(hits):
        tail = block[hit.end : start]
        if start != len(block) and not SEPARATOR.match(tail):
            break
        if start == len(block) and not SEPARATOR.match(tail):
            break
        start = hit.start
    return start


def _is_header(line: str) -> bool:
    f = fold(line)
    return all(w in f for w in HEADER_WORDS[:1]) and ("chu tri" in f or "chu" in f.split()[-1:])


def _header_cells(line: str, sep: str) -> dict[str, int] | None:
    cells = [fold(c).strip() for c in line.strip().strip("|").split(sep)]
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        if c in ("tt", "stt", "so tt") or c.startswith("stt"):
            cols.setdefault("number", i)
        elif "noi dung" in c or c.startswith("nhiem vu") or "ten nhiem vu" in c:
            cols.setdefault("text", i)
        elif "chu tri" in c:
            cols.setdefault("lead", i)
        elif "phoi hop" in c:
            cols.setdefault("support", i)
        elif any(w in c for w in DEADLINE_HEADER):
            cols.setdefault("deadline", i)
    return cols if {"text", "lead"} <= set(cols) else None


def _cell(cells: list[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return cells[i] if i is not None and i < len(cells) else ""


def _delimited_rows(lines: list[tuple[int, str]], sep: str) -> list[Row]:
    rows: list[Row] = []
    cols: dict[str, int] | None = None
    for start, line in lines:
        if sep not in line:
            continue
        header = _header_cells(line, sep)
        if header:
            cols = header
            continue
        if cols is None:
            continue
        raw = line.strip()
        if sep == "|":
            if re.fullmatch(r"[|\s:-]+", raw):  # the Markdown rule under a header
                continue
            raw = raw.strip("|")
        cells = [c.strip() for c in raw.split(sep)]
        number = re.fullmatch(r"\d{1,3}\.?", _cell(cells, cols, "number"))
        if not number:
            continue
        rows.append(
            Row(
                number=int(number.group().rstrip(".")),
                text=_cell(cells, cols, "text"),
                lead_cell=_cell(cells, cols, "lead"),
                support_cell=_cell(cells, cols, "support"),
                deadline_cell=_cell(cells, cols, "deadline"),
                start=start,
                end=start + len(line),
            )
        )
    return rows


def _interleaved_rows(text: str, lines: list[tuple[int, str]]) -> list[Row]:
    """Rows of a table whose columns PDF extraction ran together, one row after another."""
    header_at = next((i for i, (_, line) in enumerate(lines) if _is_header(line) and "\t" not in line), None)
    if header_at is None:
        return []
    header_fold = fold(" ".join(line for _, line in lines[header_at : header_at + 4]))
    body: list[tuple[int, str]] = []
    skipping = True  # the header's own continuation lines
    for start, line in lines[header_at + 1 :]:
        stripped = line.strip()
        if STOP.match(stripped):
            break
        if _is_header(stripped):  # a header repeated on a new page
            skipping = True
            continue
        if skipping and stripped and fold(stripped) in header_fold and not ROW_START.match(stripped):
            continue
        if stripped:
            skipping = False
        body.append((start, line))
    # Row blocks: a line opening with the next row number in sequence starts a row.
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    expected = 1
    for start, line in body:
        m = ROW_START.match(line)
        if m and int(m.group("n")) == expected:
            blocks.append((expected, []))
            expected += 1
            rest = line[m.end() :]
            blocks[-1][1].append((start + m.end(), rest))
            continue
        if blocks:
            blocks[-1][1].append((start, line))
    rows = []
    for number, block_lines in blocks:
        if not block_lines:
            continue
        b_start = block_lines[0][0]
        b_end = block_lines[-1][0] + len(block_lines[-1][1])
        block = text[b_start:b_end]
        deadline_at = None
        for m in DEADLINE_START.finditer(block):
            # The deadline is the row's last cell: it runs to the end with no agency after it.
            if not find_all("agency_type", block[m.end() :]) or re.match(r"(?i)sau khi|theo|khi", m.group()):
                deadline_at = m.start()
                break
        body_text = block[:deadline_at] if deadline_at is not None else block
        deadline = block[deadline_at:] if deadline_at is not None else ""
        agencies_at = _peel_agencies(body_text)
        lead, support = split_agency_region(body_text[agencies_at:])
        rows.append(Row(number, body_text[:agencies_at], lead, support, deadline, b_start, b_end))
    return rows


def _lines(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]*", text) if m.group() or m.start() < len(text)]


def read_tables(text: str) -> list[Row]:
    """Task rows of every table in ``text`` (tab-separated, pipe or interleaved PDF text)."""
    lines = _lines(text)
    rows = _delimited_rows(lines, "\t")
    if not rows:
        rows = _delimited_rows(lines, "|")
    if not rows:
        rows = _interleaved_rows(text, lines)
    return rows


def task_from_row(row: Row, span: tuple[int, int]) -> dict[str, Any]:
    deadline = parse_deadline(row.deadline_cell) if row.deadline_cell.strip() else None
    return {
        "number": row.number,
        "text": _clean(row.text),
        "lead": agencies(row.lead_cell),
        "support": agencies(row.support_cell),
        "deadline": deadline,
        "span": list(span),
        "source": "table",
    }


# A dated duty in prose: a clause with a fixed deadline ("… trước ngày 01/7/2025",
# "… hoàn thành trong quý II năm 2025").
DATED = re.compile(
    r"(?:trước ngày\s*\d{1,2}\s*(?:/|tháng)\s*\d{1,2}\s*(?:/|năm)\s*\d{4}"
    r"|hoàn thành\s+(?:trong|vào|trước)\s+(?:quý|tháng|năm)\s*[\dIV]+(?:\s*(?:/|năm)\s*\d{4})?)",
    re.I,
)


def dated_duties(norm_text: str) -> list[tuple[int, int, str]]:
    """Clauses of prose that carry a fixed deadline: (start, end, deadline text)."""
    out = []
    for m in DATED.finditer(norm_text):
        left = max(norm_text.rfind(c, 0, m.start()) for c in ("\n", ". ")) + 1
        right_candidates = [p for p in (norm_text.find(". ", m.end()), norm_text.find("\n", m.end())) if p != -1]
        right = min(right_candidates) if right_candidates else len(norm_text)
        out.append((left, right, m.group()))
    return out


def agency_level(name: str) -> str | None:
    a = next((t for t in vocab().agencies if t.label_vi == name), None)
    return a.level if a else None


# A numbered task list in prose: "3. Trạm Y tế xã chủ trì, phối hợp với … ; thực hiện thường
# xuyên." The subject before "chủ trì" leads; those after "phối hợp với" support.
LEADS = re.compile(r"\s+chủ trì\b[,;]?\s*", re.I)
SUPPORTS = re.compile(
    r"phối hợp(?:\s+với)?\s+(?P<who>.+?)(?=\s+(?:tổ chức|rà soát|lập|tham mưu|vận động|xây dựng|triển khai|thực hiện|"
    r"kiểm tra|tuyên truyền|theo dõi|hướng dẫn|bố trí|đánh giá)\b|[;:.]|$)",
    re.I,
)
DEADLINE_CUE = re.compile(
    r"(?:hoàn thành|thực hiện thường xuyên|thường xuyên|hằng năm|hàng năm|định kỳ|trước ngày|"
    r"(?:trong|vào)\s+(?:quý|tháng|năm)\s*[\dIV]|sau khi có|từ năm)",
    re.I,
)


def list_tasks(norm_text: str, span: Any) -> list[dict[str, Any]]:
    """Tasks of numbered lists in "Nhiệm vụ" sections (not the "Tổ chức thực hiện" blocks)."""
    out: list[dict[str, Any]] = []
    wanted = sections(norm_text, lambda title: "nhiem vu" in title and "to chuc thuc hien" not in title)
    for start, end in wanted:
        for m in numbered(norm_text, start, end):
            body = m.group("head")
            lead_at = LEADS.search(body[:160])
            if not lead_at:
                continue
            subject = body[: lead_at.start()]
            rest = body[lead_at.end() :]
            support = SUPPORTS.match(rest)
            cues = list(DEADLINE_CUE.finditer(rest))
            deadline = parse_deadline(rest[cues[-1].start() :]) if cues else None
            out.append(
                {
                    "number": int(m.group("n")),
                    "text": " ".join(body.split()),
                    "lead": agencies(subject),
                    "support": agencies(support.group("who")) if support else [],
                    "deadline": deadline if deadline and deadline["kind"] else None,
                    "span": list(span(m.start(), m.end())),
                    "source": "list",
                }
            )
    return out
