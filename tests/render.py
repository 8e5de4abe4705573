"""Render a plan's plain text into the formats plans are published in: the fixtures of test_formats.

Test code, not product code. ``parse`` reads the text into blocks (paragraphs with their bold,
italic and superscript runs from the Markdown some seeds carry; tables from tab-separated
lines; a document header as its two columns); the renderers write a text-layer PDF (reportlab,
DejaVu Sans, appendix tables as ruled tables, page numbers), a scan of that PDF (pages
rasterised at 200 dpi, some turned by a degree or so, with noise), a DOCX (python-docx, tables as
Word tables, a footnote as a real footnote), an HTML page as a legal portal serves it (menu,
breadcrumb, related-documents box, footer, scripts, entities) and TCVN3 or VNI bytes (encoded
independently of the product's tables: TCVN3 through glibc iconv, VNI from its composition rule).
"""

from __future__ import annotations

import html
import io
import random
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TASK_HEADER = ["TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]

# ------------------------------------------------------------------------------------ parsing


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False


@dataclass
class Para:
    runs: list[Run]
    heading: bool = False
    footnote: str | None = None  # a footnote's mark, for the line that gives a footnote's text

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    rows: list[list[str]]


@dataclass
class Header:
    """The two columns above a document's title: issuer and number; national motto and date."""

    left: list[str]
    right: list[str]


@dataclass
class Gap:
    pass


Block = Para | Table | Header | Gap

_INLINE = re.compile(r"(\*\*|<sup>|</sup>|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_FOOTNOTE_LINE = re.compile(r"^<sup>(\(\d+\))</sup>\s*(.*)$")
_KIND = re.compile(r"^(KẾ HOẠCH|CHỈ THỊ|QUYẾT ĐỊNH|CHƯƠNG TRÌNH)\b")


def _runs(line: str) -> list[Run]:
    runs: list[Run] = []
    bold = italic = sup = False
    for piece in _INLINE.split(line):
        if piece == "**":
            bold = not bold
        elif piece == "*":
            italic = not italic
        elif piece == "<sup>":
            sup = True
        elif piece == "</sup>":
            sup = False
        elif piece:
            runs.append(Run(piece, bold, italic, sup))
    return runs


def _header(lines: list[str]) -> Header | None:
    """The header block of the synthetic examples: lines before the kind line, split at the motto."""
    kind = next((i for i, line in enumerate(lines) if _KIND.match(line.strip())), None)
    if kind is None or kind > 12:
        return None
    head = [line.strip() for line in lines[:kind] if line.strip()]
    motto = next((i for i, line in enumerate(head) if line.startswith(("CỘNG HÒA", "ĐẢNG CỘNG SẢN"))), None)
    if motto is None:
        return None
    left, right = head[:motto], head[motto:]
    # The number goes under the issuer, the place and date under the motto.
    for line in list(right):
        if line.startswith("Số"):
            right.remove(line)
            left.append(line)
    return Header(left, right)


def parse(text: str) -> list[Block]:
    """The blocks of a plan's text (the synthetic-example marker comment dropped)."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("<!--")]
    blocks: list[Block] = []
    header = _header(lines)
    i = 0
    if header is not None:
        blocks.append(header)
        i = next(k for k, line in enumerate(lines) if _KIND.match(line.strip()))
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            if blocks and not isinstance(blocks[-1], Gap):
                blocks.append(Gap())
            i += 1
            continue
        if "\t" in line:
            rows: list[list[str]] = []
            while i < len(lines) and "\t" in lines[i]:
                rows.append([cell.strip() for cell in lines[i].split("\t")])
                i += 1
            blocks.append(Table(rows))
            continue
        m = _FOOTNOTE_LINE.match(line.strip())
        if m:
            blocks.append(Para(_runs(m.group(2)), footnote=m.group(1)))
            i += 1
            continue
        heading = bool(re.match(r"^#{1,6}\s", line))
        joined = re.sub(r"^#{1,6}\s+", "", line)
        # A Markdown hard break (two trailing spaces) continues the paragraph on the next line.
        while joined.endswith("  ") and i + 1 < len(lines) and lines[i + 1].strip():
            i += 1
            joined = joined.rstrip() + " " + lines[i].strip()
        blocks.append(Para(_runs(joined.strip()), heading=heading))
        i += 1
    return blocks


# ---------------------------------------------------------------------------------------- PDF


def _fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    if not (FONT_DIR / "DejaVuSans.ttf").exists():
        raise RuntimeError(f"no DejaVu Sans in {FONT_DIR}: apt-get install fonts-dejavu-core")
    # fonts-dejavu-core has the upright faces; the obliques (fonts-dejavu-extra) are used if there.
    faces = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    for name, file in faces.items():
        path = FONT_DIR / file
        if not path.exists():
            path = FONT_DIR / ("DejaVuSans-Bold.ttf" if "Bold" in name else "DejaVuSans.ttf")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping("DejaVuSans", 0, 0, "DejaVuSans")
    addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
    addMapping("DejaVuSans", 0, 1, "DejaVuSans-Oblique")
    addMapping("DejaVuSans", 1, 1, "DejaVuSans-BoldOblique")


def _markup(runs: list[Run]) -> str:
    out = []
    for r in runs:
        piece = html.escape(r.text, quote=False)
        if r.sup:
            piece = f"<super>{piece}</super>"
        if r.italic:
            piece = f"<i>{piece}</i>"
        if r.bold:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


def to_pdf(text: str, path: Path) -> Path:
    """A text-layer PDF: A4, justified paragraphs, ruled tables, page numbers at the foot."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    _fonts()
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=11, leading=14, alignment=TA_JUSTIFY)
    heading = ParagraphStyle("heading", parent=body, fontName="DejaVuSans-Bold", spaceBefore=4)
    cell = ParagraphStyle("cell", fontName="DejaVuSans", fontSize=8.5, leading=10.5)
    head_cell = ParagraphStyle("headcell", parent=cell, fontName="DejaVuSans-Bold", alignment=TA_CENTER)
    centred = ParagraphStyle("centred", parent=body, alignment=TA_CENTER, fontSize=10.5)
    story: list = []
    for block in parse(text):
        if isinstance(block, Gap):
            story.append(Spacer(1, 5))
        elif isinstance(block, Para):
            story.append(Paragraph(_markup(block.runs), heading if block.heading else body))
        elif isinstance(block, Header):
            left = "<br/>".join(html.escape(x) for x in block.left)
            right = "<br/>".join(html.escape(x) for x in block.right)
            t = RLTable([[Paragraph(left, centred), Paragraph(right, centred)]], colWidths=[7 * cm, 10 * cm])
            story.append(t)
            story.append(Spacer(1, 8))
        else:
            widths = [1.0 * cm, 6.6 * cm, 3.4 * cm, 3.6 * cm, 2.4 * cm]
            ncols = max(len(r) for r in block.rows)
            if ncols != len(widths):
                widths = [17 * cm / ncols] * ncols
            rows = [
                [Paragraph(html.escape(c), head_cell if k == 0 and r == TASK_HEADER else cell) for c in r]
                for k, r in enumerate(block.rows)
            ]
            t = RLTable(rows, colWidths=widths, repeatRows=1 if block.rows[0] == TASK_HEADER else 0)
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(t)
            story.append(Spacer(1, 8))

    def page_number(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont("DejaVuSans", 9)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, str(doc.page))

    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm
    )
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return path


