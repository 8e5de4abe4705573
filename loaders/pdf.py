"""PDF: the text layer page by page, ruled tables read by column, scanned pages read by OCR.

Text comes from PDFium (pypdfium2), character by character with its box, so lines keep their
geometry: a line that a typesetter wrapped (the next line's first word would not have fitted at
its end) is joined back into its paragraph, page numbers in the top or bottom margin are
dropped, and a large gap between lines is kept as a blank line. Ruled tables are found by
pdfplumber (only on pages that draw lines, as finding them is its slow part) and filled with
PDFium's characters by cell, so each table row comes out as ONE line with its cells separated
by tabs and a cell's own line breaks joined by spaces — the shape the task extractor reads.
A page whose text layer is (almost) empty but which carries a picture is rasterised at the
picture's own resolution and read by Tesseract (:mod:`policygraph.loaders.ocr`).

Why these libraries (measured on the 10 rendered fixture PDFs, 49 A4 pages, 2 cores):
PDFium gives the text of all pages in 0.23 s, and every character with its box in 0.30 s;
pdfplumber (pdfminer) takes 7.1 s for the same text and 9.2 s to find and read the tables.
pdfplumber's ruled-table finder is right on every table of the fixtures (cells, rows, a
header row repeated on each page), where PDFium's own line order interleaves the columns of a
row ("Sở Y tế Sở Nội vụ, Sở Tài"). So PDFium reads, pdfplumber only finds table grids, on pages
with at least three path objects: tables cost about 0.2 s a page, and only where there are
tables. (PyMuPDF would do both, but is AGPL.)
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from policygraph.errors import InputError
from policygraph.loaders import Loader
from policygraph.loaders.ocr import ocr_pages
from policygraph.loaders.record import SourceText

# PDFium is not thread-safe: one document at a time in this process.
_PDFIUM_LOCK = threading.Lock()

MIN_TEXT_CHARS = 20  # fewer letters than this on a page with a picture: the page is a scan
MIN_PICTURE_SHARE = 0.3  # of the page area, for a picture to be a scanned page
MIN_TABLE_PATHS = 3  # path objects a page draws before its tables are looked for
OCR_DPI_RANGE = (150, 400)
_PAGE_NUMBER = re.compile(r"^(?:trang\s*)?[-–—(]?\s*\d{1,4}\s*(?:/\s*\d{1,4})?\s*[-–—)]?$", re.I)
_BLOCK_START = re.compile(r"^(?:[-–—•+*]\s|\(?[a-zđ]\)\s|\(?\d+(?:\.\d+)*[.)]\s|[IVXLC]+\.\s)")
_TERMINAL = (".", ";", ":", "!", "?", "…")


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    index: int

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Line:
    chars: list[_Char]  # emptied once the page's tables are filled, to keep long documents small
    size: float
    text: str = ""
    x0: float = 0.0
    x1: float = 0.0
    y0: float = 0.0  # bottom (PDF coordinates grow upwards)
    y1: float = 0.0
    first_word: float = 0.0  # width of the line's first word

    def __post_init__(self) -> None:
        self.text = "".join(c.text for c in self.chars).strip()
        ink = [c for c in self.chars if c.text.strip()] or self.chars
        self.x0 = min(c.x0 for c in ink)
        self.x1 = max(c.x1 for c in ink)
        self.y0 = min(c.y0 for c in ink)
        self.y1 = max(c.y1 for c in ink)
        start = next((k for k, c in enumerate(self.chars) if c.text.strip()), None)
        if start is not None:
            end = start
            while end + 1 < len(self.chars) and self.chars[end + 1].text.strip():
                end += 1
            self.first_word = self.chars[end].x1 - self.chars[start].x0


@dataclass
class _Table:
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF coordinates
    rows: list[list[tuple[float, float, float, float] | None]]
    texts: list[list[str | None]] = field(default_factory=list)

    def contains(self, line: _Line) -> bool:
        x0, y0, x1, y1 = self.bbox
        cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
        return x0 - 1 <= cx <= x1 + 1 and y0 - 1 <= cy <= y1 + 1


@dataclass
class _Page:
    items: list[_Line | _Table]
    width: float = 0.0
    ocr_text: str | None = None


# ---------------------------------------------------------------------------- text layer


def _lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    """The page's lines in PDFium's reading order, each with its characters and their boxes."""
    lines: list[_Line] = []
    current: list[_Char] = []
    sizes: list[float] = []
    raw = textpage.raw
    last_box = (0.0, 0.0, 0.0, 0.0)

    def close() -> None:
        if any(c.text.strip() for c in current):
            lines.append(_Line(list(current), median(sizes) if sizes else 10.0))
        current.clear()
        sizes.clear()

    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in (0x0D, 0x0A):
            close()
            continue
        if code == 0x02:
            code = 0x2D  # PDFium's mark for a hyphen that ends a line: keep it as a hyphen
        if 0xD800 <= code <= 0xDFFF or code < 0x20 and code != 0x09:
            continue  # lone surrogates and control characters
        ch = chr(code)
        generated = pdfium_c.FPDFText_IsGenerated(raw, i) == 1
        box = last_box if generated else textpage.get_charbox(i)
        left, bottom, right, top = box
        last_box = (right, bottom, right, top)
        current.append(_Char(ch, left, bottom, right, top, i))
        if ch.strip() and not generated:
            sizes.append(pdfium_c.FPDFText_GetFontSize(raw, i))
    close()
    return lines


def _picture_share(page: pdfium.PdfPage) -> tuple[float, float]:
    """The share of the page the largest picture covers, and that picture's resolution in dpi."""
    width, height = page.get_size()
    best, dpi = 0.0, 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        share = max(0.0, right - left) * max(0.0, top - bottom) / (width * height)
        if share > best:
            best = share
            try:
                pixels, _ = obj.get_px_size()
                dpi = pixels / max(1.0, (right - left) / 72)
            except (AttributeError, pdfium.PdfiumError):
                dpi = 0.0
    return best, dpi


