"""The text loader against the gold facts of the five seeds, and bad input."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from policygraph.errors import InputError
from policygraph.loaders import available, read_bytes, read_path, read_paths
from policygraph.loaders.normalize import fold, normalize

from conftest import EXAMPLES, GOLD_DOCS, SEED_FILES, SEEDS, needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    return {name: read_path(SEEDS / name).to_json() for name in SEED_FILES}


def _jurisdiction_name(gold: dict[str, Any]) -> str | None:
    j = gold["jurisdiction"]
    return j if j is None or isinstance(j, str) else j["name"]


@pytest.mark.parametrize("name", SEED_FILES)
def test_document_facts_match_gold(records: dict[str, Any], name: str) -> None:
    got, want = records[name]["document"], GOLD_DOCS[name]
    assert got["type"] == want["type"]
    assert got["number"] == want["number"]
    assert got["date"] == want["date"]
    assert got["level"] == want["level"]
    assert got["jurisdiction"]["name"] == _jurisdiction_name(want)
    assert got["issuer"]["kind"] == want["issuer"]["kind"]
    if isinstance(want["jurisdiction"], dict) and want["jurisdiction"].get("within"):
        assert got["jurisdiction"]["within"] == want["jurisdiction"]["within"]
    if want["signer"] is None:
        assert got["signer"] is None
    else:
        assert got["signer"]["name"] == want["signer"]["name"]
        assert got["signer"]["title"] == want["signer"]["title"]


@pytest.mark.parametrize("name", SEED_FILES)
def test_targets_match_gold_exactly(records: dict[str, Any], name: str) -> None:
    def key(t: dict[str, Any]) -> tuple[Any, ...]:
        return (t["indicator"], t["year"], t["comparator"], t["value"], t["unit"])

    got = sorted((key(t) for t in records[name]["targets"]), key=str)
    want = sorted((key(t) for t in GOLD_DOCS[name]["targets"]), key=str)
    assert got == want


@pytest.mark.parametrize("name", SEED_FILES)
def test_references_match_gold(records: dict[str, Any], name: str) -> None:
    got = {(r["type"], r["number"]): r for r in records[name]["references"]}
    want = {(r["type"], r["number"]): r for r in GOLD_DOCS[name]["references"]}
    assert set(got) == set(want)
    for k, w in want.items():
        g = got[k]
        assert g["relation"] == w["relation"], k
        dates = w["date"] if isinstance(w["date"], list) else [w["date"]]
        assert g["date"] in dates, k
        assert g["issuer"]["kind"] == w["issuer_kind"], k
        if w.get("jurisdiction"):
            assert g["jurisdiction"]["name"] == w["jurisdiction"], k


@pytest.mark.parametrize("name", SEED_FILES)
def test_spans_point_at_the_original_text(records: dict[str, Any], name: str) -> None:
    original = (SEEDS / name).read_text(encoding="utf-8")
    for ref in records[name]["references"]:
        start, end = ref["span"]
        # The span covers the mention as printed, line breaks and all.
        assert fold(ref["number"].split("/")[0]) in fold(original[start:end])
    for target in records[name]["targets"]:
        start, end = target["span"]
        assert 0 <= start < end <= len(original)
        if target["value"] is not None and target["value"] != 100:
            assert str(int(target["value"])) in original[start:end]


def test_misprinted_date_is_reported_not_guessed(records: dict[str, Any]) -> None:
    rec = records["002_a698d7df3c568d60.txt"]
    ref = next(r for r in rec["references"] if r["number"] == "3602/QĐ-UBND")
    assert ref["date"] in (None, "2019-09-13")
    assert any("20219" in w for w in rec["warnings"])


def test_trap_without_figure_yields_no_target(records: dict[str, Any]) -> None:
    # "đạt chỉ tiêu đề ra" (meet the set target) in Nghệ An's III.5.b sets no figure.
    rec = records["002_a698d7df3c568d60.txt"]
    assert all(t["value"] is not None or t["indicator"] == "high_risk_annual_checkup" for t in rec["targets"])


def test_record_json_shape(records: dict[str, Any]) -> None:
    rec = records["003_11f369fdb91122c7.txt"]
    assert set(rec) >= {"source", "document", "references", "targets", "tasks", "warnings"}
    assert set(rec["document"]) >= {
        "type",
        "number",
        "date",
        "title",
        "level",
        "jurisdiction",
        "issuer",
        "signer",
    }
    assert set(rec["document"]["jurisdiction"]) >= {"name", "level", "within"}
    assert set(rec["references"][0]) >= {"type", "number", "date", "issuer", "relation", "span"}
    assert set(rec["targets"][0]) >= {
        "indicator",
        "label",
        "comparator",
        "value",
        "unit",
        "year",
        "span",
        "text",
    }
    assert rec["source"] == "003_11f369fdb91122c7.txt"


def test_text_loader_is_registered_through_entry_points() -> None:
    assert "text" in available()


def test_normalised_text_unwraps_pdf_lines() -> None:
    n = normalize((SEEDS / "000_4f896ef2c367a68b.txt").read_text(encoding="utf-8"))
    assert "các nhiệm vụ và giải pháp tại Chỉ thị số 25-CT/TW" in n.text
    n = normalize((SEEDS / "002_a698d7df3c568d60.txt").read_text(encoding="utf-8"))
    assert "Kế hoạch số 229-KH/TU" in n.text
    assert "\n5\n" not in n.text  # the page number between pages is gone


def test_markdown_markup_is_dropped() -> None:
    n = normalize((SEEDS / "001_9ac238b23c4fa13e.txt").read_text(encoding="utf-8"))
    assert "**" not in n.text and "<sup>" not in n.text and "###" not in n.text


# ------------------------------------------------------------------ bad input and encodings


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below


def _cp1258(text: str) -> bytes:
    """Encode as Windows-1258, which writes most tone marks as combining characters."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed if m in TONE_MARKS)
        letter = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in TONE_MARKS))
        out += letter.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def test_utf16_with_bom_is_decoded() -> None:
    text = (SEEDS / "003_11f369fdb91122c7.txt").read_text(encoding="utf-8")
    rec = read_bytes(text.encode("utf-16"), source="lai-chau-utf16.txt")
    assert rec.document.jurisdiction.name == "Lai Châu"
    assert {(t.indicator, t.value) for t in rec.targets} >= {("bhyt_coverage", 98)}


