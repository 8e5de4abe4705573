"""Benchmark: ingest a generated corpus of plans, then time lineage and divergences over HTTP,
directly in pyoxigraph and in rdflib. Prints Markdown tables; it is not a test.

    python bench/run.py                  # 10,000 plans
    python bench/run.py --small          # 300 plans and fewer requests: a quick run
    python bench/run.py --plans 3000 --requests 300 --workdir /tmp/pgbench --keep

The corpus varies the seed plans' texts: the clean province plan among the seeds is the
template; each generated plan gets its own province (from the vocabulary), district or
commune (generated names), number, date and target figures, and cites its parent plan
(province → the national plan's decision, district → its province's plan, commune → its
district's plan). The seeds' central-level plan joins as it is, so that divergences have
their national baseline. Ingest goes through the library (policygraph.ingest.ingest_paths,
as `policygraph ingest` does, then graph.resolve for the derived graph).

HTTP questions go to a real `policygraph serve` (uvicorn) on loopback from 2 client threads,
a bounded number of requests each (and at most --seconds per question). The same questions
are asked of Store.select (the named query alone), of the service function the route calls
(query plus the work done around it), and at --rdflib-plans plans of rdflib's SPARQL engine
over Store.to_rdflib_dataset(), against pyoxigraph at that size.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import queue
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from policygraph.api import service
from policygraph.api import tasks as tasks_api
from policygraph.graph import Store, document_id
from policygraph.loaders import read_path
from policygraph.loaders.vocab import vocab
from policygraph.queries import get as get_query
from policygraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PG = "https://w3id.org/policygraph/ontology#"
INDICATOR, YEAR = "bhyt_coverage", 2030
OVERDUE_ON = "2026-11-22"
# Search words typed without diacritics, as users do; the direct comparison is the plain SPARQL
# scan a client would write (CONTAINS over labels, no folding).
SEARCH_WORDS = ["bao hiem y te", "tram y te", "ho so suc khoe", "tiem chung"]
SEARCH_SPARQL = (
    f"PREFIX pg: <{PG}>\nSELECT ?s ?text ?q WHERE {{ {{ ?s pg:label ?text }} UNION {{ ?s pg:text ?text }}"
    " FILTER (CONTAINS(LCASE(STR(?text)), ?q)) } LIMIT 20"
)
SYLLABLES = (
    "An Bình Phú Tân Hòa Long Thạnh Đông Tây Nam Bắc Hưng Phước Thành Lộc Mỹ Sơn Hải Quang Trung "
    "Hiệp Thuận Lợi Vĩnh Xuân Thu Hạ Kim Ngọc Minh Đức Nghĩa Tiến Hồng Cẩm Thái Lâm Tường Yên Lạc"
).split()


# ------------------------------------------------------------------ the corpus


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


@dataclass
class Plan:
    level: str  # province, district, commune
    name: str
    province: str
    number: str
    day: int
    month: int
    parent: Plan | None = None
    district: str | None = None
    file: str = ""
    children: list[Plan] = field(default_factory=list)


def _template(seeds: Path) -> tuple[str, str, Path]:
    """(text, its province's name, the central plan's file) chosen by what the library reads."""
    template: tuple[str, str] | None = None
    central: Path | None = None
    for path in sorted(seeds.glob("*.txt")):
        doc = read_path(path).to_json()["document"]
        text = path.read_text(encoding="utf-8")
        name = doc["jurisdiction"]["name"] or ""
        if doc["level"] == "central" and doc["type"] == "plan":
            central = path
        clean = re.search(r"^Số:\s*/KH-UBND\s*$", text, re.M) and re.search(rf"^{re.escape(name)}, ngày", text, re.M)
        if template is None and doc["level"] == "province" and clean:
            template = (text, name)
    if template is None or central is None:
        raise SystemExit(f"no province plan with a clean header, or no central plan, among {seeds}")
    return template[0], template[1], central


def _tree(n: int, rng: random.Random) -> list[Plan]:
    """n plans: provinces, districts in each, communes in each district, breadth first."""
    v = vocab()
    provinces = [j.label_vi for j in v.jurisdictions if j.level == "province" and not j.central_city]
    taken = {_fold(j.label_vi) for j in v.jurisdictions}
    rng.shuffle(provinces)
    n_prov = min(len(provinces), max(2, math.ceil(n / 170)))
    per_province = max(1, int(math.sqrt(max(n - n_prov, 1) / n_prov)))
    plans: list[Plan] = []

    def plan(level: str, name: str, province: str, parent: Plan | None, month: int, district: str | None) -> Plan:
        p = Plan(level, name, province, str(rng.randint(1, 999)), rng.randint(1, 28), month, parent, district)
        if parent is not None:
            parent.children.append(p)
        plans.append(p)
        return p

    names: dict[str, set[str]] = {}

    def fresh(province: str) -> str:
        used = names.setdefault(province, set())
        while True:
            name = " ".join(rng.sample(SYLLABLES, 2))
            if name not in used and not any(_fold(name).startswith(t) for t in taken):
                used.add(name)
                return name

    tops = [plan("province", p, p, None, rng.randint(4, 6), None) for p in provinces[:n_prov]]
    districts: list[Plan] = []
    for _ in range(per_province):
        for top in tops:
            if len(plans) < n:
                districts.append(plan("district", fresh(top.province), top.province, top, rng.randint(7, 8), None))
    i = 0
    while len(plans) < n and districts:
        d = districts[i % len(districts)]
        plan("commune", fresh(d.province), d.province, d, rng.randint(9, 11), d.name)
        i += 1
    return plans


def _text(template: str, template_place: str, p: Plan, rng: random.Random) -> str:
    t = template
    head = {"province": "TỈNH", "district": "HUYỆN", "commune": "XÃ"}[p.level]
    word = {"province": "tỉnh", "district": "huyện", "commune": "xã"}[p.level]
    t = re.sub(
        r"^Số:\s*/KH-UBND\s*$",
        f"ỦY BAN NHÂN DÂN\n{head} {p.name.upper()}\n\nSố: {p.number}/KH-UBND",
        t,
        count=1,
        flags=re.M,
    )
    t = re.sub(
        rf"^{re.escape(template_place)}, ngày.*$",
        f"{p.name}, ngày {p.day} tháng {p.month} năm 2024",
        t,
        count=1,
        flags=re.M,
    )
    t = re.sub(
        r"\(Kèm theo Kế hoạch số\s*/KH-UBND ngày[^)]*\)",
        f"(Kèm theo Kế hoạch số {p.number}/KH-UBND ngày {p.day}/{p.month}/2024 của UBND {word} {p.name})",
        t,
    )
    if p.parent is not None:
        t = t.replace("UBND tỉnh", f"UBND {word}").replace("Ủy ban nhân dân tỉnh", f"Ủy ban nhân dân {word}")
        up = p.parent
        unit = "tỉnh" if up.level == "province" else "huyện"
        cite = f"Kế hoạch số {up.number}/KH-UBND ngày {up.day}/{up.month}/2024 của UBND {unit} {up.name}"
        national = "Quyết định số 281/QĐ-TTg"
        t = re.sub(rf"{national},? ngày 05/4/2024 của Thủ tướng Chính phủ", cite, t, count=2)
        where = f"xã {p.name}, huyện {p.district}" if p.level == "commune" else f"huyện {p.name}"
        t = t.replace("trong tình hình mới\n", f"trong tình hình mới trên địa bàn {where}, tỉnh {p.province}\n", 1)
    t = t.replace(template_place, p.province)
    start = t.find("Mục tiêu cụ thể")
    if start >= 0:
        end = t.find("\nIII.", start)
        end = end if end > 0 else start + 2000

        def figure(m: re.Match[str]) -> str:
            return m.group(0) if int(m.group(1)) >= 100 else f"{rng.randint(85, 99)}%"

        t = t[:start] + re.sub(r"(\d+)%", figure, t[start:end]) + t[end:]
    return t


def make_corpus(seeds: Path, out: Path, n: int, seed: int, draft_national: bool = False) -> tuple[list[Plan], Path]:
    """Write n generated plans and the seeds' central plan into ``out``."""
    rng = random.Random(seed)
    template, place, central = _template(seeds)
    out.mkdir(parents=True, exist_ok=True)
    plans = _tree(n, rng)
    width = len(str(len(plans)))
    for i, p in enumerate(plans):
        p.file = f"{i:0{width}d}_{p.level}.txt"
        (out / p.file).write_text(_text(template, place, p, rng), encoding="utf-8")
    # The national plan's number and day are blank in its draft (the plans below cite it as
    # 281/QĐ-TTg of 05/4/2024). Filled in (the default), it leaves no issuing act for
    # graph.resolve to infer: its act_candidates query grew too slow to wait for beyond a few
    # dozen citing plans (15 plans: 174 s for the one act). --draft-national keeps the blank.
    national = out / ("national_" + central.name)
    text = central.read_text(encoding="utf-8")
    if not draft_national:
        text = re.sub(
            r"Quyết định số\s+/QĐ-TTg\s+ngày\s+tháng 3 năm 2024",
            "Quyết định số 281/QĐ-TTg ngày 05 tháng 4 năm 2024",
            text,
            count=1,
        )
    national.write_text(text, encoding="utf-8")
    return plans, national