def _path_count(page: pdfium.PdfPage) -> int:
    return sum(1 for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2))


# -------------------------------------------------------------------------------- tables


def _find_tables(plumber_page: Any, page_height: float) -> list[_Table]:
    """Ruled tables of a page (two rows and two columns at least), in PDF coordinates.

    A row cut by a page break is drawn open (no rule under its first part, none over the rest):
    the ends of the vertical rules close it, so that its cells are found on both pages."""
    verticals = [e for e in plumber_page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 5]
    closing: list[dict[str, Any]] = []
    if verticals:
        x0 = min(e["x0"] for e in verticals)
        x1 = max(e["x1"] for e in verticals)
        for y in (min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)):
            closing.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0,
                            "object_type": "line"})  # fmt: skip
    settings = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "explicit_horizontal_lines": closing}
    tables: list[_Table] = []
    for found in plumber_page.find_tables(settings):
        rows = []
        for row in found.rows:
            rows.append(
                [None if c is None else (c[0], page_height - c[3], c[2], page_height - c[1]) for c in row.cells]
            )
        if len(rows) < 2 or max(sum(c is not None for c in r) for r in rows) < 2:
            continue
        x0, top, x1, bottom = found.bbox
        tables.append(_Table((x0, page_height - bottom, x1, page_height - top), rows))
    return tables


def _fill(table: _Table, lines: list[_Line]) -> None:
    """Each cell's text from the characters whose centre falls in it, line by line, joined by spaces."""
    cells = [(r, k, box) for r, row in enumerate(table.rows) for k, box in enumerate(row) if box is not None]
    pieces: dict[tuple[int, int], list[str]] = {}
    for line in lines:
        owner: tuple[int, int] | None = None
        per_cell: dict[tuple[int, int], list[str]] = {}
        for ch in line.chars:
            if ch.text.strip():
                owner = next(
                    ((r, k) for r, k, (x0, y0, x1, y1) in cells if x0 <= ch.cx <= x1 and y0 <= ch.cy <= y1),
                    None,
                )
            if owner is not None:
                per_cell.setdefault(owner, []).append(ch.text)
        for key, chars in per_cell.items():
            segment = "".join(chars).strip()
            if segment:
                pieces.setdefault(key, []).append(segment)
    table.texts = [
        [None if box is None else _join_segments(pieces.get((r, k), [])) for k, box in enumerate(row)]
        for r, row in enumerate(table.rows)
    ]


