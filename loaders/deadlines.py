"""Deadlines as plans word them, normalised.

Kinds: ``date`` (a fixed day: "Quý 3/2024" is 2024-09-30, "Năm 2025" is 2025-12-31, "Trước ngày
01/7/2025" is 2025-07-01), ``from`` ("Từ năm 2026": 2026-01-01), ``recurring`` ("Nhiệm vụ thường
xuyên", "Hằng năm") and ``conditional`` ("Sau khi có hướng dẫn của Trung ương"). A condition
stated beside a date is kept with it.

>>> parse_deadline("Quý II năm 2024")["date"]
'2024-06-30'
>>> parse_deadline("Trước ngày 01/7/2025 hoặc sau khi có hướng dẫn của Trung ương")["condition"]
'sau khi có hướng dẫn của Trung ương'
"""

from __future__ import annotations

import calendar
import re
from typing import Any

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_SEP = r"\s*(?:/|-|\.|năm|,\s*năm)\s*"
BEFORE_DAY = re.compile(
    r"(?:trước|chậm nhất|muộn nhất|hạn chót)?\s*(?:ngày\s*)"
    rf"(?P<d>\d{{1,2}})\s*(?:/|-|tháng)\s*(?P<m>\d{{1,2}}){_SEP}(?P<y>\d{{4}})",
    re.I,
)
QUARTER = re.compile(rf"qu[ýí]\s*(?P<q>[1-4]|IV|I{{1,3}})\b{_SEP}(?P<y>\d{{4}})", re.I)
# "6 tháng đầu năm 2025" ends with June, "6 tháng cuối năm 2025" with December.
HALF = re.compile(r"6\s+tháng\s+(?P<half>đầu|cuối)\s+năm\s+(?P<y>\d{4})", re.I)
MONTH = re.compile(rf"tháng\s*(?P<m>\d{{1,2}}){_SEP}(?P<y>\d{{4}})", re.I)
FROM = re.compile(r"(?:từ|bắt đầu từ|kể từ)\s+(?:năm\s+)?(?P<y>\d{4})", re.I)
YEAR = re.compile(r"(?<![\w/])(?:trong\s+)?năm\s+(?P<y>\d{4})\b", re.I)
RECURRING = re.compile(r"thường xuyên|hằng năm|hàng năm|định kỳ|liên tục", re.I)
CONDITION = re.compile(r"(?:sau khi|khi)\s+(?:có|được)\b[^;.]*|theo\s+(?:hướng dẫn|chỉ đạo|lộ trình)\b[^;.]*", re.I)
# Words a deadline cell or clause starts with: used to find where a deadline begins.
DEADLINE_START = re.compile(
    r"(?:Nhiệm vụ\s+thường xuyên|Thường xuyên|Hằng năm|Hàng năm|Định kỳ|Qu[ýí]\s*(?:[1-4]|IV|I{1,3})\b|6\s+tháng|"
    r"Tháng\s*\d|Năm\s+\d{4}|Trong\s+năm\s+\d{4}|Trước\s+ngày|Từ\s+năm|Sau\s+khi|Khi\s+có|Theo\s+hướng\s+dẫn|"
    r"Theo\s+lộ\s+trình|Theo\s+chỉ\s+đạo)",
)


def _last_day(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def parse_deadline(text: str) -> dict[str, Any]:
    """``{"kind", "date", "text", "condition"}`` for a deadline as printed; kind None if unread."""
    t = " ".join(text.split())
    out: dict[str, Any] = {"kind": None, "date": None, "text": t, "condition": None}
    cond = CONDITION.search(t)
    if cond:
        out["condition"] = cond.group(0).strip(" ,.;")
    m_from = FROM.search(t)
    if m_from and not BEFORE_DAY.search(t):
        out.update(kind="from", date=f"{m_from.group('y')}-01-01")
        return out
    date = None
    if m := BEFORE_DAY.search(t):
        day, month, year = int(m.group("d")), int(m.group("m")), int(m.group("y"))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            date = f"{year:04d}-{month:02d}-{day:02d}"
    elif m := HALF.search(t):
        date = _last_day(int(m.group("y")), 6 if m.group("half").lower() == "đầu" else 12)
    elif m := QUARTER.search(t):
        q = m.group("q").upper()
        quarter = int(q) if q.isdigit() else ROMAN[q]
        date = _last_day(int(m.group("y")), quarter * 3)
    elif m := MONTH.search(t):
        if 1 <= int(m.group("m")) <= 12:
            date = _last_day(int(m.group("y")), int(m.group("m")))
    elif m := YEAR.search(t):
        date = f"{m.group('y')}-12-31"
    if date:
        out.update(kind="date", date=date)
    elif RECURRING.search(t):
        out.update(kind="recurring")
    elif cond:
        out.update(kind="conditional")
    return out
