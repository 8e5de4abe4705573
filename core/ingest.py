"""Ingest: read files into the store, bounded per document, written whole, resumable.

Each document is read (bytes → Record → triples) in a worker process of a pool with one
process per CPU. A worker lives under an address-space limit (``POLICYGRAPH_DOC_MEMORY_MB``)
and is killed past a deadline (``POLICYGRAPH_DOC_TIMEOUT``); a file over
``POLICYGRAPH_MAX_FILE_MB`` is refused before it is read. Whatever goes wrong with one file
becomes one :class:`~policygraph.errors.InputError` naming it, and the batch goes on.

Only this (parent) process writes the store, one document per transaction
(:meth:`Store.replace_document`): its named graph, everything derived from it alone, and
``pg:fileHash``, the SHA-256 of the file's bytes. A later run skips a file whose hash is in
its graph already and replaces one whose bytes changed, so a run killed at any moment leaves
whole documents only and the next run completes the rest. What is derived across documents
(:func:`policygraph.graph.resolve.resolve`) is rebuilt whole at the end of every run.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from rdflib import Literal as RdfLiteral
from rdflib import URIRef
from rdflib.term import Node

from policygraph.errors import InputError, PolicyGraphError
from policygraph.graph import Store, graph_iri, record_document_iri, record_graph, record_graph_iri
from policygraph.graph.resolve import resolve
from policygraph.loaders import Record, available, expand, read_bytes
from policygraph.ontology import ONTOLOGY_IRI, PG
from policygraph.settings import Settings, get_settings

__all__ = [
    "FILE_HASH",
    "FileTooLarge",
    "IngestReport",
    "Limits",
    "Outcome",
    "Parsed",
    "ReadMemoryExceeded",
    "ReadTimedOut",
    "ReaderPool",
    "benchmark",
    "file_hash",
    "ingest_bytes",
    "ingest_paths",
    "one_line",
    "parse_document",
    "shared_pool",
]

# The SHA-256 of the file's bytes, on the document node in the document's own graph.
FILE_HASH = PG.fileHash
Triple = tuple[Node, Node, Node]
_MB = 1024 * 1024
STARTUP_SECONDS = 120.0  # for a reader to import policygraph and load the vocabularies


class FileTooLarge(InputError):
    """A file over the size limit, refused before it is read."""

    http_status = 413
    code = "too_large"


class ReadTimedOut(InputError):
    """A document whose reading went past the per-document deadline."""

    code = "read_timeout"


class ReadMemoryExceeded(InputError):
    """A document whose reading needed more memory than a reader may have."""

    code = "read_memory"


@dataclass(frozen=True)
class Limits:
    """What one document may cost: wall time, reader memory, file size."""

    timeout: float = 60.0
    memory_mb: int = 1024
    max_file_mb: float = 50.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.doc_timeout, settings.doc_memory_mb, settings.max_file_mb)

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * _MB)

    def too_large(self, size: int, source: str) -> FileTooLarge:
        return FileTooLarge(
            f"is {size / _MB:.1f} MB, over the {self.max_file_mb:g} MB limit (POLICYGRAPH_MAX_FILE_MB): not read",
            source=source,
        )


@dataclass
class Parsed:
    """One document read: its record and the triples of its named graph."""

    record: Record
    graph_iri: str
    triples: list[Triple]
    file_hash: str
    seconds: float = 0.0  # reading time, in the reader


@dataclass
class Outcome:
    """What became of one file."""

    source: str
    status: Literal["ingested", "unchanged", "failed"]
    error: PolicyGraphError | None = None
    loader: str | None = None  # the format that read it
    size: int = 0
    read_seconds: float = 0.0
    write_seconds: float = 0.0
    graph_iri: str | None = None


@dataclass
class IngestReport:
    """The outcome of a batch: one entry per file, in the order they finished."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ingested(self) -> list[Outcome]:
        return self._with("ingested")

    @property
    def unchanged(self) -> list[Outcome]:
        return self._with("unchanged")

    @property
    def failed(self) -> list[Outcome]:
        return self._with("failed")

    def summary(self) -> dict[str, Any]:
        """Counts and timing, overall and by format (for the benchmark)."""
        by_format: dict[str, dict[str, Any]] = {}
        for o in self.outcomes:
            if o.status != "ingested":
                continue
            row = by_format.setdefault(
                o.loader or "unknown", {"documents": 0, "bytes": 0, "read_seconds": 0.0, "write_seconds": 0.0}
            )
            row["documents"] += 1
            row["bytes"] += o.size
            row["read_seconds"] += o.read_seconds
            row["write_seconds"] += o.write_seconds
        return {
            "files": len(self.outcomes),
            "ingested": len(self.ingested),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
            "seconds": self.seconds,
            "by_format": by_format,
        }


