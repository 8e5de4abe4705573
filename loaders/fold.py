"""The folded key text is matched on: no diacritics, đ as d, lower case, one space."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """A matching key: no diacritics, đ as d, lower case, one space between words.

    Tone-mark placement variants (uỷ/ủy, hoà/hòa) and the i/y spellings of a final vowel
    (sỹ/sĩ) fold to the same key.

    >>> fold("Uỷ ban  nhân dân") == fold("Ủy ban nhân dân")
    True
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = re.sub(r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))).lower()
    return spell_final_i(stripped)


def spell_final_i(folded: str) -> str:
    """i and y spell the same final vowel after a consonant (bác sỹ/bác sĩ, quí/quý, lý/lí):
    write it i, one character for one."""
    return _FINAL_Y.sub(r"\1i", folded)


_FINAL_Y = re.compile(r"\b([bcdghklmnprstvx]{1,2}|qu)y\b")
