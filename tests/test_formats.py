"""Same facts whatever the format: each plan rendered as PDF, scan, DOCX, HTML, TCVN3 and VNI reads
as its plain text does.

Fixtures are made here, into temporary folders, from the seeds (../shared) and the synthetic
examples (tests/render.py); nothing binary is committed. Every format's record is compared with
the record of the plain text: targets exactly, references by recall, the document's facts,
and the appendix tasks; and each is compared with the gold no worse than the plain text is.
Scans are OCR'd whole, every page of every seed (about three minutes on two cores); set
POLICYGRAPH_SCAN_PAGES=4 to scan only the first pages of each when trying things out.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import render

from policygraph.errors import InputError
from policygraph.loaders import Record, available, read_bytes
from policygraph.loaders.decode import decode
from policygraph.loaders.legacy import to_unicode

from conftest import EXAMPLES, GOLD_DOCS, SEEDS

SCAN_PAGES = int(os.environ["POLICYGRAPH_SCAN_PAGES"]) if os.environ.get("POLICYGRAPH_SCAN_PAGES") else None
SKEWS = (0.0, 1.5, -1.2, 0.8, -1.5)
HAS_TESSERACT = subprocess.run(["sh", "-c", "tesseract --list-langs 2>&1 | grep -qx vie"], check=False).returncode == 0
needs_tesseract = pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract-ocr-vie is not installed")


def _corpus() -> dict[str, str]:
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))}
    if SEEDS.exists():
        docs.update({name: (SEEDS / name).read_text(encoding="utf-8") for name in sorted(GOLD_DOCS)})
    return docs


CORPUS = _corpus()
NAMES = sorted(CORPUS)
# The seed whose appendix is a real, tab-separated table; the example with one otherwise.
TABLE_DOC = "003_11f369fdb91122c7.txt" if "003_11f369fdb91122c7.txt" in CORPUS else "03_ke-hoach-tinh-a.txt"


# --------------------------------------------------------------------------------- helpers


def _target_key(t: Any) -> tuple[Any, ...]:
    return (t.indicator, t.year, t.comparator, None if t.value is None else round(float(t.value), 2))


def _reference_key(r: Any) -> tuple[Any, ...]:
    return (r.type, re.sub(r"\s+", "", r.number or ""), r.relation)


def _task_key(t: dict[str, Any]) -> tuple[Any, ...]:
    """A task as the gold scores it: row number, lead agencies, deadline kind and date."""
    deadline = t.get("deadline") or {}
    return (t.get("number"), tuple(t.get("lead") or ()), deadline.get("kind"), deadline.get("date"))


def _f1(got: Counter[Any], want: Counter[Any]) -> float:
    if not got and not want:
        return 1.0
    hit = sum((got & want).values())
    precision = hit / sum(got.values()) if got else 0.0
    recall = hit / sum(want.values()) if want else 0.0
    return 0.0 if hit == 0 else 2 * precision * recall / (precision + recall)


def _recall(got: set[Any], want: set[Any]) -> float:
    return len(got & want) / len(want) if want else 1.0


def _gold_targets(name: str) -> Counter[Any]:
    return Counter(
        (t["indicator"], t["year"], t["comparator"], None if t["value"] is None else round(float(t["value"]), 2))
        for t in GOLD_DOCS[name]["targets"]
    )


def _gold_references(name: str) -> set[Any]:
    return {(r["type"], re.sub(r"\s+", "", r["number"]), r["relation"]) for r in GOLD_DOCS[name]["references"]}


def _document_facts(rec: Record) -> tuple[Any, ...]:
    d = rec.document
    return (d.type, d.number, d.date, d.level, d.jurisdiction.name, d.issuer.kind)


@pytest.fixture(scope="module")
def plain() -> dict[str, Record]:
    return {name: read_bytes(text.encode("utf-8"), source=name) for name, text in CORPUS.items()}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    return {name: render.to_pdf(text, folder / f"{Path(name).stem}.pdf") for name, text in CORPUS.items()}


def _render(fmt: str, name: str, pdfs: dict[str, Path], folder: Path) -> bytes:
    text = CORPUS[name]
    if fmt == "pdf":
        return pdfs[name].read_bytes()
    if fmt == "docx":
        return render.to_docx(text, folder / f"{Path(name).stem}.docx").read_bytes()
    if fmt == "html":
        return render.to_html(text, title=name)
    if fmt == "html-ascii":
        return render.to_html(text, entities=True, title=name)
    if fmt == "tcvn3":
        return render.to_tcvn3(text)
    if fmt == "vni":
        return render.to_vni(text)
    raise ValueError(fmt)


LOADER_OF = {"pdf": "pdf", "docx": "docx", "html": "html", "html-ascii": "html", "tcvn3": "tcvn3", "vni": "vni"}


# ------------------------------------------------------------------------ same facts


@pytest.mark.parametrize("fmt", sorted(LOADER_OF))
def test_same_facts_as_the_plain_text(
    fmt: str, plain: dict[str, Record], pdfs: dict[str, Path], tmp_path: Path
) -> None:
    target_f1: list[float] = []
    got_refs: set[Any] = set()
    want_refs: set[Any] = set()
    for name in NAMES:
        source = f"{Path(name).stem}.{fmt}"
        rec = read_bytes(_render(fmt, name, pdfs, tmp_path), source=source)  # told by content, not name
        base = plain[name]
        assert rec.loader == LOADER_OF[fmt], name
        got_t = Counter(map(_target_key, rec.targets))
        want_t = Counter(map(_target_key, base.targets))
        assert got_t == want_t, f"{name}: targets differ"
        target_f1.append(_f1(got_t, want_t))
        got_refs |= {(name, *_reference_key(r)) for r in rec.references}
        want_refs |= {(name, *_reference_key(r)) for r in base.references}
        assert _document_facts(rec) == _document_facts(base), name
        if not (fmt == "pdf" and name == "002_a698d7df3c568d60.txt"):
            # 002's appendix is itself a PDF table flattened with its columns interleaved; typeset
            # again as lines it no longer has the line breaks that the interleaved reading follows.
            assert Counter(map(_task_key, rec.tasks)) == Counter(map(_task_key, base.tasks)), f"{name}: tasks differ"
        if name in GOLD_DOCS:
            # No worse against the gold than the plain text is.
            assert _f1(got_t, _gold_targets(name)) >= _f1(want_t, _gold_targets(name)), name
            got_r = {_reference_key(r) for r in rec.references}
            base_r = {_reference_key(r) for r in base.references}
            assert _recall(got_r, _gold_references(name)) >= _recall(base_r, _gold_references(name)), name
    assert min(target_f1) == 1.0
    assert _recall(got_refs, want_refs) >= 0.98, sorted(want_refs - got_refs)


# ------------------------------------------------------------------------------- PDF


def _tab_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if "\t" in line]


def test_pdf_task_table_comes_back_row_by_row(pdfs: dict[str, Path]) -> None:
    pdf = available()["pdf"]
    read = pdf.read(pdfs[TABLE_DOC].read_bytes(), source="appendix.pdf")
    rows = _tab_rows(read.text)
    want = [[c.strip() for c in line.split("\t")] for line in CORPUS[TABLE_DOC].splitlines() if "\t" in line]
    assert "\t".join(render.TASK_HEADER) in rows
    got = [row.split("\t") for row in rows]
    tasks = [w for w in want if w[0].isdigit()]
    assert tasks, "the fixture has a task table"
    for cells in tasks:
        # One line per row: its number, its content with the cell's line breaks joined by spaces,
        # and its lead agency in that same row.
        match = [g for g in got if g[0] == cells[0]]
        assert len(match) == 1, cells[0]
        assert match[0] == [re.sub(r" +", " ", c) for c in cells]
        assert match[0][2] == cells[2]


def test_pdf_pages_are_where_the_text_is(pdfs: dict[str, Path]) -> None:
    import pypdfium2 as pdfium

    name = TABLE_DOC
    rec = read_bytes(pdfs[name].read_bytes(), source="paged.pdf")
    document = pdfium.PdfDocument(str(pdfs[name]))
    try:
        page_texts = [document[k].get_textpage().get_text_range() for k in range(len(document))]
    finally:
        document.close()
    assert rec.page_starts is not None and len(rec.page_starts) == len(page_texts) > 1
    assert rec.page_starts[0] == 0 and rec.page_starts == sorted(rec.page_starts)
    for k, page_text in enumerate(page_texts):
        # The page's first words, as PDFium sees them (its page number dropped), open its slice.
        first = next(ln for ln in page_text.splitlines() if len(ln.strip()) > 8 and not ln.strip().isdigit())
        end = rec.page_starts[k + 1] if k + 1 < len(page_texts) else len(rec.text)
        words = first.split()[:3]
        if "\t" in rec.text[rec.page_starts[k] : end].split("\n")[0]:
            continue  # a page that opens inside a table starts with a table row
        assert rec.text[rec.page_starts[k] : end].split()[: len(words)] == words, k
    for target in rec.targets:
        assert rec.page_of(target.span[0]) in range(1, len(page_texts) + 1)


def test_page_numbers_in_the_margin_are_dropped(pdfs: dict[str, Path]) -> None:
    rec = read_bytes(pdfs[TABLE_DOC].read_bytes(), source="numbers.pdf")
    assert not [line for line in rec.text.splitlines() if line.strip().isdigit()]


def test_a_row_split_by_a_page_break_is_joined(tmp_path: Path) -> None:
    rows = "\n".join(
        f"{k}\t{'Nhiệm vụ số ' + str(k) + ' ' + 'triển khai thực hiện kế hoạch, ' * (30 if k == 3 else 2)}"
        f"\tSở Y tế\tCác sở, ngành\tNăm 2025"
        for k in range(1, 6)
    )
    text = "KẾ HOẠCH\nThực hiện Chỉ thị số 25-CT/TW\n" + "\n".join(["Đoạn văn mở đầu."] * 30) + "\n\n"
    text += "\t".join(render.TASK_HEADER) + "\n" + rows + "\n"
    path = _split_rows_pdf(text, tmp_path / "split.pdf")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        second_page = document[1].get_textpage().get_text_range()
    finally:
        document.close()
    assert "triển khai thực hiện" in second_page.split("4")[0], "row 3 runs over the page break"
    read = available()["pdf"].read(path.read_bytes(), source="split.pdf")
    numbered = [row.split("\t") for row in _tab_rows(read.text) if row.split("\t")[0].isdigit()]
    assert [r[0] for r in numbered] == ["1", "2", "3", "4", "5"]
    assert numbered[2][1].count("triển khai thực hiện kế hoạch") == 30
    assert numbered[2][2] == "Sở Y tế"


def _split_rows_pdf(text: str, path: Path) -> Path:
    """Like render.to_pdf, but with rows that may split across pages (as Word lets them)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    render._fonts()
    style = ParagraphStyle("b", fontName="DejaVuSans", fontSize=10, leading=13)
    cell = ParagraphStyle("c", fontName="DejaVuSans", fontSize=9, leading=11)
    story: list[Any] = []
    table: list[list[Any]] = []
    for line in text.splitlines():
        if "\t" in line:
            table.append([Paragraph(c, cell) for c in line.split("\t")])
        elif line.strip():
            story.append(Paragraph(line, style))
    t = Table(table, colWidths=[1 * cm, 7 * cm, 3 * cm, 3.5 * cm, 2.5 * cm], splitInRow=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(t)
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_pdf_errors_are_one_clear_line(tmp_path: Path) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    with pytest.raises(InputError, match="damaged or unreadable PDF"):
        read_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50, source="broken.pdf")
    locked = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(locked), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(72, 720, "Kế hoạch")
    c.save()
    with pytest.raises(InputError, match="needs a password") as info:
        read_bytes(locked.read_bytes(), source="locked.pdf")
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------ scans


