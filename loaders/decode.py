"""Bytes to text: tell the encoding, or say clearly that it cannot be told.

In order: a byte-order mark (UTF-8, UTF-16, UTF-32); UTF-16 without a mark (every other byte
NUL); UTF-8; then the single-byte Vietnamese codes, Windows-1258 (tone marks as combining
characters), TCVN3 and VNI, told apart by which reading gives Vietnamese syllables
(:mod:`policygraph.loaders.legacy`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from policygraph.errors import InputError
from policygraph.loaders import legacy

# Words common enough in any Vietnamese administrative text that a right decoding shows some.
_VIETNAMESE_MARKERS = re.compile(r"(của|và|các|thực hiện|năm|được|trong|người|theo|những)", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _looks_vietnamese(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    odd = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn", "So") and ch not in "\n\r\t\f")
    if letters == 0 or odd > len(text) * 0.01:
        return False
    return len(_VIETNAMESE_MARKERS.findall(text)) >= max(1, len(text) // 2000)


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when NUL bytes fill one byte of each pair and not the other.

    >>> utf16_without_bom("Kế hoạch số 12".encode("utf-16-le"))
    'utf-16-le'
    >>> utf16_without_bom(bytes(range(256))) is None
    True
    """
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even = sum(1 for i in range(0, 2 * pairs, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, 2 * pairs, 2) if sample[i] == 0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def decode(data: bytes, *, source: str) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    UTF-8 and BOM-marked UTF-16/32 are taken as they are; UTF-16 without a mark is taken when
    it reads as Vietnamese; otherwise Windows-1258, TCVN3 and VNI are tried and the one whose
    reading is Vietnamese is kept.

    >>> decode("Kế hoạch".encode("utf-16"), source="x.txt")
    ('Kế hoạch', 'utf-16')
    >>> decode("KÕ ho¹ch cña ñy ban nh©n d©n tØnh".encode("latin-1"), source="x.txt")
    ('Kế hoạch của ủy ban nhân dân tỉnh', 'tcvn3')
    """
    if not data.strip():
        raise InputError("empty file", source=source)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"declares {encoding} by its byte-order mark but is not ({exc.reason})",
                    source=source,
                ) from None
    if b"\x00" in data[:4096]:
        wide = utf16_without_bom(data)
        if wide is not None:
            try:
                text = data.decode(wide)
            except UnicodeDecodeError:
                text = ""
            if text and legacy.reads_as_vietnamese(text[: legacy.SAMPLE_BYTES]):
                return text, wide
        raise InputError("binary content: no loader reads this format", source=source)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guessed = legacy.guess(data)
    if guessed is not None:
        return guessed
    # Windows-1258 text with too few non-ASCII words to judge by: fall back on common words.
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        text = ""
    if text and _looks_vietnamese(text):
        valid, counted = legacy.syllables(text)
        if valid >= 0.85 * counted:
            return text, "windows-1258"
    raise InputError(
        "cannot tell the text encoding (not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI)",
        source=source,
    )
