"""Hostile input: each bad file is ONE line naming it and why, within the per-document time and
memory limits, and the batch goes on.

The files are built here: fuzzed bytes, empty, truncated, encrypted and password-protected PDFs,
a DOCX zip bomb, a 200 MB file, deeply nested HTML, a 1 MB line, odd file names, and inputs
built to make the loaders' regular expressions backtrack. For formats whose loader may or may
not be installed the tests assert the shape of the failure (one line, names the file, no
traceback, the batch goes on), not its reason, except where the reason is ingest's own: size,
time, memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from policygraph.errors import InputError, PolicyGraphError
from policygraph.graph import Store
from policygraph.ingest import FileTooLarge, ReadMemoryExceeded, ReadTimedOut, ingest_paths, one_line
from policygraph.loaders import read_bytes
from policygraph.settings import Settings

from conftest import BASE, EXAMPLES, SEEDS

CLI = [sys.executable, "-m", "policygraph.cli"]
MB = 1024 * 1024
GOOD = EXAMPLES / "03_ke-hoach-tinh-a.txt"  # a short synthetic plan, always in the checkout


def _plan_texts() -> list[bytes]:
    """Real plans when ../shared is beside the checkout, and the synthetic examples."""
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    return [p.read_bytes() for p in files + sorted(EXAMPLES.glob("*.txt"))]


# ---------------------------------------------------------------- PDF, built by hand


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def pdf(user_password: str | None = None) -> bytes:
    """A one-page PDF; with ``user_password`` it is encrypted (standard handler, RC4 40-bit,
    revision 2): "" opens without a password, anything else needs one."""
    content = b"BT /F1 12 Tf 72 720 Td (Hello, this is not a plan.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
    ]
    if user_password is None:
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        return _pdf(objects)
    file_id = hashlib.md5(b"policygraph hostile").digest()
    permissions = -44

    def padded(password: str) -> bytes:
        return (password.encode("latin-1") + _PAD)[:32]

    owner = _rc4(hashlib.md5(padded("owner")).digest()[:5], padded(user_password))
    key = hashlib.md5(padded(user_password) + owner + struct.pack("<i", permissions) + file_id).digest()[:5]
    check = _rc4(key, _PAD)
    stream_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
    body = _rc4(stream_key, content)
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body))
    objects.append(
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), check.hex().encode(), permissions)
    )
    return _pdf(objects, b"/Encrypt 5 0 R /ID [<%s> <%s>] " % (file_id.hex().encode(), file_id.hex().encode()))


# ---------------------------------------------------------------- DOCX, and a zip bomb


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    b'"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
    b'document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
)
_DOC_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def docx(text: str) -> bytes:
    """A minimal DOCX with one paragraph per line of ``text``."""
    paragraphs = "".join(
        f"<w:p><w:r><w:t>{line.replace('&', '&amp;').replace('<', '&lt;')}</w:t></w:r></w:p>"
        for line in text.splitlines()
    )
    body = _DOC_HEAD.split(b"<w:p>")[0] + paragraphs.encode() + b"</w:body></w:document>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", body)
    return buf.getvalue()


def _raw_deflate(data: bytes, final: bool) -> bytes:
    # A fresh compressor and a full flush: the block refers to nothing before it, so such
    # blocks can be repeated and concatenated into one valid deflate stream.
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def zip_bomb_docx(inflated_mb: int = 2048) -> bytes:
    """A DOCX whose word/document.xml inflates to ``inflated_mb`` MB from about 2 MB."""
    chunk = b"A" * MB
    block = _raw_deflate(chunk, final=False)
    bomb = _raw_deflate(_DOC_HEAD, final=False) + block * inflated_mb + _raw_deflate(_DOC_TAIL, final=True)
    crc = zlib.crc32(_DOC_HEAD)
    for _ in range(inflated_mb):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(_DOC_TAIL, crc)
    entries = [
        ("[Content_Types].xml", _raw_deflate(_CONTENT_TYPES, True), zlib.crc32(_CONTENT_TYPES), len(_CONTENT_TYPES)),
        ("_rels/.rels", _raw_deflate(_RELS, True), zlib.crc32(_RELS), len(_RELS)),
        ("word/document.xml", bomb, crc, len(_DOC_HEAD) + inflated_mb * MB + len(_DOC_TAIL)),
    ]
    out = bytearray()
    central = bytearray()
    for name, data, crc32, size in entries:
        offset = len(out)
        fields = (20, 0, 8, 0, 0x21, crc32, len(data), size, len(name), 0)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name.encode() + data
        central += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        central += struct.pack("<HHHII", 0, 0, 0, 0, offset) + name.encode()
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


# ---------------------------------------------------------------- the hostile corpus


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.truncate(size)


# Inputs made to make the loaders' regular expressions backtrack (found by timing each regex
# of loaders/*.py on crafted 1 MB inputs). A fixed loader reads them fast; until then the
# per-document deadline stops them. They may be ingested or refused, never hang the batch.
MENTION = "Kế hoạch số 12/KH-UBND".encode()
BACKTRACKING: dict[str, bytes] = {
    # normalize._MD_MARKUP "<!--.*?-->": every "<!--" scans the rest of its line.
    "regex_md_comment.txt": b"<!--" * (MB // 4),
    # document.SIGN_TITLE / ON_BEHALF "^\s*…" with re.M: each line start scans all white space after it.
    "regex_blank_lines.txt": b"x\n" + b"\t\n" * (MB // 2),
    "regex_vtab_lines.txt": b"x\n" + b"\x0b\n" * (MB // 2),
    # document.ENACTING "(?P<who>[^.;:\n]{3,80}?)\s+(?:ban hành|…)" on the first 1500 characters:
    # a run of tabs there costs seconds, from a file of 2 KB.
    "regex_enacting_head.txt": b"x" + b"\t" * 2000,
    # references.DATE_WORDS / DATE_NUMERIC "\s*,?\s*…": tries every split of the white space.
    "regex_date_after_mention.txt": MENTION + b"\t" * MB,
    # targets.FIGURE "(…\s*)(?P<num>\d…)": each position of a white-space run scans to its end
    # (and document.ENACTING, as above, on the first 1500 characters).
    "regex_figure_whitespace.txt": b"x" + b"\t" * MB,
    # targets._year_for: YEAR is searched from the line start for every figure of the line.
    "regex_year_per_figure.txt": "tỷ lệ bao phủ bảo hiểm y tế đạt 95%; ".encode() * (MB // 52),
    # many numbered mentions: references compares each with every one before it.
    "regex_mentions_one_line.txt": b"".join(MENTION.replace(b"12", b"%d" % i) + b" " for i in range(MB // 32)),
}


def hostile_corpus(folder: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Write the hostile files; returns (files that must fail, files that may be read)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(6)
    plan = GOOD.read_bytes()
    must: dict[str, bytes | Callable[[Path], None]] = {
        "fuzz_random.bin": bytes(rng.randrange(256) for _ in range(64 * 1024)),
        "fuzz_random.txt": bytes(rng.randrange(256) for _ in range(4096)),
        "empty.txt": b"",
        "blank.txt": b" \n\t\r\n",
        "nul_bytes.txt": b"\x00" * 4096,
        "not_a_plan.txt": "Xin chào, đây không phải là văn bản.\n".encode() * 20,
        "plain.pdf": pdf(),
        "truncated.pdf": pdf()[: len(pdf()) // 2],
        "encrypted.pdf": pdf(user_password=""),
        "password.pdf": pdf(user_password="secret"),
        "truncated.docx": docx(plan.decode())[:700],
        "bomb.docx": zip_bomb_docx(),
        "huge.txt": lambda p: _sparse(p, 200 * MB),
        "nested.html": b"<!DOCTYPE html><html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000,
        "long_line.txt": "dòng chữ rất dài không có ngắt ".encode() * (MB // 36),
        "bad\nname.txt": b"\xff\xfe\x00",
        "[bold]markup[dim].txt": b"",
        "utf16_odd.txt": b"\xff\xfe" + plan[:501],
    }
    must_fail: dict[str, Path] = {}
    for name, content in must.items():
        path = folder / name
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)
        must_fail[name] = path
    may_read: dict[str, Path] = {}
    for name, data in BACKTRACKING.items():
        (folder / name).write_bytes(data)
        may_read[name] = folder / name
    return must_fail, may_read


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _readers_of(pid: int) -> list[int]:
    """Reader processes (see policygraph.ingest) whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"_reader_main" in cmdline:
            found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- the tests


