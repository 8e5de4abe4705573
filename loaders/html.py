"""HTML as legal portals publish it: the document in the middle of menus, banners and footers.

Parsed with lxml (libxml2's HTML parser): it is fast, recovers from the broken markup portals
serve (unclosed ``<p>`` and ``<td>``, stray tags), decodes every entity, and gives a tree, which
boilerplate removal needs (a block is judged by its tag, its id and class, and how much of its
text sits in links). Dropped: ``script``, ``style``, forms and embedded objects; ``nav``,
``aside`` and page-level ``header``/``footer``; blocks whose id or class names a menu, a
breadcrumb, a sidebar, a footer, a banner, a share bar or related documents; and any block of
three links or more whose text is mostly link text. The walk over the tree is iterative, so
deep nesting cannot exhaust Python's stack; libxml2 itself stops building the tree 2048 levels
down, and a page that deep is read instead by a flat pass over the standard library's HTML
tokenizer (no tree, so no limit), which keeps the text, line breaks and table rows.

Blocks (``p``, ``div``, headings, list items, ``br``) end lines. A data table (three columns or
more, or two columns and four rows or more) gives one line per row, cells separated by tabs and
a cell's own line breaks joined by spaces; a layout table (the two-column header of an official
document) gives its cells' lines one after another.
"""

from __future__ import annotations

import codecs
import html.parser
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.etree as etree
import lxml.html

from policygraph.errors import InputError
from policygraph.loaders import Loader, legacy
from policygraph.loaders.decode import decode, utf16_without_bom

_DROP_TAGS = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "nav", "aside", "form",
    "button", "select", "option", "input", "textarea", "iframe", "svg", "canvas", "object", "embed",
    "audio", "video", "map", "dialog",
}  # fmt: skip
_PAGE_PARTS = {"header", "footer"}  # dropped unless inside the document (article, main)
_BOILERPLATE = re.compile(
    r"(?:^|[-_ ])(?:menu|menubar|nav|navbar|navigation|breadcrumbs?|sidebar|side-bar|footer|banner|share|"
    r"social|cookie|advert|ads|popup|modal|related|lienquan|login|search|toolbar|topbar|copyright|comment)"
    r"(?:$|[-_ \d])",
    re.I,
)
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl",
    "dt", "dd", "blockquote", "pre", "address", "figure", "figcaption", "center", "hr", "body", "html",
    "header", "footer", "caption", "tbody", "thead", "tfoot",
}  # fmt: skip
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source", "track", "param"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)""", re.I)
_SNIFF = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)


# -------------------------------------------------------------------------------- decoding