def _first_pages(pdf: Path, count: int | None, out: Path) -> Path:
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(pdf))
    try:
        if count is None or count >= len(source):
            out.write_bytes(pdf.read_bytes())
            return out
        new = pdfium.PdfDocument.new()
        new.import_pages(source, pages=list(range(count)))
        new.save(str(out))
        new.close()
    finally:
        source.close()
    return out


@needs_tesseract
def test_scanned_pdfs_read_by_ocr(pdfs: dict[str, Path], tmp_path: Path) -> None:
    names = [n for n in NAMES if n in GOLD_DOCS] or NAMES
    got_t: Counter[Any] = Counter()
    want_t: Counter[Any] = Counter()
    got_r: set[Any] = set()
    want_r: set[Any] = set()
    pages = 0
    started = time.monotonic()
    for k, name in enumerate(names):
        # The text layer of the same pages is the yardstick (it reads as the plain text: above).
        text_layer = _first_pages(pdfs[name], SCAN_PAGES, tmp_path / f"{k}.pdf")
        scan = render.to_scan(text_layer, tmp_path / f"{k}-scan.pdf", skews=SKEWS[k:] + SKEWS[:k], seed=k)
        expected = read_bytes(text_layer.read_bytes(), source=f"{k}.pdf")
        rec = read_bytes(scan.read_bytes(), source=f"{k}-scan.pdf")
        assert rec.loader == "pdf"
        assert rec.page_starts is not None and len(rec.page_starts) == len(expected.page_starts or [])
        pages += len(rec.page_starts)
        got_t += Counter((name, *_target_key(t)) for t in rec.targets)
        want_t += Counter((name, *_target_key(t)) for t in expected.targets)
        got_r |= {(name, *_reference_key(r)) for r in rec.references}
        want_r |= {(name, *_reference_key(r)) for r in expected.references}
    seconds = time.monotonic() - started
    print(
        f"\nOCR: {pages} pages in {seconds:.0f} s ({seconds / pages:.1f} s a page); targets F1 "
        f"{_f1(got_t, want_t):.3f}, references recall {_recall(got_r, want_r):.3f}",
        file=sys.stderr,
    )
    assert _f1(got_t, want_t) >= 0.95, (sorted((want_t - got_t).elements()), sorted((got_t - want_t).elements()))
    assert _recall(got_r, want_r) >= 0.98, sorted(want_r - got_r)


