"""What a document says of itself: kind, number, date, issuer, place, level, signer, title."""

from __future__ import annotations

import re
from collections import Counter

from policygraph.loaders.normalize import NormalizedText, fold
from policygraph.loaders.record import Agency, DocumentInfo, Jurisdiction, Signer
from policygraph.loaders.references import BLANK_NUMBER, NUMBER, parse_date_after
from policygraph.loaders.vocab import find_all, match_at_start, place_kind, vocab
from policygraph.ontology import AgencyKind
from policygraph.ontology import Jurisdiction as Place

HEAD = 1500  # the header, title and preamble stand in the first characters
# The header's second line names the issuer's place: "TỈNH QUẢNG NGÃI", "HUYỆN MỘ ĐỨC".
HEADER_PLACE = re.compile(
    r"^(?P<level>TỈNH|THÀNH PHỐ|HUYỆN|QUẬN|THỊ XÃ|XÃ|PHƯỜNG|THỊ TRẤN)\s+(?P<name>[^\n\d,]{2,40})$",
    re.M,
)
HEADER_LEVELS = {
    "TỈNH": "province",
    "THÀNH PHỐ": "province",
    "HUYỆN": "district",
    "QUẬN": "district",
    "THỊ XÃ": "district",
    "XÃ": "commune",
    "PHƯỜNG": "commune",
    "THỊ TRẤN": "commune",
}  # the header, title and preamble stand in the first characters
NUMBER_LINE = re.compile(rf"Số\s*:?\s*(?:(?P<num>{NUMBER})|{BLANK_NUMBER})")
# "Thanh Hóa, ngày … tháng … năm …": a place of capitalised words, no figures, then the date.
PLACE_DATE = re.compile(r"(?:^|\s)(?P<place>(?:[A-ZĐÂ][^\s\d,/]*\s){0,3}[A-ZĐÂ][^\s\d,/]*),\s*ngày\b", re.M)
ATTACHED = re.compile(r"\(\s*(?:Kèm|Ban hành kèm)\s+theo\s+(?P<type>[^\n(]{2,30}?)\s+số\s*", re.I)
ENACTING = re.compile(
    r"(?P<who>[^.;:\n]{3,80}?)\s+(?:ban hành|xây dựng|ây dựng)\s+(?:kế hoạch|chương trình|quyết định)",
    re.I,
)
ON_BEHALF = re.compile(r"^\s*(?:T/?M|TM)\.?\s+(?P<body>.+)$", re.M)
OFFICES = "CHỦ TỊCH|BÍ THƯ|THỦ TƯỚNG|BỘ TRƯỞNG|GIÁM ĐỐC|TRƯỞNG BAN"
SIGN_TITLE = re.compile(
    rf"^\s*(?:KT\.?\s+)?(?P<title>(?:PHÓ\s+|THƯỜNG TRỰC\s+)?(?:{OFFICES})(?:\s+BAN BÍ THƯ)?)\s*$", re.M
)


def _sentence_case(upper: str) -> str:
    """ "PHÓ CHỦ TỊCH" → "Phó Chủ tịch": the rank word and the office's first word capitalised."""
    words = upper.lower().split()
    if not words:
        return upper
    words[0] = words[0].capitalize()
    if words[0] == "Phó" and len(words) > 1:
        words[1] = words[1].capitalize()
    return " ".join(words)


def _doc_type(text: str) -> tuple[str | None, int]:
    """The kind named by the first all-capitals heading line, and where the title starts."""
    labels = {fold(t.label_vi): t.key for t in vocab().document_types}
    for m in re.finditer(r"^[^\n]+$", text[:HEAD], re.M):
        line = m.group().strip()
        if line.isupper() and fold(line) in labels:
            return labels[fold(line)], m.end() + 1
    return None, 0


def _title(text: str, start: int) -> str | None:
    if not start:
        return None
    line = text[start : text.find("\n", start) if "\n" in text[start:] else len(text)]
    # PDF text can run the preamble into the title; cut where a new sentence opens it.
    cut = re.search(r"(?<=[^\s.;,])\s+(?=(?:Thực hiện|Căn cứ|Triển khai thực hiện)\s)", line[20:])
    if cut:
        line = line[: 20 + cut.start()]
    return line.strip(" .") or None


MARKUP = re.compile(r"\*\*|__|</?\w+>|^#+\s*|\\$")


def _right_column(raw: str) -> str:
    """The text with each line cut to its last column: a signature block often stands beside the
    recipients list ("Nơi nhận: …      TM. ỦY BAN NHÂN DÂN"), columns parted by runs of spaces."""
    lines = (re.split(r"\s{3,}", line.strip())[-1] for line in raw.splitlines())
    return "\n".join(MARKUP.sub("", line).strip() for line in lines)