def _declared(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode(data: bytes, source: str) -> tuple[str, str | None]:
    """The page as text: a byte-order mark, then the declared charset, then what decode() tells.
    A page declared Latin-1 or Windows-1252 whose letters are TCVN3 or VNI (old portals set
    their fonts to .VnTime and declared nothing truer) is read in that code. Returns the text
    and the legacy code it was in, if any."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                break
    declared = _declared(data)
    if declared is not None:
        try:
            text = unicodedata.normalize("NFC", data.decode(declared))
        except UnicodeDecodeError:
            text = None
        if text is not None:
            if declared in ("latin-1", "iso8859-1", "cp1252") and not legacy.reads_as_vietnamese(text):
                guessed = legacy.guess(data, capitals=False)
                if guessed is not None:
                    return guessed
            return text, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        guessed = legacy.guess(data, capitals=False)
        if guessed is not None:
            return guessed
    text, _encoding = decode(data, source=source)
    return text, None


# ------------------------------------------------------------------------- text building


@dataclass
class _Cell:
    lines: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)


@dataclass
class _TableState:
    rows: list[list[_Cell]] = field(default_factory=list)
    cell: _Cell | None = None


class _Builder:
    """Turns start/end/text events into lines: one builder for the tree walk and the flat pass."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.tables: list[_TableState] = []
        self.pre = 0

    # Where text goes: the innermost open table cell, or the page.
    def _target(self) -> tuple[list[str], list[str]]:
        # Stray text in a table outside any cell goes where a browser puts it: outside the table.
        for table in reversed(self.tables):
            if table.cell is not None:
                return table.cell.lines, table.cell.current
        return self.lines, self.current

    def text(self, data: str) -> None:
        if not data:
            return
        _, current = self._target()
        if self.pre:
            parts = data.split("\n")
            current.append(parts[0])
            for part in parts[1:]:
                self.newline()
                self._target()[1].append(part)
            return
        current.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def newline(self) -> None:
        lines, current = self._target()
        line = re.sub(r" +", " ", "".join(current).replace("\u00a0", " ")).strip()
        current.clear()
        if line:
            lines.append(line)

    def start(self, tag: str) -> None:
        if tag == "br":
            self.newline()
        elif tag == "table":
            self.newline()
            self.tables.append(_TableState())
        elif tag == "tr" and self.tables:
            self._close_cell()
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self.tables:
            self._close_cell()
            table = self.tables[-1]
            if not table.rows:
                table.rows.append([])
            table.cell = _Cell()
            table.rows[-1].append(table.cell)
        elif tag == "pre":
            self.newline()
            self.pre += 1
        elif tag in _BLOCK_TAGS:
            self.newline()

    def end(self, tag: str) -> None:
        if tag == "table" and self.tables:
            self._close_cell()
            table = self.tables.pop()
            rows = [[_cell_lines(c) for c in row] for row in table.rows]
            lines, current = self._target()
            if current:
                self.newline()
            if self.tables and self.tables[-1].cell is not None:
                # A table inside a cell: its rows become lines of that cell.
                lines.extend(" ".join(" ".join(c) for c in row if c).strip() for row in rows)
            else:
                lines.extend(_table_lines(rows))
        elif tag in ("td", "th") and self.tables:
            self._close_cell()
        elif tag == "pre":
            self.newline()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCK_TAGS:
            self.newline()

    def _close_cell(self) -> None:
        table = self.tables[-1]
        if table.cell is not None:
            self.newline()
            table.cell = None

    def finish(self) -> str:
        while self.tables:
            self.end("table")
        self.newline()
        return "\n".join(self.lines)


def _cell_lines(cell: _Cell) -> list[str]:
    tail = re.sub(r" +", " ", "".join(cell.current).replace("\u00a0", " ")).strip()
    return [*cell.lines, tail] if tail else list(cell.lines)


def _table_lines(rows: list[list[list[str]]]) -> list[str]:
    """A data table as tab-separated rows; a layout table as its cells' lines."""
    rows = [row for row in rows if any(row)]
    widest = max((sum(1 for c in row if c) for row in rows), default=0)
    columns = max((len(row) for row in rows), default=0)
    if widest >= 3 or (columns >= 2 and len(rows) >= 4):
        out = []
        for row in rows:
            cells = [" ".join(c).replace("\t", " ") for c in row]
            filled = [c for c in cells if c]
            out.append(filled[0] if len(filled) == 1 and len(cells) > 1 and cells[0] == filled[0] else "\t".join(cells))
        return out
    return [line for row in rows for cell in row for line in cell]


# ------------------------------------------------------------------------------ the tree


def _classes(el: etree._Element) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''} {el.get('role') or ''}".strip()


def _link_share(el: etree._Element) -> tuple[int, float]:
    """Links under ``el`` and the share of its text that is link text."""
    links = 0
    linked = 0
    for a in el.iter("a"):
        links += 1
        linked += len("".join(a.itertext()).strip())
    total = len("".join(el.itertext()).strip())
    return links, (linked / total if total else 0.0)