# ---------------------------------------------------------------- reading one document


def file_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def parse_document(data: bytes, *, source: str, base: str, digest: str | None = None) -> Parsed:
    """Read one document's bytes into its record and triples, in this process, unbounded.

    The workers run this; tests and tools may call it directly.
    """
    started = time.perf_counter()
    record = read_bytes(data, source=source)
    graph = record_graph(record, base)
    digest = digest or file_hash(data)
    graph.add((URIRef(record_document_iri(record, base)), FILE_HASH, RdfLiteral(digest)))
    return Parsed(record, record_graph_iri(record, base), list(graph), digest, time.perf_counter() - started)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(exc: PolicyGraphError, source: str | None = None) -> PolicyGraphError:
    """``exc`` naming ``source`` (when given) with a message on one line of bounded length.

    Messages come from loaders (and the libraries under them), which may span lines.
    """
    message = " ".join(str(exc.message).split()) or type(exc).__name__
    if len(message) > 300:
        message = message[:297] + "..."
    exc.message = message
    exc.args = (message,)
    if source is not None:
        exc.source = source
    if exc.source is not None:
        # A file name may hold control characters (even a newline): shown escaped.
        exc.source = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", exc.source)
    return exc


# ---------------------------------------------------------------- reader processes
#
# A reader is a fresh interpreter (not a fork of this process, which holds the store and its
# threads, nor a multiprocessing child, which would re-run the caller's __main__) speaking
# pickled messages over its stdin and stdout.

_READER_CODE = "import sys; from policygraph.ingest import _reader_main; _reader_main(sys.argv[1:])"