def to_scan(pdf: Path, path: Path, *, dpi: int = 200, skews: tuple[float, ...] = (0.0,), seed: int = 0) -> Path:
    """An image-only PDF: each page of ``pdf`` rasterised at ``dpi``, turned by ``skews[page % n]``
    degrees, with speckle noise; no text layer."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops

    rng = random.Random(seed)
    document = pdfium.PdfDocument(str(pdf))
    pages = []
    try:
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            angle = skews[index % len(skews)]
            if angle:
                image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
            noise = Image.effect_noise(image.size, 24).point(lambda v: 255 if v > 70 else 200)
            image = ImageChops.darker(image, noise)
            # A few dark specks, as a scanner glass leaves them; bounded in number.
            for _ in range(40):
                x, y = rng.randrange(image.width - 3), rng.randrange(image.height - 3)
                image.paste(0, (x, y, x + rng.randint(1, 3), y + rng.randint(1, 3)))
            pages.append(image)
    finally:
        document.close()
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=dpi)
    return path


# --------------------------------------------------------------------------------------- DOCX


_FOOTNOTES_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
{notes}
</w:footnotes>"""


def to_docx(text: str, path: Path) -> Path:
    """A DOCX: headings as Heading styles, tables as Word tables (a line break inside the lead
    agency cells), the header as a borderless two-column table, footnotes as real footnotes."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    document = docx.Document()
    blocks = parse(text)
    notes: dict[str, str] = {b.footnote: b.text for b in blocks if isinstance(b, Para) and b.footnote}
    note_ids = {mark: k + 1 for k, mark in enumerate(notes)}
    for block in blocks:
        if isinstance(block, Gap):
            document.add_paragraph()
        elif isinstance(block, Header):
            t = document.add_table(rows=1, cols=2)
            for cell, lines in zip(t.rows[0].cells, (block.left, block.right), strict=True):
                cell.paragraphs[0].add_run(lines[0]).bold = True
                for line in lines[1:]:
                    cell.add_paragraph(line)
        elif isinstance(block, Para):
            if block.footnote:
                continue  # its text is in the footnotes part
            if block.heading:
                p = document.add_heading(level=3)
            else:
                p = document.add_paragraph()
            for r in block.runs:
                mark = r.text.strip()
                if r.sup and mark in note_ids:
                    run = p.add_run()
                    run._r.append(parse_xml(f'<w:footnoteReference {_W} w:id="{note_ids[mark]}"/>'))
                    continue
                run = p.add_run(r.text)
                run.bold = r.bold or None
                run.italic = r.italic or None
                if r.sup:
                    run.font.superscript = True
        else:
            ncols = max(len(r) for r in block.rows)
            t = document.add_table(rows=len(block.rows), cols=ncols)
            t.style = "Table Grid"
            for row, values in zip(t.rows, block.rows, strict=True):
                for k, (cell, value) in enumerate(zip(row.cells, values, strict=False)):
                    run = cell.paragraphs[0].add_run()
                    if k == 2 and " và " in value:
                        # The lead agencies set on two lines, as a clerk breaks a narrow cell.
                        first, rest = value.split(" và ", 1)
                        run.text = first + " và"
                        run.add_break()
                        cell.paragraphs[0].add_run(rest)
                    else:
                        run.text = value
    if notes:
        body = "\n".join(
            f'<w:footnote w:id="{note_ids[mark]}"><w:p><w:r><w:t xml:space="preserve">{html.escape(text)}</w:t>'
            "</w:r></w:p></w:footnote>"
            for mark, text in notes.items()
        )
        part = Part(
            PackURI("/word/footnotes.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
            _FOOTNOTES_XML.format(notes=body).encode("utf-8"),
            document.part.package,
        )
        document.part.relate_to(part, RT.FOOTNOTES)
    document.save(str(path))
    return path


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

# --------------------------------------------------------------------------------------- HTML

_PORTAL_TOP = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="{charset}">
<title>{title} - Cổng thông tin điện tử</title>
<style>body{{font-family:Arial}} .menu li{{display:inline}}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}
var s = "<p>Quyết định số 4321/QĐ-TTg</p>";</script>
</head><body>
<header id="header"><div class="logo"><a href="/">CỔNG THÔNG TIN ĐIỆN TỬ TỈNH</a></div>
<nav class="menu"><ul><li><a href="/">Trang chủ</a></li><li><a href="/vb">Văn bản</a></li>
<li><a href="/tin">Tin tức</a></li><li><a href="/lh">Liên hệ</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="/vb">Văn bản chỉ đạo điều hành</a></div>
<div id="wrapper"><div class="col-main"><div class="doc-content"><div class="fulltext">
"""
_PORTAL_BOTTOM = """</div></div></div>
<aside class="sidebar"><h3>Văn bản liên quan</h3><ul>
<li><a href="/vb/1">Quyết định số 1234/QĐ-UBND ngày 01/02/2020 của UBND tỉnh</a></li>
<li><a href="/vb/2">Nghị quyết số 77/NQ-HĐND ngày 03/04/2021 của HĐND tỉnh</a></li>
<li><a href="/vb/3">Kế hoạch số 555/KH-UBND năm 2019</a></li></ul></aside></div>
<footer id="footer"><p>Bản quyền &copy; 2024 Cổng thông tin điện tử. Địa chỉ: số 1 đường Trần Phú.</p>
<p>Điện thoại: 0123 456 789 &ndash; Email: banbientap@example.gov.vn</p></footer>
<script src="/js/app.js"></script><script>document.write("<div>Chỉ thị số 88-CT/TW</div>")</script>
</body></html>
"""


