"""From decoded text to a Record: normalise, read the document's facts, references, targets."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from policygraph.errors import InputError
from policygraph.loaders.deadlines import parse_deadline
from policygraph.loaders.document import extract_document
from policygraph.loaders.normalize import NormalizedText, normalize
from policygraph.loaders.record import Record
from policygraph.loaders.references import Context, extract_references
from policygraph.loaders.responsibilities import extract_responsibilities
from policygraph.loaders.solutions import extract_solution_items
from policygraph.loaders.targets import extract_targets
from policygraph.loaders.tasks import dated_duties, list_tasks, read_tables, task_from_row


def _infer_date(record: Record) -> None:
    """A document with no date line is dated by the year of the latest document it carries out,
    unless it also cites something later (then its year is uncertain and stays unknown)."""
    if record.document.date is not None:
        return
    implemented = sorted(r.date for r in record.references if r.relation == "implements" and r.date)
    if not implemented:
        return
    latest = implemented[-1]
    later_cited = [r.date for r in record.references if r.relation == "cites" and r.date and r.date > latest]
    if later_cited:
        record.warnings.append(f"no date line; issued after {max(later_cited)}")
        return
    record.document.date = latest[:4]
    record.warnings.append(f"no date line; year inferred from the latest document it carries out ({latest})")


def _tasks(norm: NormalizedText, responsibilities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows, then dated duties of the prose that no table row already holds."""
    tasks = [task_from_row(row, norm.raw_span(row.start, row.end)) for row in read_tables(norm.raw)]
    tasks += list_tasks(norm.text, norm.span)
    held = [t["span"] for t in tasks]
    for start, end, deadline_text in dated_duties(norm.text):
        span = norm.span(start, end)
        if any(s <= span[0] < e or span[0] <= s < span[1] for s, e in held):
            continue
        block = next((r for r in responsibilities if r["span"][0] <= span[0] < r["span"][1]), None)
        clause = norm.text[start:end].strip(" -;.")
        tasks.append(
            {
                "number": None,
                "text": clause,
                # A duty in an agency's block is that agency's; elsewhere the lead is not stated.
                "lead": block["agencies"] if block else [],
                "support": [],
                "deadline": parse_deadline(deadline_text),
                "span": list(span),
                "source": "prose",
            }
        )
    return tasks


def extract_text(text: str, *, source: str, loader: str, page_starts: tuple[int, ...] | None = None) -> Record:
    """Read a Record from a document's decoded text."""
    warnings: list[str] = []
    norm = normalize(text)
    info, attached = extract_document(norm, warnings)
    ctx = Context(level=info.level, jurisdiction=info.jurisdiction)
    references = extract_references(norm, ctx, warnings)
    targets = extract_targets(norm, warnings)
    responsibilities = extract_responsibilities(norm)
    tasks = _tasks(norm, responsibilities)
    if info.type is None and info.issuer.kind is None and not references and not targets:
        raise InputError(
            "does not read as a policy document (no document kind, issuer, reference or target)", source=source
        )
    record = Record(
        source=source,
        loader=loader,
        # Of the decoded text in NFC, not of the normalised text: the same document gives the same
        # hash (and a draft the same IRI) whatever its encoding and whatever the reader learns.
        content_hash=hashlib.sha256(unicodedata.normalize("NFC", text).encode()).hexdigest(),
        document=info,
        references=references,
        targets=targets,
        tasks=tasks,
        responsibilities=responsibilities,
        solution_items=extract_solution_items(norm),
        repairs=[{"span": [r.start, r.end], "before": r.before, "after": r.after} for r in norm.repairs],
        warnings=warnings,
        page_starts=list(page_starts) if page_starts else None,
        text=text,
    )
    if attached:
        record.attached_to = attached
    own = (info.type, info.number)
    record.references = [r for r in record.references if (r.type, r.number) != own]
    _infer_date(record)
    return record