def test_cli_batch_of_hostile_files_gives_one_line_each_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    must_fail, may_read = hostile_corpus(corpus)
    (corpus / GOOD.name).write_bytes(GOOD.read_bytes())
    env = dict(os.environ, POLICYGRAPH_DOC_TIMEOUT="5", POLICYGRAPH_DOC_MEMORY_MB="512", POLICYGRAPH_WORKERS="0")
    env.pop("POLICYGRAPH_MAX_FILE_MB", None)  # the default, 50 MB
    started = time.monotonic()
    run = subprocess.run(
        [*CLI, "ingest", str(corpus), "--store", str(tmp_path / "store")],
        capture_output=True,
        env=env,
        timeout=300,  # a reader that the deadline did not stop would hang here
    )
    elapsed = time.monotonic() - started
    err = run.stderr.decode()
    assert "Traceback" not in err, err
    assert run.returncode == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    summary = [line for line in lines if line.startswith("ingested ")]
    errors = _error_lines(err)
    # Nothing but the summary and one line per failed file: no continuation lines.
    assert len(summary) == 1 and len(lines) == 1 + len(errors), err

    def lines_naming(path: Path) -> list[str]:
        shown = str(path).replace("\n", "\\x0a")
        return [line for line in errors if shown in line]

    for name, path in must_fail.items():
        named = lines_naming(path)
        assert len(named) == 1, (name, named)
        assert named[0].startswith("error: ") and len(named[0]) > len("error: ") + len(str(path)) + 5, named
    ingested_regex = 0
    for name, path in may_read.items():
        named = lines_naming(path)
        assert len(named) <= 1, (name, named)
        ingested_regex += not named
    assert len(errors) == len(must_fail) + len(may_read) - ingested_regex, err
    assert summary[0].startswith(f"ingested {1 + ingested_regex} document(s)"), summary
    assert "over the 50 MB limit" in lines_naming(must_fail["huge.txt"])[0]
    # The good plan was read: the batch went on past every bad file.
    q = subprocess.run(
        [*CLI, "query", "documents", "--store", str(tmp_path / "store"), "--format", "json"], capture_output=True
    )
    assert GOOD.name.encode() in q.stdout
    # 2 readers at least on 2 cores: every stopped reader costs its 5 s, no more.
    assert elapsed < 5 * (len(must_fail) + len(may_read)) + 60, elapsed


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(GOOD.read_bytes() * (2 * MB // len(GOOD.read_bytes()) + 1))
    huge = tmp_path / "huge.txt"
    _sparse(huge, 200 * MB)
    with Store.open(None) as store:
        started = time.monotonic()
        report = ingest_paths(store, [big, huge, GOOD], Settings(base_iri=BASE, max_file_mb=1, workers=1))
        elapsed = time.monotonic() - started
    failed = {Path(o.source).name: o.error for o in report.failed}
    assert set(failed) == {"big.txt", "huge.txt"}
    assert all(isinstance(e, FileTooLarge) and e.http_status == 413 for e in failed.values())
    assert "is 2.0 MB, over the 1 MB limit" in str(failed["big.txt"])
    assert "is 200.0 MB" in str(failed["huge.txt"])
    assert [Path(o.source).name for o in report.ingested] == [GOOD.name]
    assert elapsed < 30  # reading 200 MB of zeros through the readers would not be


def test_a_document_past_its_deadline_is_stopped_and_the_batch_goes_on(tmp_path: Path) -> None:
    slow = tmp_path / "slow.txt"
    # A real plan, a thousand times over: each copy's targets and references are read again.
    slow.write_bytes(GOOD.read_bytes() * 150)
    with Store.open(None) as store:
        started = time.monotonic()
        report = ingest_paths(store, [slow, GOOD], Settings(base_iri=BASE, doc_timeout=1.5, workers=2))
        elapsed = time.monotonic() - started
        assert _readers_of(os.getpid()) == []  # every reader stopped with the batch
    assert [Path(o.source).name for o in report.ingested] == [GOOD.name]
    (failure,) = report.failed
    assert isinstance(failure.error, ReadTimedOut)
    assert str(failure.error) == f"{slow}: took longer than 1.5 s to read (POLICYGRAPH_DOC_TIMEOUT): stopped"
    assert elapsed < 1.5 + 30, elapsed


def test_a_document_needing_too_much_memory_is_stopped_and_the_batch_goes_on(tmp_path: Path) -> None:
    hungry = tmp_path / "hungry.txt"
    # Reading keeps several Python objects per character: 12 MB of text needs far more than 300 MB.
    hungry.write_bytes(GOOD.read_bytes() * (12 * MB // len(GOOD.read_bytes())))
    with Store.open(None) as store:
        report = ingest_paths(
            store, [hungry, GOOD], Settings(base_iri=BASE, doc_memory_mb=300, doc_timeout=300, workers=1)
        )
    assert [Path(o.source).name for o in report.ingested] == [GOOD.name]
    (failure,) = report.failed
    assert isinstance(failure.error, ReadMemoryExceeded), failure.error
    assert "needs more than 300 MB of memory to read (POLICYGRAPH_DOC_MEMORY_MB)" in str(failure.error)


def test_one_line_flattens_and_names() -> None:
    exc = one_line(InputError("first line\nsecond\tline  " + "x" * 400), "dir/a\nb.txt")
    assert "\n" not in str(exc) and str(exc).startswith("dir/a\\x0ab.txt: first line second line x")
    assert len(exc.message) == 300 and exc.message.endswith("...")


# ---------------------------------------------------------------- fuzzing the text pipeline


FUZZ_EXAMPLES = int(os.environ.get("POLICYGRAPH_FUZZ_EXAMPLES", "10000"))
FUZZ_SECONDS_PER_INPUT = 3.0  # inputs are at most a few KB: anything slower is a finding
_TOKENS = [
    b"<!--", b"-->", b"**", b"__", b"*", b"\t", b"\x0b", b"\n", b"\r\n", b"\r", b"\f", b"  ", b"\xc2\xa0",
    "Số:".encode(), "ngày".encode(), "tháng".encode(), "năm 2030".encode(), b"%", b"95", b"/", b"-", b"KH-UBND",
    b"TM.", "KT. CHỦ TỊCH".encode(), "KẾ HOẠCH".encode(), "CHỈ THỊ".encode(), "\u0301".encode(), b"\xef\xbb\xbf",
    b"\x00", b"\xff\xfe", b"# ", b"<sup>", b"I. ", b"1. ", b"a) ", "…".encode(), "Quyết định số ".encode(),
    "(Kèm theo ".encode(), "mỗi ".encode(), "Thực hiện ".encode(), "tỷ lệ bao phủ bảo hiểm y tế".encode(),
    "UBND tỉnh".encode(), b"|", b"\x80", b"\xe1\xba", "đến năm 2025".encode(),
]  # fmt: skip


def _fuzz_input(rng: random.Random, plans: list[bytes]) -> bytes:
    kind = rng.random()
    plan = rng.choice(plans)
    if kind < 0.45:  # a slice of a real plan, mutated
        start = 0 if rng.random() < 0.5 else rng.randrange(len(plan))
        data = bytearray(plan[start : start + rng.randint(0, 1500)])
        for _ in range(rng.randint(0, 8)):
            pos = rng.randint(0, len(data))
            op = rng.random()
            if op < 0.3 and data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
            elif op < 0.6:
                data[pos:pos] = rng.choice(_TOKENS) * rng.randint(1, 20)
            elif op < 0.8:
                del data[pos : pos + rng.randint(1, 50)]
            else:
                data[pos:pos] = data[max(0, pos - 100) : pos]
        return bytes(data)
    if kind < 0.6:  # noise
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 600)))
    if kind < 0.85:  # a soup of the tokens the loaders look for
        return b"".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 150)))
    text = plan[: rng.randint(0, 1500)].decode("utf-8", "ignore")  # other encodings, maybe cut short
    data = text.encode(rng.choice(["utf-16", "utf-32", "cp1258", "utf-8-sig", "utf-16-le"]), "ignore")
    return data[: rng.randint(0, len(data))] if rng.random() < 0.3 else data


