"""`policygraph ingest` killed with SIGKILL at random moments leaves whole documents only, and
running it again completes the rest; unchanged files are skipped, changed ones replaced.

Whole means: each named graph in the store has the same triples as a clean ingest of one
version of its file (compared graph by graph with rdflib), never a part of one, never a mix.
"""

from __future__ import annotations

import os
import random
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from policygraph.graph import Store
from policygraph.graph.resolve import derived_graph_iri
from policygraph.ingest import FILE_HASH, benchmark, file_hash, ingest_paths
from policygraph.ontology import ONTOLOGY_IRI
from policygraph.settings import Settings

from conftest import BASE, EXAMPLES, SEEDS

CLI = [sys.executable, "-m", "policygraph.cli"]
FILES = 40
KILLS = 20
SEED = 20240611
DERIVED = derived_graph_iri(BASE)
SUMMARY = re.compile(r"ingested (\d+) document\(s\) into .*; (\d+) unchanged; (\d+) failed")


def _plans() -> list[str]:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    return [p.read_text(encoding="utf-8") for p in files + sorted(EXAMPLES.glob("*.txt"))]


def write_corpus(folder: Path, version: int) -> None:
    """FILES copies of the plans, each cut at its own length and signed with its number and
    ``version``, so that every file (and every version of it) is a different document."""
    folder.mkdir(exist_ok=True)
    plans = _plans()
    for i in range(FILES):
        lines = plans[i % len(plans)].splitlines(keepends=True)
        rng = random.Random(f"{SEED}/{i}/{version}")
        cut = rng.randint(max(1, len(lines) // 4), max(1, len(lines) * 2 // 3))
        text = "".join(lines[:cut]) + f"\nGhi chú: bản sao số {i}, lần {version}.\n"
        (folder / f"plan_{i:02d}.txt").write_text(text, encoding="utf-8")


def graphs_of(store: Store) -> dict[str, Graph]:
    """The store's non-empty named graphs, as rdflib graphs by IRI."""
    dataset = store.to_rdflib_dataset()
    return {str(g.identifier): g for g in dataset.graphs() if len(g) and isinstance(g.identifier, str)}


def same(a: Graph, b: Graph) -> bool:
    """Isomorphic; without blank nodes (the ingest makes none) that is equal triple sets."""
    if any(isinstance(t, BNode) for triple in a for t in triple):
        return isomorphic(a, b)
    return len(a) == len(b) and set(a) == set(b)


def clean_ingest(*paths: Path) -> dict[str, Graph]:
    with Store.open(None) as store:
        report = ingest_paths(store, paths, Settings(base_iri=BASE))
        assert not report.failed, [str(o.error) for o in report.failed]
        return graphs_of(store)


def readers_of(pid: int) -> set[int]:
    """Reader processes started by ``pid`` (their command line names policygraph.ingest)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == pid and b"_reader_main" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def gone(pids: set[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and _not_zombie(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _not_zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def wait_for(proc: subprocess.Popen[bytes], deadline: float, written: int | None) -> set[int]:
    """Until ``deadline`` (or, with ``written``, until that many documents are reported
    ingested), or the end of ``proc``; the reader processes it started meanwhile."""
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    readers: set[int] = set()
    buffer, count = b"", 0
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while proc.poll() is None and time.monotonic() < deadline and (written is None or count < written):
            readers |= readers_of(proc.pid)
            if selector.select(timeout=0.05):
                buffer += proc.stderr.read() or b""
                count = len(re.findall(rb"^ingested \S", buffer, re.MULTILINE))
    return readers


def vocabulary_now() -> Graph:
    with Store.open(None) as store:
        store.load_vocabulary()
        return graphs_of(store)[ONTOLOGY_IRI]


def check_whole(path: Path, versions: list[dict[str, Graph]], vocabulary: Graph) -> dict[str, int]:
    """Every graph in the store is one version of one file, whole: graph IRI → that version."""
    with Store.open(path) as store:
        found = graphs_of(store)
    matched: dict[str, int] = {}
    for iri, graph in found.items():
        if iri == ONTOLOGY_IRI:
            # (or as the ontology files read now, should they be edited while the test runs)
            assert same(graph, vocabulary) or same(graph, vocabulary_now()), "the vocabulary graph is not whole"
            continue
        if iri == DERIVED:
            continue  # rebuilt from all documents at the end of a run: a killed run leaves it behind
        assert any(iri in v for v in versions), f"a graph no clean ingest makes: {iri}"
        whole = [i for i, v in enumerate(versions) if iri in v and same(graph, v[iri])]
        assert whole, f"{iri}: {len(graph)} triples, not one whole version of its file"
        matched[iri] = whole[0]
    return matched


def test_sigkill_at_random_moments_leaves_whole_documents_and_a_rerun_completes(tmp_path: Path) -> None:
    corpus, store_path = tmp_path / "corpus", tmp_path / "store"
    write_corpus(corpus, 1)
    first = clean_ingest(corpus)
    write_corpus(corpus, 2)
    second = clean_ingest(corpus)
    vocabulary = first[ONTOLOGY_IRI]
    assert len(set(first) - {DERIVED}) == len(set(second) - {DERIVED}) == FILES + 1
    assert all(not same(first[g], second[g]) for g in first if g not in (ONTOLOGY_IRI, DERIVED))

    # One run to the end, timed: the kills fall within that time, whatever the speed of the
    # machine. Start-up is a good part of it, so about half of them land mid-batch.
    version = 0
    write_corpus(corpus, version + 1)
    started = time.monotonic()
    run = subprocess.run([*CLI, "ingest", str(corpus), "--store", str(store_path)], capture_output=True, timeout=300)
    full_run = time.monotonic() - started
    assert run.returncode == 0, run.stderr.decode()
    assert set(check_whole(store_path, [first, second], vocabulary).values()) == {version}

    rng = random.Random(SEED)
    killed = interrupted = 0
    finished = True
    for k in range(KILLS):
        if finished:  # all written: the next runs replace every document, and are killed doing so
            version = 1 - version
            write_corpus(corpus, version + 1)
        proc = subprocess.Popen(
            [*CLI, "ingest", "--verbose", str(corpus), "--store", str(store_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Half the kills fall at a random moment of a run (start-up and the closing rebuild
        # included), half once a random number of documents are reported written: those land
        # mid-batch however fast the machine reads.
        after = rng.randint(1, FILES // 2) if k % 2 else None
        deadline = time.monotonic() + (rng.uniform(0.2, 1.0) if after is None else 5) * full_run
        readers = wait_for(proc, deadline, after)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]
        # The readers go with the process that started them.
        assert gone(readers, within=10), f"readers left running after kill {k}"
        state = check_whole(store_path, [first, second], vocabulary)
        if not finished and 0 < sum(v == version for v in state.values()) < FILES:
            interrupted += 1  # killed with part of the batch written
    assert killed >= KILLS // 2, f"only {killed} runs were still going when killed"
    assert interrupted >= 3, f"only {interrupted} kills came with a batch part written"

    # A run to the end completes what the kills left, and reads only what is not there yet.
    run = subprocess.run([*CLI, "ingest", str(corpus), "--store", str(store_path)], capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    counts = SUMMARY.search(run.stderr.decode())
    assert counts, run.stderr.decode()
    ingested, unchanged, failed = map(int, counts.groups())
    assert ingested + unchanged == FILES and failed == 0
    expected = [first, second][version]
    with Store.open(store_path) as store:
        final = graphs_of(store)
    assert set(final) == set(expected)  # the derived graph too, brought up to date
    differ = [g for g in expected if not same(final[g], expected[g])]
    assert not differ, f"not what a clean ingest gives: {differ}" + "\n".join(
        [f"- {t}" for g in differ for t in sorted(set(expected[g]) - set(final[g]))][:6]
        + [f"+ {t}" for g in differ for t in sorted(set(final[g]) - set(expected[g]))][:6]
    )

    # Again: nothing changed, nothing is read.
    again = subprocess.run([*CLI, "ingest", str(corpus), "--store", str(store_path)], capture_output=True, timeout=300)
    assert f"ingested 0 document(s) into {store_path}; {FILES} unchanged; 0 failed" in again.stderr.decode()


def test_unchanged_files_are_skipped_and_changed_ones_replaced(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    files = sorted(corpus.iterdir())[:4]
    settings = Settings(base_iri=BASE, workers=2)
    with Store.open(tmp_path / "store") as store:
        report = ingest_paths(store, files, settings)
        assert [len(report.ingested), len(report.unchanged), len(report.failed)] == [4, 0, 0]
        before = graphs_of(store)
        # The file's hash is in its own graph, on its document.
        hashes = store.values_by_graph(str(FILE_HASH))
        assert {hashes[o.graph_iri or ""][0] for o in report.ingested} == {file_hash(f.read_bytes()) for f in files}

        files[1].write_text(files[1].read_text(encoding="utf-8") + "\nThêm một dòng.\n", encoding="utf-8")
        report = ingest_paths(store, files, settings)
        assert [Path(o.source).name for o in report.ingested] == [files[1].name]
        assert len(report.unchanged) == 3
        after = graphs_of(store)
        changed = report.ingested[0].graph_iri
        assert changed is not None and not same(before[changed], after[changed])
        # The rest stays as it was, but for what is derived across documents: that is as a
        # clean ingest of the four files as they are now makes it.
        assert all(same(before[g], after[g]) for g in before if g not in (changed, DERIVED))
        assert same(after[DERIVED], clean_ingest(*files)[DERIVED])
        assert len(store.values_by_graph(str(FILE_HASH))[changed]) == 1  # the old version is gone


def test_two_files_of_one_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plan = (EXAMPLES / "03_ke-hoach-tinh-a.txt").read_bytes()
    (tmp_path / "a" / "plan.txt").write_bytes(plan)
    (tmp_path / "b" / "plan.txt").write_bytes(plan + b"\n")
    with Store.open(None) as store:
        report = ingest_paths(store, [tmp_path / "a", tmp_path / "b"], Settings(base_iri=BASE, workers=1))
    assert [o.source for o in report.ingested] == [str(tmp_path / "a" / "plan.txt")]
    (failure,) = report.failed
    assert str(failure.error).startswith(f"{tmp_path / 'b' / 'plan.txt'}: has the same file name as ")


def test_benchmark_counts_and_times_by_format() -> None:
    summary = benchmark([EXAMPLES], Settings(base_iri=BASE), workers=2)
    assert summary["ingested"] == summary["files"] == len(list(EXAMPLES.glob("*.txt")))
    assert summary["by_format"]["text"]["documents"] == summary["ingested"]
    assert summary["seconds"] > 0 and summary["by_format"]["text"]["read_seconds"] > 0
    assert summary["workers"] == 2


_WRITER = """
import sys
from rdflib import Literal, URIRef
from policygraph.graph import Store
from policygraph.graph.resolve import derived_graph_iri

path, n = sys.argv[1], int(sys.argv[2])
with Store.open(path) as store:
    for i in range(1000):
        v, p = i % 2, URIRef("https://x.org/p")
        triples = [(URIRef(f"https://x.org/{k}"), p, Literal(f"{v}-{k}")) for k in range(n)]
        store.replace_document("https://x.org/g", triples)
        print(v, flush=True)
"""


def test_a_write_killed_midway_leaves_the_old_graph_or_the_new_one(tmp_path: Path) -> None:
    """Store.replace_document killed inside its transaction: a process that does nothing but
    replace one graph of 15,000 triples (a few tenths of a second each) is killed at random."""
    size, rng = 15_000, random.Random(SEED)
    for attempt in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path / "store"), str(size)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() in ("0", "1"), "the writer did not get to write"
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store.open(tmp_path / "store") as store:
            values = store.values_by_graph("https://x.org/p").get("https://x.org/g", [])
        versions = {v.split("-", 1)[0] for v in values}
        assert len(values) == size and len(versions) == 1, f"attempt {attempt}: {len(values)} triples of {versions}"
