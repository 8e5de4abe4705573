"""Word documents: DOCX read with python-docx; Word 97-2003 ``.doc`` converted by LibreOffice.

The body is read in order. A paragraph is one line, with the number Word draws for a numbered
list item ("1.", "a)", "II.") put back in front, since the plan's structure lives in those
numbers; a tab inside a paragraph (how clerks align the header) becomes spaces, since a tab
means a table cell to the extractor. A data table (three columns or more, or two columns and
four rows or more) gives one line per row, cells separated by tabs, a cell's paragraphs and line
breaks joined by spaces; a layout table (the two-column header, the signature block) gives its
cells' paragraphs as lines, cell after cell. A footnote is marked "(n)" where it is cited and
its text follows the citing paragraph as "(n) text"; endnotes come at the end. Deleted text of
tracked changes, field codes and the fallback copy of text boxes are skipped.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from policygraph.errors import InputError
from policygraph.loaders import Loader

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
SOFFICE_HINT = "apt-get install libreoffice-writer"
CONVERT_TIMEOUT = 180


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# ------------------------------------------------------------------------------- numbering


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(fmt: str, n: int) -> str:
    if fmt == "lowerLetter":
        return _letter(n)
    if fmt == "upperLetter":
        return _letter(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "none":
        return ""
    return str(n)  # decimal and everything else drawn as figures


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    """List numbers as Word draws them: counters per list and level, lower levels restarting."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # numId -> ilvl -> level
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)  # paragraph style -> numId, ilvl

    @classmethod
    def read(cls, document: Any) -> _Numbering:
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            abstract: dict[str, dict[int, _Level]] = {}
            for a in root.iterchildren(_w("abstractNum")):
                levels: dict[int, _Level] = {}
                for lvl in a.iterchildren(_w("lvl")):
                    levels[int(lvl.get(_w("ilvl"), "0"))] = _level(lvl)
                abstract[a.get(_w("abstractNumId"), "")] = levels
            for num in root.iterchildren(_w("num")):
                ref = num.find(_w("abstractNumId"))
                levels = dict(abstract.get(ref.get(_w("val"), "") if ref is not None else "", {}))
                for override in num.iterchildren(_w("lvlOverride")):
                    ilvl = int(override.get(_w("ilvl"), "0"))
                    lvl = override.find(_w("lvl"))
                    if lvl is not None:
                        levels[ilvl] = _level(lvl)
                    start = override.find(_w("startOverride"))
                    if start is not None and ilvl in levels:
                        base = levels[ilvl]
                        levels[ilvl] = _Level(base.fmt, base.text, int(start.get(_w("val"), "1")))
                numbering.levels[num.get(_w("numId"), "")] = levels
        try:
            styles = document.part.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            styles = None
        if styles is not None:
            for style in styles.iterchildren(_w("style")):
                num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
                if num_pr is not None:
                    num_id = num_pr.find(_w("numId"))
                    ilvl = num_pr.find(_w("ilvl"))
                    if num_id is not None:
                        numbering.style_num[style.get(_w("styleId"), "")] = (
                            num_id.get(_w("val"), ""),
                            int(ilvl.get(_w("val"), "0")) if ilvl is not None else 0,
                        )
        return numbering

    def label(self, p: Any) -> str:
        """The number Word draws before paragraph ``p``, or ""."""
        ppr = p.find(_w("pPr"))
        num_id: str | None = None
        ilvl = 0
        if ppr is not None:
            num_pr = ppr.find(_w("numPr"))
            style = ppr.find(_w("pStyle"))
            if num_pr is not None:
                nid = num_pr.find(_w("numId"))
                lvl = num_pr.find(_w("ilvl"))
                num_id = nid.get(_w("val")) if nid is not None else None
                ilvl = int(lvl.get(_w("val"), "0")) if lvl is not None else 0
            elif style is not None and style.get(_w("val"), "") in self.style_num:
                num_id, ilvl = self.style_num[style.get(_w("val"), "")]
        if not num_id or num_id == "0" or num_id not in self.levels:
            return ""
        levels = self.levels[num_id]
        level = levels.get(ilvl)
        if level is None:
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if level.fmt == "bullet":
            return "-"

        def figure(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lv = levels.get(k, _Level())
            return _format(lv.fmt, counts.get(k, lv.start))

        return re.sub(r"%(\d)", figure, level.text).strip()


def _level(lvl: Any) -> _Level:
    def val(tag: str, default: str) -> str:
        el = lvl.find(_w(tag))
        return el.get(_w("val"), default) if el is not None else default

    return _Level(val("numFmt", "decimal"), val("lvlText", "%1."), int(val("start", "1") or 1))


# ------------------------------------------------------------------------------------ text


@dataclass
class _Reader:
    numbering: _Numbering
    notes: dict[str, dict[str, str]]  # "footnote" / "endnote" -> id -> text
    marks: dict[tuple[str, str], int] = field(default_factory=dict)
    endnotes: list[str] = field(default_factory=list)

    def inline(self, p: Any, pending: list[str], boxes: list[Any]) -> str:
        """A paragraph's text; footnotes it cites go to ``pending``, text boxes to ``boxes``."""
        out: list[str] = []
        stack = [iter([p])]
        while stack:
            el = next(stack[-1], None)
            if el is None:
                stack.pop()
                continue
            tag = el.tag if isinstance(el.tag, str) else ""
            local = etree.QName(tag).localname if tag else ""
            if tag == _w("t"):
                out.append(el.text or "")
            elif tag == _w("tab") and etree.QName(el.getparent().tag).localname == "r":
                out.append("    ")  # a tab in running text aligns; a tab would mean a table cell
            elif tag in (_w("br"), _w("cr")):
                out.append("\n")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            elif tag == _w("sym"):
                try:
                    code = int(el.get(_w("char"), "20"), 16)
                except ValueError:
                    code = 0x20
                if not 0xE000 <= code <= 0xF8FF:  # a symbol font's private codes (bullets) mean nothing
                    out.append(chr(code))
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                kind = "footnote" if tag == _w("footnoteReference") else "endnote"
                note_id = el.get(_w("id"), "")
                # Word numbers footnotes and endnotes each in their own sequence.
                same_kind = sum(1 for k, _ in self.marks if k == kind)
                number = self.marks.setdefault((kind, note_id), same_kind + 1)
                out.append(f"({number})")
                text = self.notes.get(kind, {}).get(note_id, "")
                if text:
                    (pending if kind == "footnote" else self.endnotes).append(f"({number}) {text}")
            elif tag == _w("txbxContent"):
                boxes.append(el)
            elif tag in (_w("del"), _w("delText"), _w("instrText"), _w("pPr"), _w("rPr")) or (
                tag == f"{{{MC}}}Fallback"
            ):
                continue  # deleted text, field codes, properties, and the second copy of a text box
            elif local and len(el):
                stack.append(iter(el))
        return "".join(out)

    def paragraph(self, p: Any) -> list[str]:
        pending: list[str] = []
        boxes: list[Any] = []
        text = self.inline(p, pending, boxes)
        label = self.numbering.label(p)
        lines = [ln.strip() for ln in text.split("\n")]
        if label:
            # Word draws the number even before an empty paragraph (a table's numbered TT column).
            lines[0] = f"{label} {lines[0]}".strip() if lines else label
        lines = [ln for ln in lines if ln] or [""]
        for box in boxes:
            lines.extend(self.blocks(box))
        lines.extend(pending)
        return lines

    def cell_text(self, tc: Any) -> str:
        parts: list[str] = []
        for line in self.blocks(tc, in_cell=True):
            if line:
                parts.append(line.replace("\t", " "))
        text = re.sub(r"\s+", " ", " ".join(parts)).strip()
        bare = re.fullmatch(r"(\d+)[.)]", text)
        return bare.group(1) if bare else text  # an auto-numbered row number, "1." drawn, is row 1

    def table(self, tbl: Any, *, in_cell: bool) -> list[str]:
        rows: list[list[str]] = []
        for tr in tbl.iterchildren(_w("tr")):
            cells: list[str] = []
            for tc in tr.iterchildren(_w("tc")):
                merged = tc.find(f"{_w('tcPr')}/{_w('vMerge')}")
                if merged is not None and merged.get(_w("val"), "continue") == "continue":
                    cells.append("")  # the lower part of a vertically merged cell
                else:
                    cells.append(self.cell_text(tc))
            rows.append(cells)
        if in_cell:
            return [" ".join(c for c in row if c) for row in rows]
        widest = max((sum(1 for c in row if c) for row in rows), default=0)
        columns = max((len(row) for row in rows), default=0)
        if widest >= 3 or (columns >= 2 and len(rows) >= 4):
            out = []
            for row in rows:
                filled = [c for c in row if c]
                if not filled:
                    continue
                out.append(filled[0] if len(filled) == 1 and len(row) > 1 and row[0] == filled[0] else "\t".join(row))
            return out
        # A layout table: its cells' paragraphs as lines, cell after cell.
        out = []
        for tr in tbl.iterchildren(_w("tr")):
            for tc in tr.iterchildren(_w("tc")):
                out.extend(line for line in self.blocks(tc) if line)
        return out

    def blocks(self, parent: Any, *, in_cell: bool = False) -> list[str]:
        lines: list[str] = []
        for el in _block_children(parent):
            if el.tag == _w("p"):
                lines.extend(self.paragraph(el))
            elif el.tag == _w("tbl"):
                lines.extend(self.table(el, in_cell=in_cell))
        return lines


def _block_children(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables under ``parent``, through content controls and custom XML."""
    for el in parent.iterchildren():
        if el.tag in (_w("p"), _w("tbl")):
            yield el
        elif el.tag in (_w("sdt"), _w("customXml")):
            content = el.find(_w("sdtContent")) if el.tag == _w("sdt") else el
            if content is not None:
                yield from _block_children(content)


def _notes(document: Any, reltype: str, tag: str) -> dict[str, str]:
    """Footnote or endnote texts by id (the separator notes left out)."""
    for rel in document.part.rels.values():
        if rel.reltype != reltype or rel.is_external:
            continue
        try:
            root = etree.fromstring(rel.target_part.blob, etree.XMLParser(resolve_entities=False, huge_tree=True))
        except etree.XMLSyntaxError:
            return {}
        notes: dict[str, str] = {}
        for note in root.iterchildren(_w(tag)):
            if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = " ".join("".join(t.text or "" for t in p.iter(_w("t"))) for p in note.iter(_w("p")))
            notes[note.get(_w("id"), "")] = re.sub(r"\s+", " ", text).strip()
        return notes
    return {}


def read_docx(data: bytes, *, source: str) -> str:
    """The text of a DOCX (see the module docstring)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise InputError(f"damaged or unreadable Word document ({exc})", source=source) from None
    reader = _Reader(
        _Numbering.read(document),
        {"footnote": _notes(document, _FOOTNOTES, "footnote"), "endnote": _notes(document, _ENDNOTES, "endnote")},
    )
    lines = reader.blocks(document.element.body)
    if reader.endnotes:
        lines += ["", *reader.endnotes]
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise InputError("the Word document has no text", source=source)
    return text + "\n"


def _sniff_docx(head: bytes) -> bool:
    return (
        head.startswith(b"PK\x03\x04")
        and (b"word/" in head or b"[Content_Types].xml" in head)
        and not any(marker in head for marker in (b"xl/", b"ppt/", b"content.xml"))
    )


def _read_docx(data: bytes, *, source: str) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile as exc:
        raise InputError(f"damaged ZIP archive ({exc})", source=source) from None
    if "word/document.xml" not in names:
        raise InputError("a ZIP archive that is no Word document (no word/document.xml)", source=source)
    return read_docx(data, source=source)


# ----------------------------------------------------------------------------------- .doc


def _sniff_doc(head: bytes) -> bool:
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _read_doc(data: bytes, *, source: str) -> str:
    if "WordDocument".encode("utf-16-le") not in data:
        raise InputError("an OLE2 file that is no Word document (Excel or PowerPoint?)", source=source)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise InputError(
            f"a Word 97-2003 (.doc) file: reading it needs LibreOffice, which is not installed ({SOFFICE_HINT})",
            source=source,
        )
    with tempfile.TemporaryDirectory(prefix="policygraph-doc-") as tmp:
        folder = Path(tmp)
        original = folder / "document.doc"
        original.write_bytes(data)
        # A profile of its own: LibreOffice refuses to start while another instance holds the default one.
        profile = (folder / "profile").as_uri()
        try:
            done = subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    str(folder / "out"),
                    str(original),
                ],  # fmt: skip
                capture_output=True,
                timeout=CONVERT_TIMEOUT,
                env=dict(os.environ, HOME=tmp),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InputError(
                f"LibreOffice did not convert the .doc within {CONVERT_TIMEOUT} s", source=source
            ) from None
        converted = folder / "out" / "document.docx"
        if done.returncode != 0 or not converted.exists():
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(
                f"LibreOffice could not convert the .doc ({reason[-1] if reason else 'no output'})", source=source
            )
        return read_docx(converted.read_bytes(), source=source)


LOADER = Loader(name="docx", sniff=_sniff_docx, read=_read_docx, priority=10)
DOC = Loader(name="doc", sniff=_sniff_doc, read=_read_doc, priority=10)