def _signer(text: str) -> Signer | None:
    """The signature block: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / <name>".

    It closes the body of the text; an appendix may follow it, so the whole text is searched.
    """
    titles = list(SIGN_TITLE.finditer(text))
    behalf = list(ON_BEHALF.finditer(text))
    anchors = [m.end() for m in titles[-1:] + behalf[-1:]]
    if not anchors:
        return None
    after = [ln.strip() for ln in text[max(anchors) :].splitlines()[:6] if ln.strip()]
    name = next(
        (ln for ln in after if re.fullmatch(r"(?:[A-ZĐ][^\s\d]*\s+){1,5}[A-ZĐ][^\s\d]*", ln) and not ln.isupper()),
        None,
    )
    if name is None:
        return None
    title = None
    if titles and (not behalf or titles[-1].start() > behalf[-1].start()):
        title = _sentence_case(titles[-1].group("title"))
    on_behalf = None
    if behalf and (not titles or behalf[-1].start() < titles[-1].start() or title is None):
        body = behalf[-1].group("body").strip()
        known = {
            fold(b): b
            for b in (
                "Ủy ban nhân dân",
                "Ban Thường vụ",
                "Ban Chấp hành",
                "Ban Bí thư",
                "Chính phủ",
                "Hội đồng nhân dân",
                "Bộ Chính trị",
            )
        }
        on_behalf = known.get(fold(body), _sentence_case(body))
    return Signer(name=" ".join(name.split()), title=title, on_behalf_of=on_behalf)


def _places(text: str) -> Counter[str]:
    """Named provinces, counted, excluding those inside a reference's issuer phrase is not needed:
    the citing plan's own place dominates its text."""
    return Counter(m.term.key for m in find_all("jurisdiction", text) if m.term.key != "vn")


def _issuer_kind(text: str, head: str) -> tuple[AgencyKind | None, str | None]:
    """The issuer from the enacting clause ("UBND tỉnh ban hành Kế hoạch"), the attached decision,
    or the signature block ("TM. ỦY BAN NHÂN DÂN")."""
    v = vocab()
    # The last enacting clause of the opening; one whose agency follows "của" names the issuer of
    # a cited document ("Quyết định … của Thủ tướng Chính phủ ban hành Kế hoạch …"), not ours.
    for m in reversed(list(ENACTING.finditer(head))):
        who = m.group("who")
        hits = find_all("agency", who)
        if hits and not re.search(r"(?:của|do)\s*$", who[: hits[-1].start]):
            hit = hits[-1]
            return v.agency_kind_by_key[hit.term.key], who[hit.start : hit.end]
    att = ATTACHED.search(head)
    if att:
        tail = head[att.end() : att.end() + 200]
        by = re.search(r"của\s+(?P<who>[^)\n]+)\)", tail)
        if by:
            hit = match_at_start("agency", by.group("who"))
            if hit:
                return v.agency_kind_by_key[hit.term.key], by.group("who")[: hit.end]
    behalf = list(ON_BEHALF.finditer(text))
    if behalf:
        body = behalf[-1].group("body").strip()
        hits = find_all("agency", body)
        if hits:
            return v.agency_kind_by_key[hits[0].term.key], body
        # A body named without its level ("TM. ỦY BAN NHÂN DÂN"): the kinds whose name it begins.
        bare = [k for k in v.agency_kinds if fold(k.label_vi).startswith(fold(body)) and k.level != "central"]
        if bare:
            return bare[0], body
    return None, None


def _self_level(text: str, kind: AgencyKind) -> str:
    """A body named without a level (signature "ỦY BAN NHÂN DÂN") takes the level the text most
    often gives it ("UBND huyện", "Ủy ban nhân dân tỉnh")."""
    counts: Counter[str] = Counter()
    for m in find_all("agency", text):
        k = vocab().agency_kind_by_key[m.term.key]
        if k.body == kind.body:
            counts[k.level] += 1
    return counts.most_common(1)[0][0] if counts else kind.level


