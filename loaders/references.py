"""References: the documents a text names by number, with date, issuer and relation.

A mention in the document's title or in an opening clause that says it carries the other out
("Thực hiện …", "Triển khai thực hiện …") is ``implements``; every other mention ``cites``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policygraph.loaders.normalize import NormalizedText, fold
from policygraph.loaders.record import Agency, Jurisdiction, Reference
from policygraph.loaders.vocab import match_at_start, place_kind, vocab

# A number: figure, optional year, then codes ("25-CT/TW", "281/QĐ-TTg", "20/2023/NQ-HĐND").
# PDF text sometimes breaks it after the first separator ("25- CT/TW").
NUMBER = r"\d{1,5}(?:/\d{4})?\s?[-/]\s?[A-ZĐ][A-Za-zĐđ]*(?:[-/][A-ZĐ][A-Za-zĐđ&]*)*"
BLANK_NUMBER = r"/\s?(?P<form>[A-ZĐ][A-Za-zĐđ]*(?:[-/][A-ZĐ][A-Za-zĐđ&]*)+)"
DATE_NUMERIC = re.compile(r"\s*,?\s*(?:ngày\s*)?(?P<d>\d{1,2})?\s?/\s?(?P<m>\d{1,2})\s?/\s?(?P<y>\d{4,5})\b")
DATE_WORDS = re.compile(r"\s*,?\s*ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4,5})\b", re.I)
OPENER = re.compile(r"(?<![\w,;])\s?(?:Căn cứ|Xét đề nghị|Theo đề nghị|Thực hiện|Triển khai thực hiện)\s")
IMPLEMENTING = re.compile(r"\b(?:thực hiện|triển khai|cụ thể hóa|cụ thể hoá)\b", re.I)


@dataclass
class Mention:
    type: str
    number: str | None
    form: str | None
    date: str | None
    issuer_phrase: str | None
    jurisdiction_phrase: str | None
    start: int
    end: int
    warnings: list[str]


def _type_regex() -> re.Pattern[str]:
    labels = sorted((t.label_vi for t in vocab().document_types), key=len, reverse=True)
    alts = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in labels)
    return re.compile(rf"(?P<type>(?i:{alts}))\s+(?:(?i:số)\s*:?\s*)?(?:(?P<num>{NUMBER})|{BLANK_NUMBER})")


_TYPE_RE: re.Pattern[str] | None = None


def iso_date(d: str | None, m: str | None, y: str | None) -> tuple[str | None, str | None]:
    """An ISO date from day, month and year as printed, partial where parts are blank.

    Returns ``(date, warning)``: an impossible date yields None and says why.
    """
    if not y:
        return None, None
    if len(y) != 4:
        return None, f"date with an impossible year '{d or ''}/{m or ''}/{y}': left out"
    if not m:
        return y, None
    month = int(m)
    if not 1 <= month <= 12:
        return y, f"impossible month {m} in a date of {y}: kept the year only"
    if not d:
        return f"{y}-{month:02d}", None
    day = int(d)
    if not 1 <= day <= 31:
        return f"{y}-{month:02d}", f"impossible day {d} in {m}/{y}: kept month and year"
    return f"{y}-{month:02d}-{day:02d}", None


def parse_date_after(text: str, pos: int) -> tuple[str | None, int, str | None]:
    """A date that follows ``pos`` ("ngày 05/4/2024", "ngày 25 tháng 10 năm 2023")."""
    for regex in (DATE_WORDS, DATE_NUMERIC):
        m = regex.match(text, pos)
        if m:
            date, warning = iso_date(m.group("d"), m.group("m"), m.group("y"))
            return date, m.end(), warning
    return None, pos, None


def _doc_type_key(label: str, number: str | None) -> str:
    folded = fold(label)
    for t in vocab().document_types:
        if fold(t.label_vi) == folded:
            return t.key
    return "plan"


def find_mentions(text: str) -> list[Mention]:
    """Every numbered (or blank-numbered) document mention in normalised text."""
    global _TYPE_RE
    if _TYPE_RE is None:
        _TYPE_RE = _type_regex()
    mentions = []
    for m in _TYPE_RE.finditer(text):
        # "(Kèm theo Quyết định số …)" names the act that issues this document or, in an
        # appendix, this document itself: neither is a reference.
        if re.search(r"(?i:kèm)\s+theo\s*$", text[max(0, m.start() - 20) : m.start()]):
            continue
        number = re.sub(r"\s+", "", m.group("num")) if m.group("num") else None
        date, pos, warning = parse_date_after(text, m.end())
        issuer_phrase = None
        tail = re.match(r"\s*,?\s*(?:của|do)\s+", text[pos : pos + 12])
        if tail:
            issuer_phrase = text[pos + tail.end() : pos + tail.end() + 80]
        else:
            before = re.search(
                r"(?:của|do)\s+(?P<who>[^,;()]{3,60}?)\s+tại\s*$",
                text[max(0, m.start() - 80) : m.start()],
            )
            if before:
                issuer_phrase = before.group("who")
        mentions.append(
            Mention(
                type=_doc_type_key(m.group("type"), number),
                number=number,
                form=m.group("form"),
                date=date,
                issuer_phrase=issuer_phrase,
                jurisdiction_phrase=None,
                start=m.start(),
                end=pos,
                warnings=[warning] if warning else [],
            )
        )
    return mentions


@dataclass
class Context:
    """What the citing document says of itself, to place references without a place."""

    level: str | None
    jurisdiction: Jurisdiction


def resolve_issuer(phrase: str | None, number: str | None, ctx: Context) -> tuple[Agency, Jurisdiction]:
    """The issuer of a referenced document and where it sits, from its name or its number's code."""
    v = vocab()
    kind = None
    name = None
    rest = ""
    if phrase:
        hit = match_at_start("agency", phrase)
        if hit:
            kind = v.agency_kind_by_key[hit.term.key]
            name = " ".join(phrase[: hit.end].split())
            rest = phrase[hit.end :]
    if kind is None and number:
        codes = re.split(r"[-/]", number)[1:]
        for code in reversed(codes):
            kind = next((k for k in v.agency_kinds if code in k.codes), None)
            if kind:
                break
    if kind is None:
        return Agency(name=name, kind=None), Jurisdiction()
    if kind.level == "central":
        vn = v.jurisdiction_by_key["vn"]
        return Agency(name=name or kind.label_vi, kind=kind.key), Jurisdiction(vn.name, "central", None, vn.key)

    # A place named right after the issuer ("của Tỉnh ủy Thanh Hóa", "UBND tỉnh Cao Bằng").
    place = match_at_start("jurisdiction", re.sub(r"^\s*(?:tỉnh|thành phố|TP\.?)?\s*", "", rest, flags=re.I))
    own = ctx.jurisdiction
    if place is not None:
        province = v.jurisdiction_by_key[place.term.key]
    elif own.level == "province" and own.key:
        province = v.jurisdiction_by_key.get(own.key)
    elif own.within_key:
        province = v.jurisdiction_by_key.get(own.within_key)
    else:
        province = None
    kind = place_kind(kind, province)
    if name:
        name = name + (" " + province.name if place is not None and province else "")
    if kind.level == "province" and province is not None:
        return Agency(name=name, kind=kind.key), Jurisdiction(province.name, "province", "Việt Nam", province.key, "vn")
    named = re.match(r"\s*((?:[A-ZĐ][^\s,;.()]*\s?){1,3})", rest) if kind.level in ("district", "commune") else None
    if named and place is None:
        local = named.group(1).strip()
        if own.level == kind.level and own.name == local:
            return Agency(name=name, kind=kind.key), own
        within = province.name if province else None
        return Agency(name=f"{name} {local}" if name else None, kind=kind.key), Jurisdiction(
            local, kind.level, within, None, province.key if province else None
        )
    if kind.level == own.level:
        return Agency(name=name, kind=kind.key), own
    return Agency(name=name, kind=kind.key), Jurisdiction(
        level=kind.level,
        within=province.name if province else None,
        within_key=province.key if province else None,
    )