def _html_runs(runs: list[Run]) -> str:
    out = []
    for r in runs:
        piece = html.escape(r.text, quote=False).replace("\u00a0", "&nbsp;")
        if r.sup:
            piece = f"<sup>{piece}</sup>"
        if r.italic:
            piece = f"<em>{piece}</em>"
        if r.bold:
            piece = f"<strong>{piece}</strong>"
        out.append(piece)
    return "".join(out)


def to_html(text: str, *, entities: bool = False, title: str = "Văn bản") -> bytes:
    """An HTML page as a legal portal serves it; with ``entities`` every non-ASCII letter is a
    numeric character reference and the page is declared ASCII, as older portals did."""
    parts = [_PORTAL_TOP.format(charset="us-ascii" if entities else "utf-8", title=html.escape(title))]
    for block in parse(text):
        if isinstance(block, Gap):
            continue
        if isinstance(block, Header):
            left = "<br>".join(html.escape(x) for x in block.left)
            right = "<br>\n".join(html.escape(x) for x in block.right)
            parts.append(
                '<table width="100%" class="header"><tr>'
                f'<td align="center"><b>{left}</b></td><td align="center"><b>{right}</b></td></tr></table>\n'
            )
        elif isinstance(block, Para):
            inner = _html_runs(block.runs)
            if block.heading:
                parts.append(f"<h3>{inner}</h3>\n")
            elif block.footnote:
                parts.append(f'<p class="footnote"><sup>{block.footnote}</sup> {inner}</p>\n')
            else:
                parts.append(f'<p style="text-align:justify">{inner}</p>\n')
        else:
            rows = []
            for k, row in enumerate(block.rows):
                tag = "th" if k == 0 and row == TASK_HEADER else "td"
                cells = []
                for c, value in enumerate(row):
                    cell = html.escape(value, quote=False)
                    if c == 2 and " và " in value:
                        first, rest = cell.split(" và ", 1)
                        cell = f"<p>{first} và<br>\n{rest}</p>"
                    cells.append(f"<{tag}>{cell}</{tag}>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            parts.append('<table border="1" cellpadding="2">\n' + "\n".join(rows) + "\n</table>\n")
    parts.append(_PORTAL_BOTTOM)
    page = "".join(parts)
    if entities:
        return page.encode("ascii", errors="xmlcharrefreplace")
    return page.encode("utf-8")


# ------------------------------------------------------------------------- legacy encodings


def to_tcvn3(text: str) -> bytes:
    """TCVN3 as .VnTime/.VnTimeH documents store it: capitals with a tone take the lowercase code
    (the capital font draws it); punctuation outside the code as Windows-1252."""
    letters = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđĂÂÊÔƠƯĐ"
    encoded = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input="\n".join(letters).encode(), capture_output=True, check=True
    ).stdout.split(b"\n")
    code = dict(zip(letters, encoded, strict=True))
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in code:
            out += code[ch]
        elif ord(ch) < 128:
            out += ch.encode()
        elif ch.lower() in code:
            out += code[ch.lower()]
        else:
            out += ch.encode("cp1252")
    return bytes(out)


