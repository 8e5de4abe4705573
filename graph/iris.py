"""Stable IRIs for documents, graphs, agencies and jurisdictions (ELI-style).

An IRI is built only from facts a document states about itself (jurisdiction, type, year,
number), so two texts that name the same document give the same IRI:

>>> document_iri("https://x.org/", jurisdiction="vn", doc_type="directive", year=2023,
...              number="25-CT/TW", content_hash=None)
'https://x.org/eli/vn/directive/2023/25-ct-tw'
>>> document_id('https://x.org/eli/vn/directive/2023/25-ct-tw', "https://x.org/")
'vn/directive/2023/25-ct-tw'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

from policygraph.errors import NotFoundError

JURISDICTION_BASE = "https://w3id.org/policygraph/id/jurisdiction/"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A key is kept as it is when it is already IRI-safe; vocabulary keys always are.
_KEY = re.compile(r"^[a-z0-9_-]+(?:/[a-z0-9_-]+)*$")
# jurisdiction (maybe nested) / type / year / number slug
_DOCUMENT_ID = re.compile(r"^[a-z0-9_-]+(?:/[a-z0-9_-]+)*/[a-z0-9_-]+/(?:[0-9]{4}|undated)/[a-z0-9-]+$")


def slug(text: str) -> str:
    """ASCII slug: no diacritics, đ → d, lower case, runs of other characters → "-".

    >>> slug("281/QĐ-TTg"), slug("25-CT/TW"), slug("20/2023/NQ-HĐND")
    ('281-qd-ttg', '25-ct-tw', '20-2023-nq-hdnd')
    """
    # đ has no NFKD decomposition, so it is mapped before the marks are stripped.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")


def base_iri(base: str) -> str:
    """``base`` ending with "/" (or "#"), so that paths can be appended."""
    return base if base.endswith(("/", "#")) else base + "/"


def key_segment(key: str) -> str:
    """A vocabulary key as IRI path segments; a key with other characters is slugged."""
    if _KEY.match(key):
        return key
    return "/".join(slug(part) or "x" for part in key.split("/"))


def document_iri(
    base: str,
    *,
    jurisdiction: str,
    doc_type: str,
    year: int | None,
    number: str | None,
    content_hash: str | None,
) -> str:
    """``{base}eli/{jurisdiction}/{doc_type}/{year or "undated"}/{slug(number)}``.

    A document without a number (a draft) is named by its content: ``h-{hash[:12]}``.
    """
    if number is not None and slug(number):
        last = slug(number)
    elif content_hash:
        # A hash may come as "sha256:…"; only the digest identifies the content.
        last = "h-" + slug(content_hash.rsplit(":", 1)[-1])[:12]
    else:
        raise ValueError("a document IRI needs a number or a content hash")
    when = str(year) if year is not None else "undated"
    return f"{base_iri(base)}eli/{key_segment(jurisdiction)}/{key_segment(doc_type)}/{when}/{last}"


def document_id(iri: str, base: str) -> str:
    """The REST id of a document: its IRI without ``{base}eli/``."""
    prefix = base_iri(base) + "eli/"
    if not iri.startswith(prefix):
        raise ValueError(f"not a document IRI under {prefix}: {iri}")
    return iri[len(prefix) :]


def document_iri_from_id(doc_id: str, base: str) -> str:
    """The IRI of a document id; raises NotFoundError for an id no document can have.

    Checking the shape here keeps ids safe to put in a query.
    """
    if not _DOCUMENT_ID.match(doc_id):
        raise NotFoundError(f"no document has the id {doc_id!r}")
    return f"{base_iri(base)}eli/{doc_id}"


def graph_iri(base: str, source: str) -> str:
    """The named graph of one source file: ``{base}graph/{slug(name)}-{sha256(name)[:8]}``.

    The hash keeps two names that slug alike ("Kế hoạch.txt", "ke-hoach.txt") apart.
    """
    name = PurePosixPath(source.replace("\\", "/")).name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{base_iri(base)}graph/{slug(name) or 'file'}-{digest}"


def agency_iri(base: str, jurisdiction: str, kind: str) -> str:
    """An agency: the body of one kind in one jurisdiction."""
    return f"{base_iri(base)}agency/{key_segment(jurisdiction)}/{key_segment(kind)}"


def jurisdiction_iri(key: str) -> str:
    """A jurisdiction; an unnamed unit ("vn-hai-phong/unnamed-district") nests under its parent."""
    return JURISDICTION_BASE + key_segment(key)
