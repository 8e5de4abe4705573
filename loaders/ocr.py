"""Scanned pages and images (PNG, JPEG, TIFF): Tesseract's Vietnamese model, pages in parallel.

Each page is made grey, deskewed (the skew is the angle whose horizontal projection profile is
sharpest: text lines then fall in few rows, gaps in others) and handed to the ``tesseract``
program (Debian ``tesseract-ocr`` and ``tesseract-ocr-vie``). Tesseract runs as a subprocess,
so a thread pool keeps every core busy; at most ``2 × workers`` pages are held in memory at a
time. A page whose reading is not Vietnamese is asked for its orientation (Tesseract's OSD) and
read again turned upright.

Cost, measured on A4 pages scanned at 200 dpi (11 pt text, noise, up to 1.5° skew): 1.9 s of
Tesseract CPU and 0.3 s of Python (mostly the skew search) a page, so two idle cores read about
one page a second. Reading at 300 dpi took twice as long and gave the same text, so pages are
read at their own resolution. (On two cores already busy with other jobs: 2.4 s a page.)
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from policygraph.errors import InputError
from policygraph.loaders import Loader
from policygraph.loaders.legacy import reads_as_vietnamese
from policygraph.loaders.record import SourceText

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
LANGUAGE = "vie"
TIMEOUT_SECONDS = 300  # one page; a stuck Tesseract must not hang a batch
MAX_SKEW = 5.0  # degrees searched either way; a scanner feeder skews less than this
PROFILE_WIDTH = 600  # the skew is measured on a copy this wide


@cache
def _tesseract() -> str | None:
    """The tesseract program, if it is installed with the Vietnamese model."""
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        listed = subprocess.run([program, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    languages = set((listed.stdout + listed.stderr).split())
    return program if LANGUAGE in languages else None


def require_tesseract(source: str) -> str:
    """The tesseract program, or an InputError naming the Debian packages to install."""
    program = _tesseract()
    if program is None:
        raise InputError(
            f"scanned pages need Tesseract with its Vietnamese model, which is not installed ({INSTALL_HINT})",
            source=source,
        )
    return program


def workers() -> int:
    """Pages read at once: ``POLICYGRAPH_OCR_WORKERS`` if set (a pool of reader processes sets
    it to share the cores), else one per core this process may use."""
    setting = os.environ.get("POLICYGRAPH_OCR_WORKERS", "").strip()
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


# ------------------------------------------------------------------------------------ deskew


def _profile_score(ink: Image.Image, angle: float) -> float:
    """How sharply the rows of ``ink`` turned by ``angle`` separate text lines from gaps."""
    turned = ink.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()  # each row's mean ink
    return float(sum(v * v for v in rows))


def estimate_skew(image: Image.Image) -> float:
    """The page's skew in degrees, counter-clockwise positive: ``image.rotate(-skew)`` is upright.

    >>> page = Image.new("L", (1200, 900), 255)
    >>> for y in range(100, 800, 40):
    ...     page.paste(0, (100, y, 1100, y + 12))
    >>> round(estimate_skew(page.rotate(1.5, fillcolor=255, resample=Image.Resampling.BICUBIC)), 1)
    1.5
    """
    grey = image.convert("L")
    scale = min(1.0, PROFILE_WIDTH / grey.width)
    small = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))), Image.Resampling.BOX)
    ink = small.point(lambda v: 255 if v < 160 else 0)
    if ink.getbbox() is None:
        return 0.0

    def best(angles: Iterable[float]) -> float:
        return max(angles, key=lambda a: _profile_score(ink, a))

    coarse = best([a / 2 for a in range(int(-2 * MAX_SKEW), int(2 * MAX_SKEW) + 1)])
    fine = best([coarse + a / 10 for a in range(-5, 6)])
    return -fine


def deskew(image: Image.Image) -> Image.Image:
    """``image`` turned upright when it is skewed by 0.2° or more."""
    skew = estimate_skew(image)
    if abs(skew) < 0.2:
        return image
    return image.rotate(-skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


# -------------------------------------------------------------------------------- tesseract


def _run(program: str, image: Image.Image, args: list[str]) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PPM")  # uncompressed: cheaper than PNG, and Leptonica reads it
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread per Tesseract: the pool gives parallelism
    done = subprocess.run(
        [program, "stdin", "stdout", *args],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(message[-1] if message else f"tesseract exited with {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def _orientation(program: str, image: Image.Image) -> int:
    """Degrees to turn the page clockwise to make it upright, from Tesseract's OSD (0 if unsure)."""
    try:
        report = _run(program, image, ["--psm", "0"])
    except (RuntimeError, subprocess.SubprocessError):
        return 0
    m = re.search(r"Rotate:\s*(\d+)", report)
    return int(m.group(1)) if m else 0


def ocr_image(image: Image.Image, *, dpi: int, program: str) -> str:
    """The text of one page image."""
    grey = ImageOps.exif_transpose(image).convert("L")
    upright = deskew(grey)
    args = ["-l", LANGUAGE, "--psm", "3", "--dpi", str(dpi)]
    text = _run(program, upright, args)
    if not reads_as_vietnamese(text, min_words=10):
        turn = _orientation(program, upright)
        if turn:
            text = _run(program, upright.rotate(-turn, expand=True, fillcolor=255), args)
    return text.replace("\f", "").strip("\n")


def ocr_pages(pages: Iterable[Callable[[], Image.Image]], *, dpi: int, source: str) -> list[str]:
    """The text of each page, in order. ``pages`` yields functions that make each page's image;
    they are called in this thread, lazily, so that a long scan is not held in memory at once."""
    program = require_tesseract(source)
    texts: list[str] = []
    pool_size = workers()
    pending: deque[Future[str]] = deque()
    with ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="ocr") as pool:
        try:
            for make in pages:
                # Bounded: wait for the oldest page before rendering too far ahead.
                while len(pending) >= 2 * pool_size:
                    texts.append(pending.popleft().result())
                pending.append(pool.submit(ocr_image, make(), dpi=dpi, program=program))
            while pending:
                texts.append(pending.popleft().result())
        except (RuntimeError, subprocess.SubprocessError) as exc:
            for future in pending:
                future.cancel()
            raise InputError(f"OCR failed ({exc})", source=source) from None
    return texts


# ---------------------------------------------------------------------------- image loader


def _sniff(head: bytes) -> bool:
    return head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*"))


def _dpi(image: Image.Image) -> int:
    dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    # Missing or implausible resolutions (72 is a default, not a measurement) count as 300 dpi.
    return value if 100 <= value <= 1200 else 300


def join_pages(texts: list[str]) -> SourceText:
    """Page texts joined by blank lines, with the offset where each page starts."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for k, text in enumerate(texts):
        if k:
            parts.append("\n\n")
            offset += 2
        starts.append(offset)
        parts.append(text)
        offset += len(text)
    return SourceText("".join(parts), tuple(starts))


def _read(data: bytes, *, source: str) -> SourceText:
    require_tesseract(source)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InputError(f"unreadable image ({exc})", source=source) from None
    dpi = _dpi(image)

    def frames() -> Iterable[Callable[[], Image.Image]]:
        for frame in ImageSequence.Iterator(image):
            copy = frame.copy()
            yield lambda copy=copy: copy  # type: ignore[misc]

    texts = ocr_pages(frames(), dpi=dpi, source=source)
    if not any(t.strip() for t in texts):
        raise InputError("no text found in the image", source=source)
    return join_pages(texts)


LOADER = Loader(name="image", sniff=_sniff, read=_read, priority=10)