def test_windows_1258_is_decoded() -> None:
    text = (SEEDS / "003_11f369fdb91122c7.txt").read_text(encoding="utf-8")
    rec = read_bytes(_cp1258(text), source="lai-chau-1258.txt")
    assert rec.document.jurisdiction.name == "Lai Châu"
    assert len(rec.targets) == len(GOLD_DOCS["003_11f369fdb91122c7.txt"]["targets"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n  ", "empty file"),
        (bytes(range(256)) * 4, "binary"),
        (
            b"\x81\x8d\x8f\x90\x9d" * 40 + "日本語のテキスト".encode("shift_jis") * 20,
            "cannot tell the text encoding",
        ),
    ],
)
def test_bad_input_gets_one_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        read_bytes(data, source="bad.txt")
    message = str(info.value)
    assert message.startswith("bad.txt: ") and reason in message
    assert "\n" not in message


def test_batch_goes_on_past_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_binary.txt").write_bytes(bytes(range(256)))
    (tmp_path / "c_plan.txt").write_bytes((SEEDS / "003_11f369fdb91122c7.txt").read_bytes())
    results = list(read_paths([tmp_path]))
    assert [type(r).__name__ for _, r in results] == ["InputError", "InputError", "Record"]
    assert "a_empty.txt" in str(results[0][1])


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.txt")))
def test_example_corpus_reads(name: str) -> None:
    rec = read_path(EXAMPLES / name)
    assert rec.document.type in ("directive", "plan")
    assert rec.targets, "every example plan sets targets"
    assert not [w for w in rec.warnings if "issuer not found" in w]


def test_text_that_is_no_policy_document_is_refused() -> None:
    with pytest.raises(InputError, match="does not read as a policy document"):
        read_bytes(b"[DBOptions]\n  max_open_files=-1\n  create_if_missing=true\n", source="OPTIONS-000007")


@pytest.mark.parametrize("name", SEED_FILES)
def test_title_reads_whole(records: dict[str, Any], name: str) -> None:
    # Each seed's title runs to "… trong tình hình mới" over several wrapped lines.
    title = records[name]["document"]["title"]
    assert title.endswith("trong tình hình mới") and "\n" not in title
    assert "Chỉ thị" in title