# ------------------------------------------------------------------ timing


@dataclass
class Timing:
    latencies: list[float]
    seconds: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99(self) -> float:
        s = sorted(self.latencies)
        return s[min(len(s) - 1, math.ceil(0.99 * len(s)) - 1)] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def time_calls(calls: list[Callable[[], Any]], count: int, budget: float) -> Timing:
    """Run the calls round robin, sequentially, ``count`` times or until ``budget`` seconds."""
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        calls[i % len(calls)]()
        latencies.append(time.perf_counter() - t0)
        if time.perf_counter() - started > budget:
            break
    return Timing(latencies, time.perf_counter() - started)


def time_http(base: str, paths: list[str], count: int, budget: float, threads: int = 2) -> Timing:
    """GET the paths round robin from ``threads`` clients, ``count`` requests in all."""
    latencies: list[float] = []
    lock = threading.Lock()
    issued = [0]
    failures: list[str] = []
    started = time.perf_counter()

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                with lock:
                    i = issued[0]
                    if i >= count or time.perf_counter() - started > budget:
                        return
                    issued[0] += 1
                t0 = time.perf_counter()
                r = client.get(paths[i % len(paths)])
                elapsed = time.perf_counter() - t0
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {paths[i % len(paths)]}: {r.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, first: {failures[0]}")
    return Timing(latencies, time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(store: Path, settings: Settings) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "POLICYGRAPH_BASE_IRI": settings.base_iri}
    proc = subprocess.Popen(
        [sys.executable, "-m", "policygraph.cli", "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/api/queries", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


# ------------------------------------------------------------------ questions


@dataclass
class Question:
    name: str
    http: list[str]  # request paths
    query: str  # the named query's text (or SPARQL) for Store.select
    bindings: list[dict[str, Any]]
    service: Callable[[Store], Any] | None = None
    rows: dict[str, Timing] = field(default_factory=dict)
    # The first call after the store changed (ms), apart: it builds what the API keeps in memory.
    cold: dict[str, float] = field(default_factory=dict)


@dataclass
class Ingest:
    documents: int = 0
    failed: int = 0
    read_write_s: float = 0.0  # until the last document was written
    derive_s: float | None = None  # graph.resolve at the end of the batch; None: stopped

    @property
    def rate(self) -> float:
        return self.documents / self.read_write_s if self.read_write_s else 0.0


_INGEST = """
import sys, time
from pathlib import Path
from policygraph.graph import Store
from policygraph.ingest import ingest_paths
from policygraph.settings import Settings
started = time.perf_counter()
files = [Path(line) for line in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()]
def outcome(o):
    print("outcome", o.status, round(time.perf_counter() - started, 3), flush=True)
with Store.open(sys.argv[1]) as store:
    ingest_paths(store, files, Settings(), on_outcome=outcome)
print("done", round(time.perf_counter() - started, 3), flush=True)
"""


def ingest(store: Path, files: list[Path], derive_limit: float) -> Ingest:
    """`ingest_paths` over ``files`` into the store at ``store``, in a process of its own so
    that the derived graph it rebuilds at the end (graph.resolve) can be cut off after
    ``derive_limit`` seconds; the documents are written by then, one transaction each."""
    listing = store.with_suffix(".files")
    listing.write_text("\n".join(str(f) for f in files), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _INGEST, str(store), str(listing)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its reader processes go with it
    )
    assert proc.stdout is not None
    result = Ingest()
    step = max(1, len(files) // 10)
    last_write = time.perf_counter()
    seen = 0
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(out: Any = proc.stdout) -> None:
        for line in out:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        wait = None if seen < len(files) else max(0.0, derive_limit - (time.perf_counter() - last_write))
        try:
            line = lines.get(timeout=wait)
        except queue.Empty:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            print(f"  derived graph not built within {derive_limit:.0f} s: stopped", file=sys.stderr, flush=True)
            return result
        if line is None:
            proc.wait()
            return result
        kind, *rest = line.split()
        if kind == "outcome":
            seen += 1
            result.documents += rest[0] == "ingested"
            result.failed += rest[0] == "failed"
            result.read_write_s = float(rest[1])
            last_write = time.perf_counter()
            if not seen % step:
                print(f"  ingested {seen}/{len(files)} in {rest[1]} s", file=sys.stderr, flush=True)
        elif kind == "done":
            result.derive_s = float(rest[0]) - result.read_write_s


def _select(store: Store, query: str, bindings: list[dict[str, Any]]) -> list[Callable[[], Any]]:
    return [lambda b=b: store.select(query, bindings=b) for b in bindings]  # type: ignore[misc]


def _rdflib_calls(dataset: Any, query: str, bindings: list[dict[str, Any]]) -> list[Callable[[], Any]]:
    from rdflib import Literal, URIRef, Variable

    def term(v: Any) -> Any:
        return URIRef(v) if isinstance(v, str) and v.startswith("http") else Literal(v)

    prepared = [{Variable(k): term(v) for k, v in b.items()} for b in bindings]
    return [lambda b=b: list(dataset.query(query, initBindings=b)) for b in prepared]  # type: ignore[misc]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=10_000, help="generated plans (default 10000)")
    ap.add_argument("--small", action="store_true", help="300 plans, 100 requests, rdflib at 300")
    ap.add_argument("--requests", type=int, default=1000, help="HTTP requests per question")
    ap.add_argument("--seconds", type=float, default=60.0, help="at most this long per question and way")
    ap.add_argument("--rdflib-plans", type=int, default=1000, help="plans for the rdflib comparison")
    ap.add_argument(
        "--seeds", type=Path, default=Path(os.environ.get("POLICYGRAPH_SHARED", ROOT.parent / "shared")) / "seeds"
    )
    ap.add_argument("--workdir", type=Path, default=None, help="keep corpus and store here")
    ap.add_argument("--keep", action="store_true", help="leave the work folder")
    ap.add_argument("--derive-seconds", type=float, default=300.0, help="stop graph.resolve after this")
    ap.add_argument("--format-plans", type=int, default=40, help="plans rendered to each format")
    ap.add_argument("--scan-plans", type=int, default=2, help="of those, plans rendered as scans (OCR)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--draft-national", action="store_true", help="keep the national plan's blank number")
    args = ap.parse_args()
    if args.small:
        args.plans, args.requests, args.rdflib_plans = min(args.plans, 300), min(args.requests, 100), 300
        args.format_plans, args.scan_plans = min(args.format_plans, 10), min(args.scan_plans, 1)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policygraph-bench-"))
    settings = Settings()
    base = settings.base_iri
    try:
        run(args, work, settings, base)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, settings: Settings, base: str) -> None:
    rng = random.Random(args.seed)
    print(f"# policygraph benchmark: {args.plans} generated plans, {os.cpu_count()} CPUs\n", flush=True)
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    plans, national = make_corpus(args.seeds, corpus, args.plans, args.seed, args.draft_national)
    files = [corpus / p.file for p in plans] + [national]
    levels = {lvl: sum(p.level == lvl for p in plans) for lvl in ("province", "district", "commune")}
    print(f"corpus: {levels} + 1 national plan, in {corpus}", flush=True)

    store_path = work / "store"
    shutil.rmtree(store_path, ignore_errors=True)
    done = ingest(store_path, files, args.derive_seconds)
    derived = "not built" if done.derive_s is None else f"{done.derive_s:.1f} s"
    print(
        f"ingest: {done.documents} documents, {done.failed} failed, {done.read_write_s:.1f} s; derived graph {derived}"
    )
    if not done.documents:
        raise SystemExit("nothing was ingested")
    with Store.open(store_path) as store:
        iri_of = _iris(store, plans)
        questions = _questions(plans, iri_of, base, rng)
        for q in questions:
            q.rows["select"] = time_calls(_select(store, q.query, q.bindings), args.requests, args.seconds)
            if q.service is not None:
                t0 = time.perf_counter()
                q.service(store)
                q.cold["service"] = (time.perf_counter() - t0) * 1000
                q.rows["service"] = time_calls(
                    [functools.partial(q.service, store)], min(args.requests, 200), args.seconds
                )
            print(f"direct: {q.name}", flush=True)

    proc, url = _serve(store_path, settings)
    try:
        for q in questions:
            t0 = time.perf_counter()
            with httpx.Client(base_url=url, timeout=None) as client:
                client.get(q.http[0]).raise_for_status()
            q.cold["http"] = (time.perf_counter() - t0) * 1000
            time_http(url, q.http[:5], 10, 30)  # warm up
            q.rows["http"] = time_http(url, q.http, args.requests, args.seconds)
            print(f"http: {q.name}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # rdflib against pyoxigraph on at most --rdflib-plans plans: the same store when the corpus
    # is no larger, else a store of its first plans (breadth first).
    small = plans[: args.rdflib_plans]
    if len(small) == len(plans):
        mem = Store.open(store_path)
    else:
        ingest(work / "store-small", [corpus / p.file for p in small] + [national], args.derive_seconds)
        mem = Store.open(work / "store-small")
    with mem:
        mem_iris = _iris(mem, small)
        small_questions = _questions(small, mem_iris, base, random.Random(args.seed))
        dataset = mem.to_rdflib_dataset()
        dataset.default_union = True  # as the store's default graph: the union of all graphs
        by_name = {q.name: q for q in questions}
        for sq in small_questions:
            count = max(3, min(args.requests, 20))
            by_name[sq.name].rows["ox_small"] = time_calls(_select(mem, sq.query, sq.bindings), count, args.seconds)
            by_name[sq.name].rows["rdflib_small"] = time_calls(
                _rdflib_calls(dataset, sq.query, sq.bindings), count, args.seconds
            )
            print(f"rdflib: {sq.name}", flush=True)
    formats = by_format(work, [corpus / p.file for p in plans[: args.format_plans]], args.scan_plans)
    _report(args, done, questions, len(small), formats)


def by_format(work: Path, texts: list[Path], scans: int) -> dict[str, dict[str, Any]]:
    """Plans per second by format: ``texts`` rendered as the tests render them (tests/render.py)
    to PDF, DOCX, HTML and TCVN3, and the first ``scans`` of them as 200 dpi scans, each folder
    ingested into a fresh in-memory store (policygraph.ingest.benchmark)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import render

    from policygraph.ingest import benchmark

    out: dict[str, dict[str, Any]] = {}
    makers: dict[str, Callable[[str, Path], object]] = {
        "text": lambda t, p: p.with_suffix(".txt").write_text(t, encoding="utf-8"),
        "pdf": lambda t, p: render.to_pdf(t, p.with_suffix(".pdf")),
        "docx": lambda t, p: render.to_docx(t, p.with_suffix(".docx")),
        "html": lambda t, p: p.with_suffix(".html").write_bytes(render.to_html(t)),
        "tcvn3": lambda t, p: p.with_suffix(".txt").write_bytes(render.to_tcvn3(t)),
    }
    for name, make in makers.items():
        folder = work / f"format-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for f in texts:
            make(f.read_text(encoding="utf-8"), folder / f.stem)
        out[name] = benchmark([folder], Settings())
        print(f"by format: {name}", flush=True)
    if scans:
        folder = work / "format-scan"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for f in sorted((work / "format-pdf").glob("*.pdf"))[:scans]:
            render.to_scan(f, folder / f.name, skews=(0.0, 0.6, -0.4))
        out["scan"] = benchmark([folder], Settings())
        print("by format: scan", flush=True)
    return out


def _iris(store: Store, plans: list[Plan]) -> dict[str, str]:
    """Each generated file's document IRI, as the store has it."""
    rows = store.select(f"PREFIX pg: <{PG}> SELECT ?d ?s WHERE {{ ?d pg:sourceFile ?s }}")
    by_file = {str(r["s"]): str(r["d"]) for r in rows}
    return {p.file: by_file[p.file] for p in plans if p.file in by_file}


def _lineage(store: Store, *, base: str, iri: str, direction: str) -> Any:
    return service.lineage(store, base, document_id(iri, base), direction)


def _questions(plans: list[Plan], iri_of: dict[str, str], base: str, rng: random.Random) -> list[Question]:
    def sample(level: str, k: int) -> list[str]:
        iris = [iri_of[p.file] for p in plans if p.level == level and p.file in iri_of]
        rng.shuffle(iris)
        return iris[:k]

    leaves = sample("commune", 50) or sample("district", 50)
    tops = sample("province", 20)
    up, down, div = get_query("lineage_up"), get_query("lineage_down"), get_query("divergences")
    overdue = get_query("overdue_tasks")
    ancestors = f"PREFIX pg: <{PG}>\nSELECT DISTINCT ?d ?a WHERE {{ ?d (pg:implements|^pg:attachedTo)+ ?a }}"

    def ids(iris: list[str], suffix: str) -> list[str]:
        return [f"/api/documents/{document_id(i, base)}{suffix}" for i in iris]

    return [
        Question(
            "lineage up (commune plan)",
            ids(leaves, "/lineage?direction=up"),
            up.text,
            [{"document": i} for i in leaves],
            functools.partial(_lineage, base=base, iri=leaves[0], direction="up"),
        ),
        Question(
            "lineage down (province plan)",
            ids(tops, "/lineage?direction=down"),
            down.text,
            [{"document": i} for i in tops],
            functools.partial(_lineage, base=base, iri=tops[0], direction="down"),
        ),
        Question(
            f"divergences {INDICATOR} {YEAR}",
            [f"/api/divergences?year={YEAR}&indicator={INDICATOR}"],
            div.text,
            [{"year": YEAR, "indicatorKey": INDICATOR}],
            lambda s: service.divergences(s, base, year=YEAR, indicator=INDICATOR),
        ),
        Question(
            "divergences, all",
            ["/api/divergences"],
            div.text,
            [{}],
            lambda s: service.divergences(s, base, year=None, indicator=None),
        ),
        Question(
            f"overdue tasks on {OVERDUE_ON}",
            [f"/api/tasks?overdue_on={OVERDUE_ON}"],
            overdue.text,
            [{"day": OVERDUE_ON}],
            lambda s: [t for t in tasks_api.all_tasks(s, base) if tasks_api.is_overdue(t, OVERDUE_ON)],
        ),
        Question(
            "search (a folded word)",
            ["/api/search?" + str(httpx.QueryParams({"q": w, "limit": 20})) for w in SEARCH_WORDS],
            SEARCH_SPARQL,
            [{"q": w} for w in SEARCH_WORDS],
            lambda s: service.search(s, base, SEARCH_WORDS[0], 20),
        ),
        Question(
            "ancestors via /sparql (query process)",
            [
                "/sparql?"
                + str(httpx.QueryParams({"query": ancestors.replace("WHERE {", f"WHERE {{ VALUES ?d {{ <{i}> }}")}))
                for i in leaves
            ],
            ancestors,
            [{"d": i} for i in leaves],
        ),
    ]


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}" if x < 1 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.1f}×"


def _report(
    args: argparse.Namespace, done: Ingest, questions: list[Question], small: int, formats: dict[str, dict[str, Any]]
) -> None:
    rate = done.rate
    derived = (
        f"derived graph (graph.resolve) {done.derive_s:.1f} s"
        if done.derive_s is not None
        else f"**derived graph not built within {args.derive_seconds:.0f} s: no divergence rows**"
    )
    print(
        f"\n## {args.plans} plans: {done.documents} documents read and written in {done.read_write_s:.1f} s "
        f"({rate:.1f} plans/s); {derived}\n"
    )
    print(
        "| question | HTTP p50 ms | HTTP p99 ms | HTTP req/s | HTTP first ms | service fn p50 ms "
        "| service fn first ms | HTTP / service fn | Store.select p50 ms "
        f"| HTTP / select | pyoxigraph p50 ms @{small} | rdflib p50 ms @{small} | rdflib / pyoxigraph |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for q in questions:
        h, s, sv = q.rows.get("http"), q.rows.get("select"), q.rows.get("service")
        ox, rl = q.rows.get("ox_small"), q.rows.get("rdflib_small")
        cells = [
            q.name,
            _ms(h.p50 if h else None),
            _ms(h.p99 if h else None),
            f"{h.rate:.0f} ({len(h.latencies)})" if h else "–",
            _ms(q.cold.get("http")),
            _ms(sv.p50 if sv else None),
            _ms(q.cold.get("service")),
            _ratio(h.p50 if h else None, sv.p50 if sv else None),
            _ms(s.p50 if s else None),
            _ratio(h.p50 if h else None, s.p50 if s else None),
            _ms(ox.p50 if ox else None),
            _ms(rl.p50 if rl else None),
            _ratio(rl.p50 if rl else None, ox.p50 if ox else None),
        ]
        print("| " + " | ".join(cells) + " |")
    by = {q.name: q for q in questions}
    div1 = by[f"divergences {INDICATOR} {YEAR}"].rows["http"]
    ups = [by["lineage up (commune plan)"].rows["http"], by["lineage down (province plan)"].rows["http"]]
    # The API's overhead is HTTP against the same function called in the process: the function
    # may answer from memory where the direct query reads the store (both columns are shown).
    overhead = [
        q.rows["http"].p50 / q.rows["service"].p50 for q in questions if "service" in q.rows and q.rows["service"].p50
    ]
    print("\n| ingest by format (fresh in-memory store) | plans | failed | seconds | plans/s |")
    print("|---|---:|---:|---:|---:|")
    for name, f in formats.items():
        rate_f = f["ingested"] / f["seconds"] if f["seconds"] else 0.0
        print(f"| {name} | {f['ingested']} | {f['failed']} | {f['seconds']:.1f} | {rate_f:.1f} |")
    print("\n| aim | measured | met |\n|---|---|---|")
    print(
        "| divergences, one indicator and year: p50 ≤ 50 ms at 10,000 plans "
        f"| {div1.p50:.1f} ms at {args.plans} | {_yes(div1.p50 <= 50)} |"
    )
    worst_rate, worst_p99 = min(t.rate for t in ups), max(t.p99 for t in ups)
    print(
        "| lineage ≥ 1,000 req/s with p99 ≤ 10 ms "
        f"| {worst_rate:.0f} req/s, p99 {worst_p99:.1f} ms (worse of up and down) "
        f"| {_yes(worst_rate >= 1000 and worst_p99 <= 10)} |"
    )
    print(f"| ingest ≥ 50 text plans/s | {rate:.1f} plans/s | {_yes(rate >= 50)} |")
    print(
        "| API within 1.5× of the direct call (HTTP p50 / service fn p50) "
        f"| {min(overhead):.1f}× to {max(overhead):.1f}× "
        f"| {_yes(max(overhead) <= 1.5)} |"
    )


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


if __name__ == "__main__":
    main()
