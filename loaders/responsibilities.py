"""Responsibilities: the "Tổ chức thực hiện" section, one block of duties per agency.

The section is the top-level heading that names it ("IV. TỔ CHỨC THỰC HIỆN", "III. PHÂN CÔNG
TRÁCH NHIỆM VÀ TỔ CHỨC THỰC HIỆN"); its blocks are its numbered items (1., 2., …), each headed
by the agency ("1. Sở Y tế") or opening with it ("1. Các bộ, cơ quan ngang bộ … chủ động …").
"""

from __future__ import annotations

import re
from typing import Any

from policygraph.loaders.normalize import NormalizedText
from policygraph.loaders.sections import numbered, sections
from policygraph.loaders.tasks import agencies
from policygraph.loaders.vocab import find_all

REQUEST = re.compile(r"^(?:Đề nghị|Đề xuất|Yêu cầu)\s+", re.I)
SHORT_HEADING = 140  # a heading line this short that is all agency names is the agency itself
# Where a sentence-style item goes from its subject (the agencies) to what they must do.
PREDICATE = re.compile(
    r"(?<!các)(?<!những)\s+(?:chủ động|chủ trì|phối hợp|lãnh đạo|tổ chức|thực hiện|triển khai|hướng dẫn|"
    r"có trách nhiệm|tham mưu|xây dựng|đẩy mạnh|giám sát|phổ biến|rà soát|chỉ đạo|được|tuyên truyền|"
    r"căn cứ|theo dõi|quán triệt|tăng cường|bảo đảm|đảm bảo|ban hành)\b",
    re.I,
)
# The nouns an agency's name starts with; a subject that starts otherwise ("Kinh phí …") is none.
AGENCY_HEAD = re.compile(
    r"^(?:Các\s+)?(?:Sở|Ban|Bộ|Phòng|Ủy ban|Uỷ ban|UBND|HĐND|Hội|Đảng|Trung tâm|Bệnh viện|Công an|Mặt trận|"
    r"Tỉnh|Huyện|Thành|Văn phòng|Đài|Bảo hiểm|Cục|Chi cục|Trạm|Liên đoàn|đảng|sở|bộ|cơ quan|ban)",
)


def _section(text: str) -> tuple[int, int] | None:
    found = [
        (start, end)
        for start, end in sections(text, lambda title: "to chuc thuc hien" in title)
        if text[text.rfind("\n", 0, start) + 1 : start].isupper()
    ]
    if not found:
        return None
    start, end = found[0]
    closing = re.search(r"^(?:Nơi nhận|TM\.|T/M|KT\.)", text[start:end], re.M)
    return start, start + closing.start() if closing else end


def _subject(head: str) -> str | None:
    """The agencies a sentence-style item opens with: up to the first predicate."""
    m = PREDICATE.search(head)
    subject = head[: m.start()] if m else head
    hits = find_all("agency_type", subject)
    return subject if hits or AGENCY_HEAD.match(subject) else None


def extract_responsibilities(norm: NormalizedText) -> list[dict[str, Any]]:
    text = norm.text
    bounds = _section(text)
    if bounds is None:
        return []
    start, end = bounds
    blocks = numbered(text, start, end)
    out = []
    for i, m in enumerate(blocks):
        b_end = blocks[i + 1].start() if i + 1 < len(blocks) else end
        head = REQUEST.sub("", m.group("head").strip())
        body = text[m.end() : b_end].strip()
        agency_text: str | None
        if len(head) <= SHORT_HEADING and body and not head.endswith(".") and not PREDICATE.search(head):
            agency_text, duties_text = head, body
        else:
            agency_text, duties_text = _subject(head), (head + "\n" + body).strip()
        duties = [d.strip(" -–•") for d in re.split(r"\n(?=\s*[-–•+]\s)|\n", duties_text) if d.strip(" -–•")]
        out.append(
            {
                "number": int(m.group("n")),
                "agency": " ".join(agency_text.split()) if agency_text else None,
                "agencies": agencies(agency_text) if agency_text else [],
                "duties": duties,
                "span": list(norm.span(m.start(), b_end)),
            }
        )
    return out