def _fuzz_shard(seed: int, count: int) -> tuple[int, list[str]]:
    """Read ``count`` fuzzed inputs in this process; what went wrong, one line each."""
    rng = random.Random(seed)
    plans = _plan_texts()
    problems: list[str] = []
    for i in range(count):
        data = _fuzz_input(rng, plans)
        started = time.perf_counter()
        try:
            read_bytes(data, source=f"fuzz-{seed}-{i}.txt")
        except PolicyGraphError as exc:
            if exc.source != f"fuzz-{seed}-{i}.txt" or not exc.message.strip():
                problems.append(f"seed {seed} #{i}: error does not name the file: {exc!r}")
        except Exception as exc:  # anything else is a loader bug
            problems.append(f"seed {seed} #{i}: {type(exc).__name__}: {exc} on {data[:200]!r}")
        seconds = time.perf_counter() - started
        if seconds > FUZZ_SECONDS_PER_INPUT:
            problems.append(f"seed {seed} #{i}: {seconds:.1f} s for {len(data)} bytes: {data[:200]!r}")
    return count, problems


def test_fuzzed_inputs_give_a_record_or_an_input_error() -> None:
    shards = os.cpu_count() or 1
    per_shard = -(-FUZZ_EXAMPLES // shards)
    # Inputs are read in-process (fast), a shard per CPU; spawn: a clean interpreter each.
    with ProcessPoolExecutor(shards, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_fuzz_shard, range(1000, 1000 + shards), [per_shard] * shards))
    assert sum(count for count, _ in results) >= FUZZ_EXAMPLES
    problems = [p for _, shard in results for p in shard]
    assert not problems, "\n".join(problems[:20])