def _page_image(pdf: Path, page: int, dpi: int = 200) -> Any:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return document[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()


@needs_tesseract
def test_images_read_by_ocr(pdfs: dict[str, Path]) -> None:
    from PIL import Image

    name = "03_ke-hoach-tinh-a.txt"
    first = _page_image(pdfs[name], 0).rotate(-1.3, fillcolor=255, resample=Image.Resampling.BICUBIC)
    png = render.png_bytes(first)
    rec = read_bytes(png, source="page.png")
    assert rec.loader == "image"
    assert rec.document.number == "120/KH-UBND"
    assert {("bhyt_coverage", 2025, ">=", 93.0), ("health_managed", 2030, ">", 95.0)} <= set(
        map(_target_key, rec.targets)
    )
    # A page scanned upside down, as a JPEG: Tesseract's orientation check turns it upright.
    buffer = io.BytesIO()
    first.rotate(180).save(buffer, format="JPEG", quality=85, dpi=(200, 200))
    rec = read_bytes(buffer.getvalue(), source="upside-down.jpg")
    assert rec.loader == "image" and rec.document.number == "120/KH-UBND"
    assert ("bhyt_coverage", 2025, ">=", 93.0) in set(map(_target_key, rec.targets))
    # A two-page TIFF, as a scanner's feeder writes it: two pages, read in order.
    frames = [_page_image(pdfs[name], k) for k in range(2)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw", dpi=(200, 200)
    )
    rec = read_bytes(buffer.getvalue(), source="scan.tiff")
    assert rec.loader == "image" and rec.page_starts is not None and len(rec.page_starts) == 2
    assert rec.page_of(len(rec.text) - 1) == 2 and "Kế hoạch" in rec.text


def test_skew_is_measured(pdfs: dict[str, Path]) -> None:
    from PIL import Image

    from policygraph.loaders.ocr import deskew, estimate_skew

    page = _page_image(pdfs[NAMES[0]], 0, dpi=100)
    for angle in (-3.0, -1.5, 0.0, 0.7, 1.5):
        turned = page.rotate(angle, fillcolor=255, resample=Image.Resampling.BICUBIC)
        assert abs(estimate_skew(turned) - angle) <= 0.2, angle
    assert abs(estimate_skew(deskew(page.rotate(1.5, fillcolor=255)))) <= 0.2


@needs_tesseract
def test_a_scanned_page_inside_a_text_pdf(pdfs: dict[str, Path], tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    name = "05_ke-hoach-huyen.txt"
    scan = render.to_scan(pdfs[name], tmp_path / "scan.pdf", skews=(0.0, -1.0))
    mixed = pdfium.PdfDocument.new()
    text_layer = pdfium.PdfDocument(str(pdfs[name]))
    scanned = pdfium.PdfDocument(str(scan))
    mixed.import_pages(text_layer, pages=[0])
    mixed.import_pages(scanned, pages=[1])
    buffer = io.BytesIO()
    mixed.save(buffer)
    for d in (mixed, text_layer, scanned):
        d.close()
    rec = read_bytes(buffer.getvalue(), source="mixed.pdf")
    whole = read_bytes(pdfs[name].read_bytes(), source="whole.pdf")
    assert rec.page_starts is not None and len(rec.page_starts) == 2
    assert Counter(map(_target_key, rec.targets)) == Counter(map(_target_key, whole.targets))
    # The second page's references came from OCR and are on page 2.
    second = [r for r in rec.references if rec.page_of(r.span[0]) == 2]
    assert second and {_reference_key(r) for r in rec.references} >= {_reference_key(r) for r in whole.references}


def test_scans_without_tesseract_say_what_to_install(pdfs: dict[str, Path], tmp_path: Path) -> None:
    scan = render.to_scan(_first_pages(pdfs["05_ke-hoach-huyen.txt"], 1, tmp_path / "one.pdf"), tmp_path / "s.pdf")
    code = (
        "import sys\nfrom policygraph.loaders import read_bytes\nfrom policygraph.errors import InputError\n"
        "try:\n    read_bytes(open(sys.argv[1], 'rb').read(), source='s.pdf')\n"
        "except InputError as e:\n    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(scan)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": ""},
        check=True,
    )
    assert "tesseract-ocr tesseract-ocr-vie" in done.stdout


# ------------------------------------------------------------------------------- DOCX


def _docx(build: Any) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_footnotes_are_read_where_cited(tmp_path: Path) -> None:
    text = (
        "KẾ HOẠCH\nThực hiện Chỉ thị số 25-CT/TW<sup>(1)</sup> của Ban Bí thư\n"
        "<sup>(1)</sup> Hướng dẫn số 96-HD/BTGTU ngày 15/11/2023 của Ban Tuyên giáo Tỉnh ủy.\nTiếp theo.\n"
    )
    data = render.to_docx(text, tmp_path / "notes.docx").read_bytes()
    assert b"footnotes.xml" in data
    read = available()["docx"].read(data, source="notes.docx")
    lines = read.splitlines()
    cited = next(k for k, line in enumerate(lines) if "25-CT/TW" in line)
    assert lines[cited] == "Thực hiện Chỉ thị số 25-CT/TW(1) của Ban Bí thư"
    assert lines[cited + 1] == "(1) Hướng dẫn số 96-HD/BTGTU ngày 15/11/2023 của Ban Tuyên giáo Tỉnh ủy."


_NUMBERING = """<w:abstractNum {ns} w:abstractNumId="90">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
</w:abstractNum>"""


def test_docx_list_numbers_are_put_back() -> None:
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def build(document: Any) -> None:
        numbering = document.part.numbering_part.element
        numbering.insert(0, parse_xml(_NUMBERING.format(ns=ns)))
        numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
        for level, text in [(0, "MỤC ĐÍCH, YÊU CẦU"), (1, "Mục đích"), (2, "Quán triệt"), (2, "Tạo chuyển biến"),
                            (1, "Yêu cầu"), (0, "MỤC TIÊU"), (1, "Mục tiêu chung")]:  # fmt: skip
            p = document.add_paragraph(text)
            p._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
            )

        table = document.add_table(rows=3, cols=3)
        for k, row in enumerate(table.rows):
            # The TT column numbered by Word, as clerks set it: the figures are not in the text.
            if k:
                row.cells[0].paragraphs[0].style = document.styles["List Number"]
            row.cells[1].text = ["Nội dung nhiệm vụ", "Tuyên truyền", "Kiểm tra"][k]
            row.cells[2].text = ["Cơ quan chủ trì", "Sở Y tế", "UBND cấp huyện"][k]
        table.rows[0].cells[0].text = "TT"

    read = available()["docx"].read(_docx(build), source="numbered.docx")
    assert read.splitlines()[-3:] == ["TT\tNội dung nhiệm vụ\tCơ quan chủ trì", "1\tTuyên truyền\tSở Y tế",
                                      "2\tKiểm tra\tUBND cấp huyện"]  # fmt: skip
    assert read.splitlines()[:-3] == [
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "a) Quán triệt", "b) Tạo chuyển biến", "2. Yêu cầu",
        "II. MỤC TIÊU", "1. Mục tiêu chung",
    ]  # fmt: skip


