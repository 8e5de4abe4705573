"""Plain text and Markdown (text as it comes out of PDF, DOCX or OCR tools), in any encoding
:func:`~policygraph.loaders.decode.decode` tells; text in the pre-Unicode TCVN3 and VNI codes has
loaders of its own so that a record says its text was converted."""

from __future__ import annotations

from policygraph.loaders import Loader, legacy
from policygraph.loaders.decode import decode, utf16_without_bom

_OTHER_FORMATS = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0", b"II*\x00", b"MM\x00*")


def _sniff(head: bytes) -> bool:
    # Text unless it carries NUL bytes outside UTF-16/32 (with or without a byte-order mark);
    # decode() then tells a readable encoding from an unknown one with a clear error.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return True
    return b"\x00" not in head and not head.startswith(_OTHER_FORMATS)


def _read(data: bytes, *, source: str) -> str:
    text, _encoding = decode(data, source=source)
    return text


def _single_byte_code(head: bytes) -> str | None:
    """The legacy code of a text head that is not UTF-8, if it reads as Vietnamese in one."""
    if b"\x00" in head or head.startswith(_OTHER_FORMATS):
        return None
    try:
        head.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return None  # UTF-8 cut mid-character by the sniffing window
    guessed = legacy.guess(head)
    return guessed[1] if guessed else None


LOADER = Loader(name="text", sniff=_sniff, read=_read, priority=-100)
# Tried before plain text: a file in TCVN3 or VNI reads as text too, but the record should say so.
TCVN3 = Loader(name="tcvn3", sniff=lambda head: _single_byte_code(head) == "tcvn3", read=_read, priority=-90)
VNI = Loader(name="vni", sniff=lambda head: _single_byte_code(head) == "vni", read=_read, priority=-90)