def extract_document(norm: NormalizedText, warnings: list[str]) -> tuple[DocumentInfo, dict[str, str | None]]:
    """The document's own facts, and what it is attached to (a decision that issues it)."""
    text = norm.text
    head = text[:HEAD]
    v = vocab()
    info = DocumentInfo()
    info.type, title_start = _doc_type(text)
    if info.type is None:
        warnings.append("no document-kind heading found (KẾ HOẠCH, CHỈ THỊ, …)")
    info.title = _title(text, title_start)

    m = NUMBER_LINE.search(head)
    if m:
        info.number = re.sub(r"\s+", "", m.group("num")) if m.group("num") else None
        info.number_form = m.group("form") if not m.group("num") else None

    place_line = PLACE_DATE.search(head)
    if place_line:
        date, _, warning = parse_date_after(text, place_line.end("place"))
        info.date = date
        if warning:
            warnings.append(f"document date: {warning}")

    attached: dict[str, str | None] = {}
    att = ATTACHED.search(head)
    if att:
        num = re.match(rf"\s*(?:(?P<num>{NUMBER})|\s*{BLANK_NUMBER})", head[att.end() :])
        date, _, _ = parse_date_after(head, att.end() + (num.end() if num else 0))
        type_key = next((t.key for t in v.document_types if fold(t.label_vi) == fold(att.group("type"))), None)
        who = re.search(r"của\s+(?P<who>[^)\n]+)\)", head[att.end() : att.end() + 200])
        hit = match_at_start("agency", who.group("who")) if who else None
        attached = {
            "type": type_key,
            "number": re.sub(r"\s+", "", num.group("num")) if num and num.group("num") else None,
            "date": date,
            "issuer_kind": hit.term.key if hit else None,
        }
        info.date = info.date or date

    kind, issuer_name = _issuer_kind(text, head)
    places = _places(text)
    own_place: Place | None = None
    if place_line:
        hit = match_at_start("jurisdiction", place_line.group("place"))
        if hit:
            own_place = v.jurisdiction_by_key[hit.term.key]
    header = HEADER_PLACE.search(text[:400])
    header_name = header.group("name").strip().title() if header and header.group("name").isupper() else None
    if header_name and own_place is None:
        hit = match_at_start("jurisdiction", header_name)
        own_place = v.jurisdiction_by_key[hit.term.key] if hit and hit.end >= len(fold(header_name)) - 1 else None
    if kind is not None and kind.level != "central":
        level = _self_level(text, kind) if issuer_name and issuer_name.isupper() else kind.level
        province = own_place if own_place and own_place.level == "province" else None
        if province is None and places:
            province = v.jurisdiction_by_key[places.most_common(1)[0][0]]
        if level != kind.level:
            kind = v.agency_kind_for(kind.body, level) or kind
        kind = place_kind(kind, province)
        info.level = kind.level
        if kind.level == "province" and province:
            info.jurisdiction = Jurisdiction(province.name, "province", "Việt Nam", province.key, "vn")
        else:
            local = header_name if header and HEADER_LEVELS[header.group("level")] == kind.level else None
            within = province.name if province else None
            if local and kind.level == "commune":
                # "xã Phú Sơn, huyện Lâm Hà, tỉnh …": a commune lies within its district.
                district = re.search(
                    rf"(?i:xã|phường|thị trấn)\s+{re.escape(local)}\s*,\s*(?i:huyện|quận|thị xã|thành phố)\s+"
                    r"(?P<d>[A-ZĐ][^\s,;.()]*(?:\s[A-ZĐ][^\s,;.()]*){0,2})",
                    text[:HEAD],
                )
                within = district.group("d") if district else within
            info.jurisdiction = Jurisdiction(local, kind.level, within, None, province.key if province else None)
            if local is None:
                warnings.append(f"the {kind.level} is not named; placed within {within or 'an unknown province'}")
    elif kind is not None:
        vn = v.jurisdiction_by_key["vn"]
        info.level = "central"
        info.jurisdiction = Jurisdiction(vn.name, "central", None, "vn")
    else:
        warnings.append("issuer not found")
    if kind is not None:
        place = info.jurisdiction.name if kind.level == "province" else None
        info.issuer = Agency(
            name=f"{kind.label_vi} {place}" if place and place not in kind.label_vi else kind.label_vi,
            kind=kind.key,
        )
    info.signer = _signer(_right_column(norm.raw))

    # An appendix that names this document by its own form gives a fuller date ("ngày tháng 7 năm 2024").
    if info.type:
        label = v.document_type_by_key[info.type].label_vi
        for m in re.finditer(rf"Kèm theo\s+{re.escape(label)}\s+số\s*(?:{BLANK_NUMBER}|(?P<n>{NUMBER}))", text, re.I):
            same = (m.group("n") and re.sub(r"\s+", "", m.group("n")) == info.number) or (
                not m.group("n") and info.number is None and m.group("form") == info.number_form
            )
            if not same:
                continue
            date, _, _ = parse_date_after(text, m.end())
            if date and (info.date is None or (date.startswith(info.date) and len(date) > len(info.date))):
                info.date = date
    return info, attached