def test_docx_tracked_deletions_and_header_tabs() -> None:
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def build(document: Any) -> None:
        document.add_paragraph("ỦY BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        p = document.add_paragraph("Tỷ lệ tham gia bảo hiểm y tế đạt ")
        p._p.append(parse_xml(f'<w:del {ns} w:id="1" w:author="x"><w:r><w:delText>90%</w:delText></w:r></w:del>'))
        p._p.append(parse_xml(f'<w:ins {ns} w:id="2" w:author="x"><w:r><w:t>95%</w:t></w:r></w:ins>'))

    lines = available()["docx"].read(_docx(build), source="changes.docx").splitlines()
    assert "\t" not in lines[0] and lines[0].split() == "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".split()
    assert lines[1] == "Tỷ lệ tham gia bảo hiểm y tế đạt 95%"


def test_doc_and_zip_errors(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
    if not _soffice():
        with pytest.raises(InputError, match="libreoffice-writer"):
            read_bytes(ole, source="old.doc")
    with pytest.raises(InputError, match="no Word document"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + "Workbook".encode("utf-16-le"), source="x.xls")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("other/thing.xml", "<x/>")
    with pytest.raises(InputError, match="no Word document"):
        read_bytes(buffer.getvalue(), source="fake.docx")


def _soffice() -> bool:
    import shutil

    return bool(shutil.which("soffice") or shutil.which("libreoffice"))


@pytest.mark.skipif(not _soffice(), reason="LibreOffice (libreoffice-writer) is not installed")
def test_doc_is_converted_by_libreoffice(tmp_path: Path, plain: dict[str, Record]) -> None:
    name = "03_ke-hoach-tinh-a.txt"
    source = render.to_docx(CORPUS[name], tmp_path / "plan.docx")
    profile = f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}"
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    rec = read_bytes((tmp_path / "plan.doc").read_bytes(), source="plan.doc")
    assert rec.loader == "doc"
    assert Counter(map(_target_key, rec.targets)) == Counter(map(_target_key, plain[name].targets))


# ------------------------------------------------------------------------------- HTML


DECOYS = ("4321/QĐ-TTg", "88-CT/TW", "1234/QĐ-UBND", "77/NQ-HĐND", "555/KH-UBND", "Trang chủ", "Bản quyền", "dataLayer")


def test_html_boilerplate_is_left_out() -> None:
    for name in ("03_ke-hoach-tinh-a.txt", TABLE_DOC):
        page = render.to_html(CORPUS[name])
        assert all(d.encode() in page for d in DECOYS[:4])  # the page does carry them
        rec = read_bytes(page, source="page.html")
        for decoy in DECOYS:
            assert decoy not in rec.text, decoy
        assert not {r.number for r in rec.references} & set(DECOYS)
        assert rec.text.startswith(("ỦY BAN NHÂN DÂN", "Số:")), rec.text[:40]
        wide = read_bytes(page.decode("utf-8").encode("utf-16-le"), source="wide.html")  # no byte-order mark
        assert (wide.loader, wide.text) == ("html", rec.text)


def test_html_entities_breaks_and_cp1252_references() -> None:
    page = (
        "<!DOCTYPE html><html><body><div class='content'><p>K&#7871; ho&#x1EA1;ch s&ocirc;&#769; 12/KH&#8209;UBND"
        "&nbsp;&amp;&nbsp;c&#225;c v&#x0103;n b&#7843;n<br>Th&#7921;c hi&#7879;n &#150; ngày 1/1/2024</p>"
        "<table><tr><td>TT</td><td>Nội dung</td><td>Cơ quan chủ trì</td></tr>"
        "<tr><td>1</td><td><p>Tuyên truyền</p><p>phổ biến</p></td><td>Sở Y tế<br>UBND cấp huyện</td></tr></table>"
        "</div></body></html>"
    )
    text = available()["html"].read(page.encode("utf-8"), source="e.html")
    lines = text.splitlines()
    assert lines[0] == "Kế hoạch số 12/KH\u2011UBND & các văn bản"
    assert lines[1] == "Thực hiện – ngày 1/1/2024"
    assert lines[2:] == ["TT\tNội dung\tCơ quan chủ trì", "1\tTuyên truyền phổ biến\tSở Y tế UBND cấp huyện"]


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_deeply_nested_html_does_not_crash_or_lose_text(depth: int) -> None:
    body = "\n".join(f"<p>{line}</p>" for line in CORPUS["03_ke-hoach-tinh-a.txt"].splitlines()[1:40])
    page = f"<html><body><nav><a href='/'>Trang chủ</a></nav>{'<div>' * depth}{body}{'</div>' * depth}</body></html>"
    started = time.monotonic()
    rec = read_bytes(page.encode("utf-8"), source="deep.html")
    assert time.monotonic() - started < 30
    assert rec.loader == "html" and rec.document.number == "120/KH-UBND"
    assert "Trang chủ" not in rec.text and "Tỷ lệ tham gia bảo hiểm y tế đạt 93% dân số." in rec.text


def test_html_in_tcvn3_declared_as_windows_1252() -> None:
    body = "\n".join(f"<p>{line}</p>" for line in CORPUS["03_ke-hoach-tinh-a.txt"].splitlines()[1:40])
    page = b'<html><head><meta charset="windows-1252"></head><body>' + render.to_tcvn3(body) + b"</body></html>"
    rec = read_bytes(page, source="old.html")
    assert rec.document.number == "120/KH-UBND" and "Tỷ lệ tham gia bảo hiểm y tế đạt 93%" in rec.text


# ---------------------------------------------------------------------- legacy encodings


def test_tcvn3_table_agrees_with_iconv() -> None:
    from policygraph.loaders.legacy import _table

    codes = bytes(range(0xA0, 0x100))
    done = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=codes, capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("this iconv has no TCVN5712-1")
    table = _table("tcvn3")
    assert "".join(table[bytes([b])] for b in codes) == done.stdout.decode("utf-8")


def test_vni_table_reads_known_text() -> None:
    assert to_unicode("Xin chaøo caùc baïn".encode("cp1252"), "vni") == "Xin chào các bạn"
    assert to_unicode("Ngöôøi ñöùng ñaàu Uûy ban".encode("cp1252"), "vni") == "Người đứng đầu Ủy ban"


def test_tcvn3_capitals_come_back() -> None:
    text = "KẾ HOẠCH\nTM. ỦY BAN NHÂN DÂN\nSố: 120/KH-UBND\nKế hoạch của Ủy ban"
    decoded, encoding = decode(render.to_tcvn3(text) + render.to_tcvn3("\nThực hiện các nhiệm vụ năm 2025"), source="t")
    assert encoding == "tcvn3"
    # Lowercase codes in a line of capitals are capitals; a capital inside running text cannot be told.
    assert decoded.splitlines()[:4] == ["KẾ HOẠCH", "TM. ỦY BAN NHÂN DÂN", "Số: 120/KH-UBND", "Kế hoạch của ủy ban"]


@pytest.mark.parametrize("name", NAMES)
def test_encoding_detection_does_not_misfire(name: str) -> None:
    text = CORPUS[name]
    assert decode(text.encode("utf-8"), source=name)[1] == "utf-8"
    assert decode(_cp1258(text), source=name)[1] == "windows-1258"
    assert decode(render.to_tcvn3(text), source=name)[1] == "tcvn3"
    assert decode(render.to_vni(text), source=name)[1] == "vni"
    for wide in ("utf-16-le", "utf-16-be"):
        decoded, encoding = decode(text.encode(wide), source=name)
        assert (decoded, encoding) == (text, wide)
    assert read_bytes(_cp1258(text), source=name).loader == "text"


def _cp1258(text: str) -> bytes:
    from test_loaders import _cp1258 as encode

    return encode(text)


@pytest.mark.parametrize(
    "data",
    [
        "Le conseil municipal s'est réuni à l'hôtel de ville; la séance a été levée à midi.".encode("cp1252") * 5,
        bytes(range(0x80, 0x100)) * 8,
        "Привет мир, это русский текст без вьетнамских слов".encode("cp1251") * 5,
    ],
)
def test_text_in_no_vietnamese_encoding_is_refused(data: bytes) -> None:
    with pytest.raises(InputError, match="cannot tell the text encoding|binary"):
        decode(data, source="x.txt")


@pytest.mark.parametrize("module", ["policygraph.loaders.legacy", "policygraph.loaders.ocr"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
