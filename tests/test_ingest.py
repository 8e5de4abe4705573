"""Ingesting the seeds: stable, order-independent, replaceable; the CLI as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rdflib.compare import isomorphic

from policygraph.graph import Store, ingest_records
from policygraph.loaders import read_path

from conftest import BASE, SEED_FILES, SEEDS, needs_shared

pytestmark = needs_shared
CLI = [sys.executable, "-m", "policygraph.cli"]


def _dataset_graphs(store: Store) -> dict[str, object]:
    ds = store.to_rdflib_dataset()
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def _ingest(path: Path, names: list[str], times: int = 1) -> Store:
    store = Store.open(path)
    store.load_vocabulary()
    for _ in range(times):
        ingest_records(store, [read_path(SEEDS / n) for n in names], BASE)
    return store


def test_ingest_twice_in_either_order_gives_an_isomorphic_store(tmp_path: Path) -> None:
    a = _ingest(tmp_path / "a", SEED_FILES)
    b = _ingest(tmp_path / "b", list(reversed(SEED_FILES)), times=2)
    ga, gb = _dataset_graphs(a), _dataset_graphs(b)
    assert set(ga) == set(gb) and len(ga) == 7  # five documents, the vocabulary, what is inferred
    for name in ga:
        assert isomorphic(ga[name], gb[name]), name  # type: ignore[arg-type]
    a.close()
    b.close()


def test_cited_document_is_one_node_across_citing_plans(tmp_path: Path) -> None:
    store = _ingest(tmp_path / "s", SEED_FILES)
    rows = store.select('SELECT DISTINCT ?d WHERE { ?d pg:number "25-CT/TW" }')
    assert len(rows) == 1
    citing = store.select("SELECT DISTINCT ?c WHERE { ?c pg:implements ?d . ?d pg:number '25-CT/TW' }")
    assert len(citing) == 5
    store.close()


def test_cli_extract_json(tmp_path: Path) -> None:
    out = subprocess.run([*CLI, "extract", str(SEEDS / SEED_FILES[3]), "--json"], capture_output=True, check=True)
    record = json.loads(out.stdout)
    assert record["source"] == SEED_FILES[3]
    assert record["document"]["jurisdiction"]["name"] == "Lai Châu"


def test_cli_ingest_reports_bad_files_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "0_empty.txt").write_bytes(b"")
    (corpus / "1_binary.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "2_unknown.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 100)
    (corpus / "3_plan.txt").write_bytes((SEEDS / SEED_FILES[3]).read_bytes())
    run = subprocess.run([*CLI, "ingest", str(corpus), "--store", str(tmp_path / "store")], capture_output=True)
    err = run.stderr.decode()
    assert run.returncode == 1
    assert "ingested 1 document(s)" in err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 3 and all(".txt: " in ln for ln in lines)
    assert "Traceback" not in err
    q = subprocess.run(
        [*CLI, "query", "documents", "--store", str(tmp_path / "store"), "--format", "json"], capture_output=True
    )
    assert any(r.get("source") == "3_plan.txt" for r in json.loads(q.stdout))


def test_cli_query_errors_map_to_exit_codes(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert subprocess.run([*CLI, "query", "nope", "--store", store], capture_output=True).returncode == 4
    bad = subprocess.run([*CLI, "query", "divergences", "-p", "year=x", "--store", store], capture_output=True)
    assert bad.returncode == 5 and b"Traceback" not in bad.stderr
    rq = tmp_path / "broken.rq"
    rq.write_text("SELEKT nothing")
    assert subprocess.run([*CLI, "query", str(rq), "--store", store], capture_output=True).returncode == 5
    missing = subprocess.run([*CLI, "extract", str(tmp_path / "missing.txt")], capture_output=True)
    assert missing.returncode == 3 and b"missing.txt" in missing.stderr
