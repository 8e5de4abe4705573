"""Named SPARQL questions: one ``.rq`` file per question, loaded by name.

Each file starts with a header of ``#`` comment lines: the first says what it answers, and
``# @param NAME TYPE [required] DESCRIPTION`` lines declare its parameters. A parameter is the
SPARQL variable ``?NAME``; it is bound through the store's substitutions, never pasted into the
query text, so the query must project it (or use ``SELECT *``).

>>> q = get("divergences")
>>> [p.name for p in q.params]
['year', 'indicatorKey']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from policygraph.errors import NotFoundError, QueryError

TYPES = ("string", "integer", "iri", "date")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    description: str

    def convert(self, raw: str) -> str | int:
        """A raw parameter value (from a URL or the command line) as its declared type."""
        if self.type == "integer":
            try:
                return int(raw)
            except ValueError:
                raise QueryError(f"parameter {self.name} must be an integer, not {raw!r}") from None
        if self.type == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise QueryError(f"parameter {self.name} must be a date YYYY-MM-DD, not {raw!r}")
        if self.type == "iri" and not re.match(r"https?://", raw):
            raise QueryError(f"parameter {self.name} must be an absolute IRI, not {raw!r}")
        return raw


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str

    def bindings(self, raw: dict[str, str]) -> dict[str, str | int]:
        """Validated bindings from raw values; unknown names and missing required ones are errors."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise QueryError(f"query {self.name} has no parameter {', '.join(unknown)}")
        missing = [p.name for p in self.params if p.required and p.name not in raw]
        if missing:
            raise QueryError(f"query {self.name} needs parameter {', '.join(missing)}")
        return {k: known[k].convert(v) for k, v in raw.items() if v != ""}


def _parse(name: str, text: str) -> NamedQuery:
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
    params = []
    prose = []
    for line in header:
        m = re.match(r"@param\s+(\w+)\s+(\w+)\s+(required\s+)?(.*)", line)
        if m:
            if m.group(2) not in TYPES:
                raise ValueError(f"{name}.rq: parameter type {m.group(2)!r} is not one of {TYPES}")
            params.append(Param(m.group(1), m.group(2), bool(m.group(3)), m.group(4).strip()))
        elif line:
            prose.append(line)
    title = prose[0] if prose else name
    return NamedQuery(name, title, " ".join(prose[1:]), tuple(params), text)


@cache
def names() -> tuple[str, ...]:
    """Names of the questions this package holds."""
    return tuple(sorted(f.name[:-3] for f in resources.files(__name__).iterdir() if f.name.endswith(".rq")))


@cache
def get(name: str) -> NamedQuery:
    """The named question ``name``."""
    if name not in names():
        raise NotFoundError(f"no query named {name!r}; known: {', '.join(names())}")
    return _parse(name, resources.files(__name__).joinpath(f"{name}.rq").read_text(encoding="utf-8"))


def from_text(text: str, *, name: str = "adhoc") -> NamedQuery:
    """A question read from a file's text (``policygraph query FILE.rq``)."""
    return _parse(name, text)


def task_order(row: dict[str, Any]) -> tuple[str, bool, int, str]:
    """Sort key for rows of ``tasks``: by document, then row number (unnumbered duties first),
    then IRI; the query leaves the order to its callers (sorting in the store is slow)."""
    number = row.get("number")
    return (str(row["document"]), number is not None, number if isinstance(number, int) else 0, str(row["task"]))
