"""Issue 3's reading against the gold: tasks, deadlines, responsibilities, repairs, traps, eval."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policygraph.eval import evaluate, score_tasks
from policygraph.loaders import read_path
from policygraph.loaders.deadlines import parse_deadline
from policygraph.loaders.extract import extract_text
from policygraph.loaders.fold import fold
from policygraph.loaders.normalize import normalize
from policygraph.loaders.repair import tone_key

from conftest import GOLD_DOCS, GOLD_FILE, SEED_FILES, SEEDS, needs_shared, question

pytestmark = needs_shared


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    return {name: read_path(SEEDS / name).to_json() for name in SEED_FILES}


@pytest.mark.parametrize("name", SEED_FILES)
def test_every_appendix_row_is_found_as_the_gold_reads_it(records: dict[str, Any], name: str) -> None:
    gold = GOLD_DOCS[name].get("appendix_tasks", [])
    score = score_tasks(records[name]["tasks"], gold)
    assert score.recall == 1.0, score.misses
    assert score.precision == 1.0, score.wrong


def test_eval_reports_perfect_scores_on_the_seeds() -> None:
    result = evaluate(GOLD_FILE, SEEDS)
    overall = result["overall"]
    assert overall["targets"]["f1"] == 1.0
    assert overall["references"]["f1"] == 1.0
    assert overall["tasks"]["f1"] >= 0.95


def test_eval_command_prints_scores_and_misses(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "policygraph.cli", "eval", str(GOLD_FILE), "--docs", str(SEEDS), "--json"],
        capture_output=True,
        check=True,
    )
    data = json.loads(run.stdout)
    assert {d["file"] for d in data["documents"]} == set(SEED_FILES)
    # A gold fact the reader cannot have is reported as missed, not silently dropped.
    gold = json.loads(GOLD_FILE.read_text(encoding="utf-8"))
    gold["documents"][3]["targets"].append(
        {"indicator": "cashless_payment", "comparator": ">=", "value": 50, "unit": "%", "year": 2030}
    )
    altered = tmp_path / "gold.json"
    altered.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    result = evaluate(altered, SEEDS)
    doc = result["documents"][3]
    assert doc["targets"]["recall"] < 1 and any("cashless_payment" in m for m in doc["targets"]["misses"])


@pytest.mark.parametrize("name", SEED_FILES)
def test_responsibility_blocks(records: dict[str, Any], name: str) -> None:
    blocks = records[name]["responsibilities"]
    assert len(blocks) == GOLD_DOCS[name]["responsibility_sections"]
    assert all(b["duties"] for b in blocks)


def test_agency_blocks_are_named_canonically(records: dict[str, Any]) -> None:
    blocks = records["002_a698d7df3c568d60.txt"]["responsibilities"]
    assert blocks[0]["agencies"] == ["Sở Y tế"]
    assert blocks[9]["agencies"] == ["UBND cấp huyện"]  # "Ủy ban nhân dân các huyện, thành phố, thị xã"


def test_dated_duty_in_prose(records: dict[str, Any]) -> None:
    want = GOLD_DOCS["000_4f896ef2c367a68b.txt"]["dated_duties"][0]
    prose = [t for t in records["000_4f896ef2c367a68b.txt"]["tasks"] if t["source"] == "prose"]
    hit = [t for t in prose if want["text_contains"] in t["text"].lower()]
    assert hit and hit[0]["deadline"]["kind"] == "date" and hit[0]["deadline"]["date"] == want["deadline"]["date"]


def test_repairs_restore_the_damaged_words(records: dict[str, Any]) -> None:
    name = "004_139deaf883704b6f.txt"
    original = (SEEDS / name).read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", normalize(original).text)
    for word in GOLD_DOCS[name]["repaired_words_expected"]:
        assert word in text, word
    repairs = records[name]["repairs"]
    assert repairs
    for r in repairs:
        start, end = r["span"]
        assert original[start:end] == r["before"]
        assert r["after"].replace(" ", "") != r["before"].replace(" ", "")


@pytest.mark.parametrize("name", [n for n in SEED_FILES if not GOLD_DOCS[n].get("repaired_words_expected")])
def test_undamaged_seeds_are_not_repaired(records: dict[str, Any], name: str) -> None:
    assert records[name]["repairs"] == []
    original = (SEEDS / name).read_text(encoding="utf-8")
    assert normalize(original).raw == __import__("unicodedata").normalize("NFC", original)


def test_tone_mark_variants_compare_equal() -> None:
    assert tone_key("uỷ") == tone_key("ủy") and tone_key("hoà") == tone_key("hòa")
    assert fold("Uỷ ban nhân dân") == fold("Ủy ban nhân dân")


@pytest.mark.parametrize(
    ("text", "kind", "date"),
    [
        ("Quý 3/2024", "date", "2024-09-30"),
        ("Quý II năm 2024", "date", "2024-06-30"),
        ("Quý IV/2026", "date", "2026-12-31"),
        ("Năm 2025", "date", "2025-12-31"),
        ("Tháng 12/2025", "date", "2025-12-31"),
        ("Trước ngày 01/7/2025", "date", "2025-07-01"),
        ("Từ năm 2026", "from", "2026-01-01"),
        ("Nhiệm vụ thường xuyên", "recurring", None),
        ("Hằng năm", "recurring", None),
        ("Sau khi có hướng dẫn của Trung ương", "conditional", None),
        ("Theo hướng dẫn của Bộ Y tế", "conditional", None),
    ],
)
def test_deadlines(text: str, kind: str, date: str | None) -> None:
    d = parse_deadline(text)
    assert (d["kind"], d["date"]) == (kind, date)


def test_condition_kept_beside_a_date() -> None:
    d = parse_deadline("Trước ngày 01/7/2025 hoặc sau khi có hướng dẫn của Trung ương")
    assert d["kind"] == "date" and d["date"] == "2025-07-01" and "hướng dẫn" in d["condition"]


TRAPS = """KẾ HOẠCH
Thực hiện Chỉ thị số 99-CT/TW ngày 15/3/2025 của Ban Bí thư
I. MỤC TIÊU
TT\tChỉ tiêu\tĐơn vị\tNăm 2025\tNăm 2030
1\tTỷ lệ dân số tham gia bảo hiểm y tế\t%\t≥ 93\t> 95
2\tTỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng thể thấp còi\t%\t<18,5\t≤ 15
Phấn đấu đến năm 2030, tỷ lệ người dân có hồ sơ sức khỏe điện tử đạt 24%1;
tỷ lệ tham gia bảo hiểm y tế đạt chỉ tiêu đề ra.
"""


def test_target_traps() -> None:
    rec = extract_text(TRAPS, source="traps.txt", loader="text")
    got = {(t.indicator, t.year, t.comparator, t.value) for t in rec.targets}
    assert ("bhyt_coverage", 2025, ">=", 93) in got and ("bhyt_coverage", 2030, ">", 95) in got
    assert ("electronic_health_record", 2030, ">=", 24) in got  # the footnote mark is not a figure
    unknown = [t for t in rec.targets if t.indicator is None]
    assert {(t.year, t.comparator, t.value) for t in unknown} == {(2025, "<", 18.5), (2030, "<=", 15)}
    assert all(t.value != 5 for t in rec.targets)  # "dưới 5 tuổi" is an age, not a target of 5
    assert any("not in the indicator vocabulary" in w for w in rec.warnings)


# ------------------------------------------------------------------------------- over the API


def test_overdue_tasks_over_rest_and_sparql(client: Any, gold: dict[str, Any]) -> None:
    q = question(gold, "Tasks whose fixed deadline")
    docs = client.get("/api/documents", params={"limit": 1000}).json()["items"]
    by_source = {d["source"]: d["id"] for d in docs if d["source"]}
    body = client.get("/api/tasks", params={"overdue_on": "2026-11-22", "limit": 1000}).json()
    rest = {(t["document"], t["number"]) for t in body["items"]}
    for want in q["must_include"]:
        assert (by_source[want["file"]], want["n"]) in rest, want
    for not_want in q["must_not_include"]:
        assert (by_source[not_want["file"]], not_want["n"]) not in rest, not_want
    rows = client.get("/api/queries/overdue_tasks", params={"day": "2026-11-22"}).json()["rows"]
    over_sparql = {(r["source"], r.get("number")) for r in rows}
    assert {(by_source[s], n) for s, n in over_sparql} == rest


def test_tasks_filter_by_agency_and_jurisdiction(client: Any) -> None:
    body = client.get("/api/tasks", params={"agency": "so_y_te", "jurisdiction": "vn-lai-chau", "limit": 1000}).json()
    assert body["total"] >= 15
    assert all("Sở Y tế" in t["lead"] + t["support"] for t in body["items"])
    agency = client.get("/api/agencies/vn-nghe-an/so_y_te").json()
    assert agency["name"] == "Sở Y tế" and agency["jurisdiction"] == "vn-nghe-an"
    assert all(t["document"].startswith("vn-nghe-an/") for t in agency["tasks"])
    assert client.get("/api/agencies/vn-nowhere/none").status_code == 404
    # An id, not a name: "to" is in many names ("tổ chức") but is no agency.
    assert client.get("/api/agencies/to").status_code == 404


def test_draft_national_plan_resolves_to_the_decision_its_children_cite(client: Any) -> None:
    docs = client.get("/api/documents", params={"limit": 1000}).json()["items"]
    national = next(d["id"] for d in docs if d["source"] == "000_4f896ef2c367a68b.txt")
    detail = client.get(f"/api/documents/{national}").json()
    inferred = [a for a in detail["issued_with"] if a["inferred"]]
    assert [a["number"] for a in inferred] == ["281/QĐ-TTg"]
    assert "281/QĐ-TTg" in inferred[0]["evidence"] and inferred[0]["method"]
    assert not [a for a in detail["issued_with"] if a["number"] and not a["inferred"]]  # never stated
    # Carrying out the decision reaches the plan it issued, and through it the directive.
    lai_chau = next(d["id"] for d in docs if d["source"] == "003_11f369fdb91122c7.txt")
    up = client.get(f"/api/documents/{lai_chau}/lineage", params={"direction": "up"}).json()["ancestors"]
    assert national in {a["id"] for a in up}
    assert any(a["relation"] == "issues" for a in up)


def test_same_number_in_two_years_stays_two_documents() -> None:
    text = (
        "KẾ HOẠCH\nThực hiện Chỉ thị số 25-CT/TW ngày 25/10/2023 của Ban Bí thư; tiếp tục thực hiện "
        "Chỉ thị số 25-CT/TW ngày 12/3/2018 của Ban Bí thư và Chỉ thị số 25-CT/TW.\n"
    )
    rec = extract_text(text, source="two-years.txt", loader="text")
    assert sorted(r.date for r in rec.references if r.date) == ["2018-03-12", "2023-10-25"]
    assert len(rec.references) == 2
    assert any("could be any of" in w for w in rec.warnings)
    from policygraph.graph.rdf import reference_iri

    iris = {reference_iri(r, "vn", "https://x/") for r in rec.references}
    assert len(iris) == 2


def test_reference_without_a_place_takes_the_citing_plans(records: dict[str, Any]) -> None:
    ref = next(r for r in records["002_a698d7df3c568d60.txt"]["references"] if r["number"] == "229-KH/TU")
    assert ref["jurisdiction"]["name"] == "Nghệ An"