def _opening_end(text: str) -> int:
    """Where the opening (title and preamble) ends: the first top-level section heading."""
    m = re.search(r"^(?:I|1)\.\s", text, re.M)
    return m.start() if m else min(len(text), 1500)


def _relation(text: str, mention: Mention, opening_end: int) -> str:
    """``implements`` for a mention the opening says it carries out, else ``cites``.

    The deciding clause runs back to a ";", a sentence end or a line start. Documents listed
    after ";" in a sentence that opens "Thực hiện …" ("Thực hiện A; B; C, UBND … ban hành …")
    are carried out like the first, unless their clause says otherwise ("xét đề nghị …").
    """
    if mention.start >= opening_end:
        return "cites"
    sentence_start = max(text.rfind(". ", 0, mention.start) + 2, text.rfind("\n", 0, mention.start) + 1, 0)
    # A clause the PDF ran onto the title still opens with its own word ("Căn cứ …").
    openers = [m.start() for m in OPENER.finditer(text, sentence_start, mention.start)]
    if openers:
        sentence_start = max(sentence_start, openers[-1])
    clause_start = max(text.rfind(";", 0, mention.start) + 1, sentence_start)
    clause = text[clause_start : mention.start]
    if IMPLEMENTING.search(clause):
        return "implements"
    listed = clause_start > sentence_start and not clause.strip(" ,")
    opens = IMPLEMENTING.match(text[sentence_start : mention.start].lstrip())
    return "implements" if listed and opens else "cites"


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start)) + 1
    right_candidates = [p for p in (text.find("\n", end), text.find(". ", end)) if p != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return left, right


def extract_references(norm: NormalizedText, ctx: Context, warnings: list[str]) -> list[Reference]:
    """References of a document, one per (type, number), mentions merged in reading order."""
    text = norm.text
    opening_end = _opening_end(text)
    merged: dict[tuple[str, str, str | None], Reference] = {}
    for mention in find_mentions(text):
        if mention.number is None:
            continue
        relation = _relation(text, mention, opening_end)
        for w in mention.warnings:
            warnings.append(f"reference {mention.number}: {w}")
        # The same number recurs across years (25-CT/TW of 2018 and of 2023): a dated mention is
        # its year's document; an undated one joins the one dated mention of that number.
        year = mention.date[:4] if mention.date else None
        same = [k for k in merged if k[:2] == (mention.type, mention.number)]
        if year is None and len(same) > 1:
            years = ", ".join(sorted(str(k[2]) for k in same))
            warnings.append(f"reference {mention.number} without a date could be any of: {years}; not linked")
            continue
        if year is None:
            key = same[0] if same else (mention.type, mention.number, None)
        else:
            undated = (mention.type, mention.number, None)
            key = (mention.type, mention.number, year)
            if key not in merged and undated in merged and len(same) == 1:
                merged[key] = merged.pop(undated)
        ref = merged.get(key)
        if ref is None:
            issuer, jurisdiction = resolve_issuer(mention.issuer_phrase, mention.number, ctx)
            s, e = _sentence(text, mention.start, mention.end)
            merged[key] = Reference(
                type=mention.type,
                number=mention.number,
                date=mention.date,
                issuer=issuer,
                relation=relation,
                span=norm.span(mention.start, mention.end),
                jurisdiction=jurisdiction,
                text=text[s:e].strip(),
            )
            continue
        if relation == "implements" and ref.relation != "implements":
            ref.relation = "implements"
        if ref.date is None and mention.date is not None:
            ref.date = mention.date
        if mention.issuer_phrase and (ref.issuer.kind is None or ref.issuer.name is None):
            issuer, jurisdiction = resolve_issuer(mention.issuer_phrase, mention.number, ctx)
            if issuer.kind is not None and issuer.name is not None:
                ref.issuer, ref.jurisdiction = issuer, jurisdiction
    for ref in merged.values():
        if ref.date is None:
            warnings.append(f"reference {ref.number}: no date stated; its identity rests on the number alone")
    return list(merged.values())
