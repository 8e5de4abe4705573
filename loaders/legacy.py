"""Vietnamese text in the codes that came before Unicode: TCVN3 ("ABC", the .VnTime fonts) and VNI.

Both codes put Vietnamese letters where Windows-1252 has Latin-1 letters and symbols, so a file
says nothing about its code: it is read each way (and as Windows-1258) and the reading whose
words are Vietnamese syllables wins (:func:`guess`). The conversion tables are data, in
``tables/tcvn3.tsv`` and ``tables/vni.tsv``.

TCVN3 has no code for a capital letter with a tone: capitals were typed in the .VnTimeH fonts,
which draw the lowercase codes as capitals, and plain text keeps only the codes. A line whose
words are otherwise in capitals ("KÕ HO¹CH") is therefore read back in capitals ("KẾ HOẠCH").

>>> to_unicode("KÕ ho¹ch".encode("latin-1"), "tcvn3")
'Kế hoạch'
>>> to_unicode("Xin chaøo caùc baïn".encode("cp1252"), "vni")
'Xin chào các bạn'
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files

ENCODINGS = ("windows-1258", "tcvn3", "vni")
SAMPLE_BYTES = 65536  # enough text to tell the code by; the whole file is converted afterwards

# A Vietnamese syllable without its tone mark: onset, vowel nucleus (with its glides), coda.
_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEUS = (
    "iêu|oai|oao|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|yêu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|oo|ôi|ơi|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODA = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE = re.compile(rf"(?:{_ONSET})?(?:{_NUCLEUS})(?:{_CODA})?")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SHAPES = {"a": "\u0302\u0306", "e": "\u0302", "o": "\u0302\u031b", "u": "\u031b"}  # â ă ê ô ơ ư
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")


@cache
def _table(name: str) -> dict[bytes, str]:
    """A conversion table from ``tables/<name>.tsv``: byte sequence to character."""
    text = files("policygraph.loaders").joinpath("tables", f"{name}.tsv").read_text(encoding="utf-8")
    table: dict[bytes, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith(("byte\t", "bytes\t")):
            continue
        code, point = line.split("\t")[:2]
        table[bytes.fromhex(code)] = chr(int(point.removeprefix("U+"), 16))
    return table


@cache
def _vni() -> dict[bytes, str]:
    """The VNI table, plus each vowel with its mark byte in the other case ("Uû" as well as "UÛ"),
    as typists mixed them: the letter's case decides."""
    table = dict(_table("vni"))
    for seq, ch in list(table.items()):
        if len(seq) == 2:
            table.setdefault(bytes([seq[0], seq[1] ^ 0x20]), ch)
    return table


def _convert(data: bytes, table: dict[bytes, str]) -> str:
    """Longest match first over the table; other bytes as Windows-1252 (ASCII below 0x80)."""
    longest = max(len(k) for k in table)
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80 and (i + 1 >= n or data[i + 1] < 0x80):
            out.append(chr(b))
            i += 1
            continue
        for size in range(min(longest, n - i), 0, -1):
            hit = table.get(data[i : i + size])
            if hit is not None:
                out.append(hit)
                i += size
                break
        else:
            out.append(bytes([b]).decode("cp1252", errors="replace"))
            i += 1
    return unicodedata.normalize("NFC", "".join(out))


def _is_caps_word(word: str) -> bool:
    """A word that is certainly in capitals: two capitals or more and no lowercase ASCII letter."""
    return sum(ch.isupper() for ch in word) >= 2 and not any("a" <= ch <= "z" for ch in word)


def restore_capitals(text: str) -> str:
    """Put back the capitals the .VnTimeH fonts drew from lowercase codes (see the module docstring).

    A word with two capitals or more and no lowercase ASCII letter is in capitals ("HOạCH"); so
    is every word of a line whose words are all capitals or toned lowercase codes ("Kế HOạCH").
    """
    lines = text.split("\n")
    for k, line in enumerate(lines):
        tokens = line.split(" ")
        words = [w for w in (_EDGE.sub("", t) for t in tokens) if len(w) >= 2 and w.isalpha()]
        whole_line = (
            bool(words)
            and not any("a" <= ch <= "z" for w in words for ch in w)
            and any(_is_caps_word(w) for w in words)
        )
        lines[k] = " ".join(
            t.upper() if (word := _EDGE.sub("", t)).isalpha() and (whole_line or _is_caps_word(word)) else t
            for t in tokens
        )
    return "\n".join(lines)


def to_unicode(data: bytes, encoding: str, *, capitals: bool = True) -> str:
    """``data`` in ``encoding`` (``tcvn3``, ``vni`` or ``windows-1258``) as Unicode text (NFC).

    ``capitals=False`` leaves TCVN3's capitals to the caller (markup around the words hides the
    lines they sit in: see :func:`restore_capitals`)."""
    if encoding == "windows-1258":
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    if encoding == "tcvn3":
        text = _convert(data, _table("tcvn3"))
        return restore_capitals(text) if capitals else text
    if encoding == "vni":
        return _convert(data, _vni())
    raise ValueError(f"unknown encoding {encoding!r}")


def is_syllable(word: str) -> bool:
    """A Vietnamese syllable: known onset, nucleus and coda; marks only where Vietnamese puts them.

    >>> [is_syllable(w) for w in ("nghiêng", "Quyết", "ñy", "cuềa", "ho¹ch")]
    [True, True, False, False, False]
    """
    tones = 0
    base = ""
    bare: list[str] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            if base not in "aeiouy" or not base:
                return False
            tones += 1
        elif unicodedata.combining(ch):
            if ch not in _SHAPES.get(base, ""):
                return False
            bare.append(ch)
        else:
            base = ch
            bare.append(ch)
    return tones <= 1 and bool(_SYLLABLE.fullmatch(unicodedata.normalize("NFC", "".join(bare))))


def syllables(text: str) -> tuple[int, int]:
    """``(valid, counted)``: of the words with a non-ASCII letter, how many are Vietnamese syllables.

    >>> syllables("Kế hoạch của Ủy ban")
    (4, 4)
    >>> syllables("KÕ ho¹ch cña ñy ban")
    (1, 4)
    """
    valid = counted = 0
    for token in text.split():
        word = _EDGE.sub("", token)
        if not word or word.isascii():
            continue
        counted += 1
        if is_syllable(word):
            valid += 1
    return valid, counted


def reads_as_vietnamese(text: str, *, min_words: int = 3) -> bool:
    """Most words with a non-ASCII letter are Vietnamese syllables, and there are a few of them."""
    valid, counted = syllables(text)
    return valid >= min_words and valid >= 0.85 * counted


def guess(data: bytes, *, capitals: bool = True) -> tuple[str, str] | None:
    """``(text, encoding)`` for single-byte Vietnamese text, or None when no reading is Vietnamese.

    Each code is tried on a sample; the one with the most words that are Vietnamese syllables
    wins, and only if nearly all its non-ASCII words are.
    """
    sample = data[:SAMPLE_BYTES]
    best: tuple[float, int, str] | None = None
    for encoding in ENCODINGS:
        try:
            text = to_unicode(sample, encoding)
        except UnicodeDecodeError:
            continue
        valid, counted = syllables(text)
        if valid < 3 or valid < 0.85 * counted:
            continue
        score = (valid / counted, valid, encoding)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None:
        return None
    encoding = best[2]
    try:
        return to_unicode(data, encoding, capitals=capitals), encoding
    except UnicodeDecodeError:
        return None