def _die_with_parent(parent: int) -> None:
    """Have Linux kill this process when the thread that started it goes (no orphan readers)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent went before the request above was made
        os._exit(0)


def _set_limit(name: str, soft: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the parent's deadline still holds
        return
    which = getattr(resource, name)
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def _cpu_seconds() -> float:
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reader_main(argv: list[str]) -> None:
    """A reader process: read jobs from stdin, answer on stdout, until told to stop or orphaned."""
    parent, memory_mb, timeout = int(argv[0]), int(argv[1]), float(argv[2])
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(os.dup(1), readable=False)
    # Whatever a library prints must not garble the messages.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    _set_limit("RLIMIT_CORE", 0)  # a crash leaves no core file
    _set_limit("RLIMIT_AS", memory_mb * _MB)
    # Load the loaders and their vocabularies before the first deadline starts to run.
    with contextlib.suppress(Exception):
        available()
        read_bytes("KẾ HOẠCH\n".encode(), source="warm-up")
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            job = inbox.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        # A backstop should the parent die without taking this process along: the kernel stops
        # a reader stuck in one document (a regular expression holds the GIL: nothing else can).
        _set_limit("RLIMIT_CPU", int(_cpu_seconds() + 2 * timeout + 5))
        data, source, base, digest = job
        reply: tuple[str, Any]
        try:
            reply = ("ok", parse_document(data, source=source, base=base, digest=digest))
        except PolicyGraphError as exc:
            reply = ("error", one_line(exc))
        except MemoryError:
            reply = ("memory", None)
        except RecursionError:
            reply = ("error", InputError("nested too deeply to read", source=source))
        except Exception as exc:  # a reader's bug must not cost the batch: reported as this file's
            reply = ("error", one_line(InputError(f"the reader failed on it ({type(exc).__name__}: {exc})")))
        del data, job
        try:
            outbox.send(reply)
        except MemoryError:
            reply = ("memory", None)
            outbox.send(reply)
        except Exception as exc:  # a result that does not pickle
            outbox.send(("error", one_line(InputError(f"the reader's result cannot be passed on ({exc})"))))
        if reply[0] == "memory":
            return  # after a MemoryError the heap is suspect: a fresh reader takes the next file


def _reader_env() -> dict[str, str]:
    # The reader must import this very policygraph, however this process found it.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # holds policygraph/
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    # There is one reader per CPU already; a thread pool in a reader (or in a program it runs,
    # such as tesseract) would only reserve address space against its memory limit.
    env.setdefault("OMP_THREAD_LIMIT", "1")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


class _Worker:
    """One reader process and the two ends of its pipes."""

    def __init__(self, limits: Limits) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _READER_CODE, str(os.getpid()), str(limits.memory_mb), str(limits.timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_reader_env(),
            # Its own process group, so that stopping it stops the programs it runs too (OCR).
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.outbox = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.inbox = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.ready = False  # until it says so, once its imports and vocabularies are loaded

    def _kill_group(self) -> None:
        # Only while the reader is not yet reaped is its pid surely still its group's id.
        if self.process.returncode is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, job: tuple[bytes, str, str, str], timeout: float) -> tuple[str, Any]:
        """Send one job and wait for its reply: ("ok"|"error"|"memory"|"timeout"|"crashed"|
        "unstarted", value). The deadline runs from when the reader is ready."""
        try:
            if not self.ready:
                if not self.inbox.poll(max(STARTUP_SECONDS, timeout)) or self.inbox.recv()[0] != "ready":
                    self.stop()
                    return ("unstarted", self.process.returncode)
                self.ready = True
            self.outbox.send(job)
            if not self.inbox.poll(timeout):
                return ("timeout", None)
            reply = self.inbox.recv()
        except (EOFError, OSError):
            self._kill_group()  # what it ran may outlive it
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
            return ("crashed" if self.ready else "unstarted", self.process.returncode)
        except Exception as exc:  # a reply that does not unpickle
            return ("garbled", exc)
        if isinstance(reply, tuple) and len(reply) == 2:
            return reply
        return ("garbled", None)

    def stop(self) -> None:
        """Kill the process and its group: one stuck in a regular expression heeds nothing else."""
        self._kill_group()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for conn in (self.outbox, self.inbox):
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        """Ask an idle reader to exit, then make sure it did."""
        with contextlib.suppress(OSError, ValueError):
            self.outbox.send(None)
            self.process.wait(1)
        self.stop()


def _failure(kind: str, value: Any, source: str, limits: Limits) -> PolicyGraphError:
    if kind == "error" and isinstance(value, PolicyGraphError):
        return value
    if kind == "timeout":
        return ReadTimedOut(
            f"took longer than {limits.timeout:g} s to read (POLICYGRAPH_DOC_TIMEOUT): stopped", source=source
        )
    if kind == "memory":
        return ReadMemoryExceeded(
            f"needs more than {limits.memory_mb} MB of memory to read (POLICYGRAPH_DOC_MEMORY_MB): stopped",
            source=source,
        )
    if kind == "crashed":
        how = "exited"
        if isinstance(value, int) and value < 0:
            with contextlib.suppress(ValueError):
                how = f"was killed by {signal.Signals(-value).name}"
        return InputError(f"the reader {how} while reading it (out of memory, or a crash in a parser)", source=source)
    if kind == "unstarted":
        return InputError(f"no reader process could be started to read it (exit status {value})", source=source)
    return InputError(f"the reader gave no usable answer ({kind})", source=source)


class ReaderPool:
    """Reader processes, one document at a time each; thread-safe.

    ``read`` blocks until a reader is free, then until the document is read, refused or past
    its deadline (the reader is then killed and replaced). Use as a context manager.
    """

    def __init__(self, limits: Limits, workers: int = 0) -> None:
        self.limits = limits
        self.size = workers if workers > 0 else (os.cpu_count() or 1)
        # Readers are started from one long-lived thread: Linux ties a reader's life to the
        # thread that started it (PR_SET_PDEATHSIG), and callers' threads may come and go.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="policygraph-reader-start")
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.size)
        self._closed = False

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise InputError("the reader pool is closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                self._all.discard(worker)
                worker.stop()
        worker = self._starter.submit(_Worker, self.limits).result()
        with self._lock:
            self._all.add(worker)
            if self._closed:
                self._all.discard(worker)
                worker.stop()
                raise InputError("the reader pool is closed")
        return worker

    def _give_back(self, worker: _Worker, keep: bool) -> None:
        with self._lock:
            if keep and not self._closed:
                self._idle.append(worker)
                return
            self._all.discard(worker)
        worker.stop()

    def read(self, data: bytes, *, source: str, base: str, digest: str | None = None) -> Parsed:
        """Read one document in a reader process; raise its InputError when it cannot be read."""
        digest = digest or file_hash(data)
        with self._slots:
            worker = self._take()
            keep = False
            try:
                kind, value = worker.run((data, source, base, digest), self.limits.timeout)
                keep = kind in ("ok", "error")
            finally:
                self._give_back(worker, keep)
        if kind == "ok" and isinstance(value, Parsed):
            return value
        raise one_line(_failure(kind, value, source, self.limits), source)

    def close(self) -> None:
        """Stop every reader, busy ones included."""
        with self._lock:
            self._closed = True
            idle, busy = list(self._idle), self._all - set(self._idle)
            self._idle.clear()
            self._all.clear()
        for worker in idle:
            worker.close()
        for worker in busy:
            worker.stop()
        self._starter.shutdown(wait=False)


_shared: dict[Limits, ReaderPool] = {}
_shared_lock = threading.Lock()


def shared_pool(limits: Limits, workers: int = 0) -> ReaderPool:
    """A process-wide pool for these limits (the API's), closed when the process exits."""
    with _shared_lock:
        pool = _shared.get(limits)
        if pool is None:
            if not _shared:
                atexit.register(_close_shared)
            pool = _shared[limits] = ReaderPool(limits, workers)
        return pool


def _close_shared() -> None:
    with _shared_lock:
        for pool in _shared.values():
            pool.close()
        _shared.clear()


# ---------------------------------------------------------------- batches


def _read_file(path: Path, limits: Limits) -> bytes:
    """The file's bytes; refused unread when it is over the size limit or not a regular file."""
    source = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file", source=source)
        if info.st_size > limits.max_bytes:
            raise limits.too_large(info.st_size, source)
        with path.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", source=source) from None
    if len(data) > limits.max_bytes:
        raise limits.too_large(len(data), source)
    return data


@dataclass
class _Job:
    path: Path
    data: bytes
    digest: str
    graph_iri: str


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    settings: Settings | None = None,
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
    pool: ReaderPool | None = None,
) -> IngestReport:
    """Ingest files and folders (see :func:`policygraph.loaders.expand`) into ``store``.

    Files are read in parallel by ``pool`` (a fresh one with ``settings.workers`` readers
    by default) and written here, one transaction each, as they come back. ``on_outcome``
    hears of each file as it is settled. A failure of the store itself (StoreError) stops
    the batch; a failure of a file never does.
    """
    settings = settings or get_settings()
    limits = pool.limits if pool is not None else Limits.from_settings(settings)
    base = settings.base_iri
    started = time.perf_counter()
    report = IngestReport()
    store.load_vocabulary()
    known = {g: set(v) for g, v in store.values_by_graph(str(FILE_HASH)).items()}
    claimed: dict[str, Path] = {}

    def settle(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def prepare(path: Path) -> _Job | None:
        target = graph_iri(base, path.name)
        if target in claimed:
            # One graph per file name: two files of one name would overwrite each other.
            error = InputError(f"has the same file name as {claimed[target]}, which is read instead", source=str(path))
            settle(Outcome(str(path), "failed", one_line(error)))
            return None
        claimed[target] = path
        try:
            data = _read_file(path, limits)
        except PolicyGraphError as exc:
            settle(Outcome(str(path), "failed", one_line(exc, str(path))))
            return None
        digest = file_hash(data)
        if digest in known.get(target, ()):
            settle(Outcome(str(path), "unchanged", size=len(data), graph_iri=target))
            return None
        return _Job(path, data, digest, target)

    def finish(job: _Job, future: Future[Parsed]) -> None:
        try:
            parsed = future.result()
        except PolicyGraphError as exc:
            settle(Outcome(str(job.path), "failed", one_line(exc, str(job.path)), size=len(job.data)))
            return
        write_started = time.perf_counter()
        store.replace_document(parsed.graph_iri, parsed.triples)  # a StoreError ends the batch
        settle(
            Outcome(
                str(job.path),
                "ingested",
                loader=parsed.record.loader,
                size=len(job.data),
                read_seconds=parsed.seconds,
                write_seconds=time.perf_counter() - write_started,
                graph_iri=parsed.graph_iri,
            )
        )

    own = pool is None
    readers = pool if pool is not None else ReaderPool(limits, settings.workers)
    threads = ThreadPoolExecutor(readers.size, thread_name_prefix="policygraph-read")
    pending: dict[Future[Parsed], _Job] = {}
    files: Iterator[Path] = iter(expand(paths))
    try:
        exhausted = False
        while True:
            # Files are read (and held) only a little ahead of the readers.
            while not exhausted and len(pending) < 2 * readers.size:
                path = next(files, None)
                if path is None:
                    exhausted = True
                    break
                job = prepare(path)
                if job is not None:
                    future = threads.submit(readers.read, job.data, source=job.path.name, base=base, digest=job.digest)
                    pending[future] = job
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finish(pending.pop(future), future)
    finally:
        if own:
            readers.close()  # unblocks any thread still waiting on a reader
        threads.shutdown(wait=True, cancel_futures=True)
    # What follows from documents together (inferred links, target comparisons) is rebuilt
    # once per batch, so a baseline that arrives or changes updates every plan it governs; and
    # on every run, even one with nothing new: a run killed before this point left it behind.
    resolve(store, base)
    report.seconds = time.perf_counter() - started
    return report


_write_lock = threading.Lock()


def ingest_bytes(
    store: Store,
    data: bytes,
    source: str,
    settings: Settings | None = None,
    *,
    pool: ReaderPool | None = None,
) -> Parsed:
    """Read one document's bytes (an upload) in a reader process and write it to ``store``.

    ``source`` is the file name the document is known by (its folder is dropped). Raises
    FileTooLarge, ReadTimedOut, ReadMemoryExceeded or the loader's InputError.
    """
    settings = settings or get_settings()
    readers = pool or shared_pool(Limits.from_settings(settings), settings.workers)
    name = PurePosixPath(source.replace("\\", "/")).name or "upload"
    if len(data) > readers.limits.max_bytes:
        raise readers.limits.too_large(len(data), name)
    parsed = readers.read(data, source=name, base=settings.base_iri)
    # Uploads come concurrently: one at a time writes and rebuilds what is derived across
    # documents, so the last rebuild sees every document written before it.
    with _write_lock:
        if ONTOLOGY_IRI not in store.graphs():
            store.load_vocabulary()
        store.replace_document(parsed.graph_iri, parsed.triples)
        resolve(store, settings.base_iri)
    return parsed


def benchmark(paths: Iterable[Path | str], settings: Settings | None = None, *, workers: int = 0) -> dict[str, Any]:
    """Ingest ``paths`` into a fresh in-memory store; counts and seconds, overall and by format.

    ``read_seconds`` add up the readers' time (in parallel), ``seconds`` is the wall time.
    """
    settings = settings or get_settings()
    if workers:
        settings = settings.model_copy(update={"workers": workers})
    with Store.open(None) as store:
        report = ingest_paths(store, paths, settings)
    summary = report.summary()
    summary["workers"] = settings.workers or os.cpu_count() or 1
    return summary