def _in_document(el: etree._Element) -> bool:
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _is_boilerplate(el: etree._Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _DROP_TAGS:
        return True
    if tag in _PAGE_PARTS and not _in_document(el):
        return True
    if tag in ("html", "body", "article", "main"):
        return False
    names = _classes(el)
    if names and _BOILERPLATE.search(names):
        return True
    if names and re.search(r"(?:^|[-_ ])header(?:$|[-_ ])", names, re.I):
        links, share = _link_share(el)
        if links >= 2 and share >= 0.3:
            return True  # a page header with the site's menu, not a document's header table
    if tag in ("div", "ul", "ol", "table", "section", "dl", "p", "td"):
        links, share = _link_share(el)
        if links >= 3 and share >= 0.6:
            return True
    return False


def _walk(root: etree._Element) -> Iterator[tuple[str, str]]:
    """("start", tag), ("text", data) and ("end", tag) events over the tree, boilerplate left out."""
    stack: list[tuple[etree._Element, Iterator[etree._Element]]] = []
    yield from _enter(root, stack)
    while stack:
        el, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            yield "end", el.tag if isinstance(el.tag, str) else ""
            if el.tail:
                yield "text", el.tail
            continue
        if not isinstance(child.tag, str) or _is_boilerplate(child):
            if child.tail:
                yield "text", child.tail
            continue
        yield from _enter(child, stack)


def _enter(
    el: etree._Element, stack: list[tuple[etree._Element, Iterator[etree._Element]]]
) -> Iterator[tuple[str, str]]:
    yield "start", el.tag
    if el.text:
        yield "text", el.text
    stack.append((el, iter(el)))


# ------------------------------------------------------------------------ the flat pass


class _Flat(html.parser.HTMLParser):
    """Events straight from the tokenizer, for pages too deep for a tree: the skipped elements are
    tracked by a count of open ones, class-named boilerplate by the depth it opened at."""

    def __init__(self, builder: _Builder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.skip_tags: dict[str, int] = {}
        self.skip_at: int | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if not self._skipping():
                self.builder.start(tag)
            return
        self.depth += 1
        if tag == "body":
            self.skip_tags.clear()  # an unclosed head or title must not swallow the page
            self.skip_at = None
        names = " ".join(v or "" for k, v in attrs if k in ("id", "class", "role"))
        if tag in _DROP_TAGS or tag in _PAGE_PARTS:
            self.skip_tags[tag] = self.skip_tags.get(tag, 0) + 1
        elif self.skip_at is None and names and _BOILERPLATE.search(names):
            self.skip_at = self.depth
        if not self._skipping():
            self.builder.start(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self._skipping():
            self.builder.end(tag)
        if self.skip_tags.get(tag):
            self.skip_tags[tag] -= 1
        if self.skip_at is not None and self.depth <= self.skip_at:
            self.skip_at = None
        self.depth = max(0, self.depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.builder.text(data)

    def _skipping(self) -> bool:
        return self.skip_at is not None or any(self.skip_tags.values())


# --------------------------------------------------------------------------------- reading


def read_html(data: bytes, *, source: str) -> str:
    """The document's text from an HTML page (see the module docstring)."""
    page, code = _decode(data, source)
    builder = _Builder()
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(page.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    too_deep = any("Excessive depth" in e.message for e in parser.error_log)
    if root is None or too_deep:
        flat = _Flat(builder)
        flat.feed(page)
        flat.close()
    else:
        for kind, value in _walk(root):
            if kind == "start":
                builder.start(value)
            elif kind == "end":
                builder.end(value)
            else:
                builder.text(value)
    text = builder.finish()
    # Windows-1252 numeric references (&#150;) come through as C1 controls: read them as 1252.
    text = re.sub(r"[\x80-\x9f]", lambda m: m.group().encode("latin-1").decode("cp1252", "replace"), text)
    text = unicodedata.normalize("NFC", text).strip()
    if code == "tcvn3":
        text = legacy.restore_capitals(text)  # now that the markup is gone, lines are lines
    if not text:
        raise InputError("the HTML page has no text outside menus, scripts and footers", source=source)
    return text + "\n"


def _sniff(head: bytes) -> bool:
    start = head[:4096]
    wide = "utf-16" if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else utf16_without_bom(start)
    if wide:
        start = start.decode(wide, "ignore").encode("ascii", "ignore")
    return bool(_SNIFF.search(start))


LOADER = Loader(name="html", sniff=_sniff, read=read_html, priority=5)
