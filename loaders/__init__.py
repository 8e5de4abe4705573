"""Loaders read a file into a Record: one registry keyed by format, one signature.

A loader is a :class:`Loader`: a format name, a ``sniff`` test on the file's first bytes (the
format is told by content, not by the file name) and ``read(data, source=...)`` giving decoded
text, or a :class:`SourceText` with page offsets for formats that have pages. Built-in loaders
are registered through the ``policygraph.loaders`` entry-point group, exactly as an outside
package would register its own::

    [project.entry-points."policygraph.loaders"]
    myformat = "mypackage.loader:LOADER"

>>> "text" in available()
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from policygraph.errors import InputError, PolicyGraphError
from policygraph.loaders.extract import extract_text
from policygraph.loaders.record import Record, SourceText

__all__ = ["Loader", "Record", "SourceText", "available", "read_bytes", "read_path", "read_paths", "register"]

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Loader:
    name: str
    sniff: Callable[[bytes], bool]
    read: Callable[..., str | SourceText]  # read(data: bytes, *, source: str) -> str | SourceText
    priority: int = 0  # higher is tried first; a catch-all such as plain text sits lowest


_registry: dict[str, Loader] = {}
_discovered = False


def register(loader: Loader) -> None:
    """Add or replace the loader for ``loader.name``."""
    _registry[loader.name] = loader


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for ep in entry_points(group="policygraph.loaders"):
        loader = ep.load()
        if isinstance(loader, Loader) and loader.name not in _registry:
            register(loader)


def available() -> dict[str, Loader]:
    """The registered loaders by format name."""
    _discover()
    return dict(_registry)


def loader_for(data: bytes, *, source: str) -> Loader:
    head = data[:SNIFF_BYTES]
    for loader in sorted(available().values(), key=lambda lo: -lo.priority):
        if loader.sniff(head):
            return loader
    raise InputError("binary or unknown format: no loader reads it", source=source)


def read_bytes(data: bytes, *, source: str, format: str | None = None) -> Record:
    """Read one document's bytes into a Record; ``source`` names it in errors and the record."""
    if not data.strip():
        raise InputError("empty file", source=source)
    if format is not None:
        try:
            loader = available()[format]
        except KeyError:
            raise InputError(f"no loader for format {format!r}", source=source) from None
    else:
        loader = loader_for(data, source=source)
    read = loader.read(data, source=source)
    source_text = read if isinstance(read, SourceText) else SourceText(read)
    return extract_text(source_text.text, source=source, loader=loader.name, page_starts=source_text.page_starts)


def read_path(path: Path | str) -> Record:
    """Read one file into a Record.

    >>> read_path("/nonexistent/plan.txt")
    Traceback (most recent call last):
    ...
    policygraph.errors.InputError: /nonexistent/plan.txt: cannot read the file (No such file or directory)
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", source=str(p)) from None
    return read_bytes(data, source=p.name)


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files named and files inside folders named (recursively, hidden and README files skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                f
                for f in sorted(p.rglob("*"))
                if f.is_file() and not f.name.startswith(".") and f.name.lower() != "readme.md"
            )
        else:
            out.append(p)
    return out


def read_paths(paths: Iterable[Path | str]) -> Iterator[tuple[Path, Record | PolicyGraphError]]:
    """Read many files; a bad file yields its error and the batch goes on."""
    for path in expand(paths):
        try:
            yield path, read_path(path)
        except PolicyGraphError as exc:
            if exc.source is None or exc.source == path.name:
                exc.source = str(path)
            yield path, exc