_VNI_TONE = {"\u0301": 0xF9, "\u0300": 0xF8, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
_VNI_CIRCUMFLEX = {None: 0xE2, "\u0301": 0xE1, "\u0300": 0xE0, "\u0309": 0xE5, "\u0303": 0xE3, "\u0323": 0xE4}
_VNI_BREVE = {None: 0xEA, "\u0301": 0xE9, "\u0300": 0xE8, "\u0309": 0xFA, "\u0303": 0xFC, "\u0323": 0xEB}
_VNI_I = {"\u0301": 0xED, "\u0300": 0xEC, "\u0309": 0xE6, "\u0303": 0xF3, "\u0323": 0xF2}


def to_vni(text: str) -> bytes:
    """VNI Windows: the letter, then one mark byte; ơ, ư, toned i, ỵ and đ as single bytes."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 128:
            out += ch.encode()
            continue
        upper = ch.isupper()
        shift = 0x20 if upper else 0
        parts = unicodedata.normalize("NFD", ch.lower())
        base, marks = parts[0], parts[1:]
        tone = next((m for m in marks if m in _VNI_TONE), None)
        shape = next((m for m in marks if m not in _VNI_TONE), None)
        letter = base.upper() if upper else base
        if ch.lower() == "đ":
            out.append(0xF1 - shift)
        elif base == "i" and tone:
            out.append(_VNI_I[tone] - shift)
        elif base == "y" and tone == "\u0323":
            out.append(0xEE - shift)
        elif shape == "\u031b":  # horn: ơ, ư are single bytes, toned like plain vowels
            out.append((0xF4 if base == "o" else 0xF6) - shift)
            if tone:
                out.append(_VNI_TONE[tone] - shift)
        elif shape == "\u0302":
            out += letter.encode() + bytes([_VNI_CIRCUMFLEX[tone] - shift])
        elif shape == "\u0306":
            out += letter.encode() + bytes([_VNI_BREVE[tone] - shift])
        elif tone and base in "aeouy":
            out += letter.encode() + bytes([_VNI_TONE[tone] - shift])
        else:
            out += ch.encode("cp1252")
    return bytes(out)


# ------------------------------------------------------------------------------ small helpers


def png_bytes(image: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # type: ignore[attr-defined]
    return buffer.getvalue()