def _join_segments(segments: list[str]) -> str:
    out = ""
    for seg in segments:
        if not out:
            out = seg
        elif re.search(r"\w-$", out):
            out += seg  # a word or number broken at its hyphen: "229-" + "KH/TU"
        else:
            out += " " + seg
    return re.sub(r"[ \u00a0]+", " ", out).strip()


def _row_lines(table: _Table) -> list[str]:
    """One line per row, cells separated by tabs; a row that is one spanning cell is a plain line."""
    out: list[str] = []
    for row in table.texts:
        present = [c for c in row if c is not None]
        if not any(present):
            continue
        if len(present) == 1:
            out.append(present[0] or "")
        else:
            out.append("\t".join(c or "" for c in row))
    return out


# ------------------------------------------------------------------------------- assembly


def _wrapped(prev: _Line, nxt: _Line, left: float, right: float, same_page: bool) -> bool:
    """``nxt`` continues ``prev``'s paragraph: the typesetter wrapped ``prev`` because the first
    word of ``nxt`` would not fit at its end (and nothing says a new block starts)."""
    if prev.text.endswith(_TERMINAL) or prev.text.isupper() or nxt.text.isupper():
        return False
    if _BLOCK_START.match(nxt.text) or _PAGE_NUMBER.match(nxt.text):
        return False
    if abs(prev.size - nxt.size) > 1.5:
        return False
    if nxt.x0 > left + 1.5 * nxt.size:
        return False  # indented: a new paragraph, or a centred line
    if same_page and not 0 < prev.y0 - nxt.y0 < 1.6 * max(prev.size, nxt.size):
        return False
    space = 0.28 * prev.size
    return prev.x1 + space + nxt.first_word > right + 0.5


def _is_margin_number(line: _Line, height: float) -> bool:
    return bool(_PAGE_NUMBER.match(line.text)) and (line.y0 > 0.9 * height or line.y1 < 0.1 * height)


def _join_split_rows(pages: list[_Page]) -> None:
    """A table row cut by a page break goes on at the top of the next page in a row with no
    number: its cells are appended to the row it started."""
    for before, after in zip(pages, pages[1:], strict=False):
        if not before.items or not after.items:
            continue
        last, first = before.items[-1], after.items[0]
        if not (isinstance(last, _Table) and isinstance(first, _Table) and last.texts and first.texts):
            continue
        tail, head = last.texts[-1], first.texts[0]
        if len(tail) != len(head) or (head[0] or "").strip() or not any(head[1:]):
            continue
        last.texts[-1] = [
            _join_segments([a or "", b or ""]) if a is not None else b for a, b in zip(tail, head, strict=True)
        ]
        first.texts = first.texts[1:]
        first.rows = first.rows[1:]


def _assemble(pages: list[_Page]) -> SourceText:
    """The document's text and page offsets from its pages' lines, tables and OCR text."""
    _join_split_rows(pages)
    # The text block's edges, per page size: a landscape appendix page has a wider block.
    edges: dict[int, tuple[float, float]] = {}
    for size in {round(p.width) for p in pages}:
        body = [
            i for p in pages if round(p.width) == size for i in p.items if isinstance(i, _Line) and len(i.text) >= 30
        ]
        edges[size] = (min((i.x0 for i in body), default=0.0), max((i.x1 for i in body), default=0.0))
    buffer = io.StringIO()
    starts: list[int] = []
    prev: _Line | None = None  # the last line written, while nothing else came after it
    prev_page = -1
    for number, page in enumerate(pages):
        page_start: int | None = None
        left, right = edges[round(page.width)]
        if page.ocr_text is not None:
            if buffer.tell():
                buffer.write("\n\n")
            page_start = buffer.tell()
            buffer.write(page.ocr_text.strip("\n"))
            prev = None
        for item in page.items:
            if isinstance(item, _Table):
                rows = _row_lines(item)
                if not rows:
                    continue
                if buffer.tell():
                    buffer.write("\n")
                if page_start is None:
                    page_start = buffer.tell()
                buffer.write("\n".join(rows))
                prev = None
                continue
            if prev is not None and _wrapped(prev, item, left, right, prev_page == number):
                buffer.write("" if re.search(r"\w-$", prev.text) else " ")
            elif prev is not None and prev_page == number and prev.y0 - item.y0 > 1.6 * max(prev.size, item.size):
                buffer.write("\n\n")
            elif buffer.tell():
                buffer.write("\n")
            if page_start is None:
                page_start = buffer.tell()
            buffer.write(item.text)
            prev, prev_page = item, number
        starts.append(buffer.tell() if page_start is None else page_start)
    text = buffer.getvalue() + "\n"
    return SourceText(text, tuple(starts))


