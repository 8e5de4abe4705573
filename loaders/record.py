"""The record a loader yields for one document: facts with the spans they come from.

Spans are ``(start, end)`` offsets, end exclusive, into the file's decoded text, so a
user can see the sentence each fact came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass
class Jurisdiction:
    name: str | None = None
    level: str | None = None  # central | province | district | commune
    within: str | None = None  # the name of the enclosing jurisdiction
    key: str | None = None  # vocabulary key of a named jurisdiction, e.g. "nghe-an"
    within_key: str | None = None


@dataclass
class Agency:
    name: str | None = None
    kind: str | None = None  # key in the agency-kind vocabulary, e.g. "prime_minister"


@dataclass
class Signer:
    name: str | None = None
    title: str | None = None
    on_behalf_of: str | None = None


@dataclass
class DocumentInfo:
    type: str | None = None  # key in the document-type vocabulary, e.g. "plan"
    number: str | None = None  # as printed, white space removed; None when the figure is blank
    number_form: str | None = None  # the number's form, e.g. "KH-UBND", kept when the figure is blank
    date: str | None = None  # ISO 8601, partial allowed: "2024", "2024-05", "2024-05-09"
    title: str | None = None
    level: str | None = None
    jurisdiction: Jurisdiction = field(default_factory=Jurisdiction)
    issuer: Agency = field(default_factory=Agency)
    signer: Signer | None = None


@dataclass
class Reference:
    type: str | None
    number: str | None
    date: str | None
    issuer: Agency
    relation: str  # implements | cites
    span: Span
    jurisdiction: Jurisdiction = field(default_factory=Jurisdiction)
    text: str = ""


@dataclass
class Target:
    indicator: str | None  # key in the indicator scheme; None for a measure it does not know
    label: str
    comparator: str | None  # > >= < <= ; None where the target has no figure
    value: float | None
    unit: str | None
    year: int | None
    span: Span
    text: str = ""


@dataclass(frozen=True)
class SourceText:
    """What a loader reads from a file: decoded text, and where each page starts if it has pages."""

    text: str
    page_starts: tuple[int, ...] | None = None  # offsets into text, ascending, the first 0


@dataclass
class Record:
    source: str
    loader: str
    content_hash: str
    document: DocumentInfo
    references: list[Reference] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    responsibilities: list[dict[str, Any]] = field(default_factory=list)
    solution_items: list[dict[str, Any]] = field(default_factory=list)  # {"label", "text", "span"}
    repairs: list[dict[str, Any]] = field(default_factory=list)  # {"span", "before", "after"}
    warnings: list[str] = field(default_factory=list)
    # The act a document is issued with ("Kèm theo Quyết định số …"): type, number, date, issuer.
    attached_to: dict[str, Any] | None = None
    page_starts: list[int] | None = None  # where each page starts in the decoded text, if paged
    text: str = field(default="", repr=False)  # the decoded text that spans point into

    def page_of(self, offset: int) -> int | None:
        """The 1-based page an offset of the decoded text falls on, or None for unpaged text."""
        if not self.page_starts:
            return None
        return sum(1 for start in self.page_starts if start <= offset)

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON that ``policygraph extract --json`` prints."""
        data = asdict(self)
        del data["text"]
        for item in data["references"] + data["targets"]:
            item["span"] = list(item["span"])
        for target in data["targets"]:
            if target["value"] is not None and float(target["value"]).is_integer():
                target["value"] = int(target["value"])
        return data