# --------------------------------------------------------------------------------- reading


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            raise InputError("encrypted PDF: it needs a password to open", source=source) from None
        raise InputError(f"damaged or unreadable PDF ({exc})", source=source) from None


def _read(data: bytes, *, source: str) -> SourceText:
    with _PDFIUM_LOCK:
        document = _open(data, source)
        try:
            return _read_document(document, data, source)
        finally:
            document.close()


def _read_document(document: pdfium.PdfDocument, data: bytes, source: str) -> SourceText:
    pages: list[_Page] = []
    scans: list[tuple[int, float]] = []
    plumber: Any = None
    try:
        for number in range(len(document)):
            try:
                page = document[number]
            except pdfium.PdfiumError as exc:
                raise InputError(f"damaged PDF: page {number + 1} cannot be read ({exc})", source=source) from None
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    lines = [ln for ln in _lines(textpage) if not _is_margin_number(ln, height)]
                finally:
                    textpage.close()
                letters = sum(ch.isalpha() for ln in lines for ch in ln.text)
                if letters < MIN_TEXT_CHARS:
                    share, dpi = _picture_share(page)
                    if share >= MIN_PICTURE_SHARE:
                        pages.append(_Page([], width, ocr_text=""))
                        scans.append((number, dpi))
                        continue
                tables: list[_Table] = []
                if _path_count(page) >= MIN_TABLE_PATHS:
                    try:
                        if plumber is None:
                            import pdfplumber

                            plumber = pdfplumber.open(io.BytesIO(data))
                        tables = _find_tables(plumber.pages[number], height)
                    except Exception:  # pdfminer raises errors of many kinds on odd PDFs
                        tables = []  # tables are a refinement: the page's text is read all the same
                pages.append(_Page(_place(lines, tables), width))
            finally:
                page.close()
    finally:
        if plumber is not None:
            plumber.close()
    if scans:
        texts = ocr_pages(_renderers(document, scans), dpi=_ocr_dpi(scans), source=source)
        for (number, _dpi), text in zip(scans, texts, strict=True):
            pages[number].ocr_text = text
    if not any(p.items or (p.ocr_text or "").strip() for p in pages):
        raise InputError("no text in the PDF (no text layer, and no page reads as a scan)", source=source)
    return _assemble(pages)


def _place(lines: list[_Line], tables: list[_Table]) -> list[_Line | _Table]:
    """Lines in reading order with each table in place of the lines inside it."""
    items: list[_Line | _Table] = []
    inside: dict[int, list[_Line]] = {id(t): [] for t in tables}
    placed: set[int] = set()
    for line in lines:
        table = next((t for t in tables if t.contains(line)), None)
        if table is None:
            items.append(line)
            continue
        inside[id(table)].append(line)
        if id(table) not in placed:
            placed.add(id(table))
            items.append(table)
    for table in tables:
        _fill(table, inside[id(table)])
    for line in lines:
        line.chars = []
    return [i for i in items if not isinstance(i, _Table) or any(any(c for c in row if c) for row in i.texts)]


def _ocr_dpi(scans: list[tuple[int, float]]) -> int:
    known = [dpi for _, dpi in scans if dpi > 0]
    dpi = median(known) if known else 300
    return int(min(max(dpi, OCR_DPI_RANGE[0]), OCR_DPI_RANGE[1]))


def _renderers(document: pdfium.PdfDocument, scans: list[tuple[int, float]]) -> Iterator[Callable[[], Any]]:
    """A function per scanned page that renders it; ``ocr_pages`` calls them in this thread,
    which holds the PDFium lock, never in its workers."""
    dpi = _ocr_dpi(scans)
    for number, _ in scans:

        def render(number: int = number) -> Any:
            page = document[number]
            try:
                return page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()

        yield render


def _sniff(head: bytes) -> bool:
    # The header may follow a little junk (some mail gateways prepend a line).
    return b"%PDF-" in head[:1024]


LOADER = Loader(name="pdf", sniff=_sniff, read=_read, priority=10)
