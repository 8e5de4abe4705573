"""The examples in docstrings run, and the README names what it must."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = [
    "policygraph.settings",
    "policygraph.ontology",
    "policygraph.loaders",
    "policygraph.loaders.normalize",
    "policygraph.loaders.decode",
    "policygraph.queries",
    "policygraph.graph.store",
    "policygraph.api.search",
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_readme_gives_the_two_commands_and_every_endpoint() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in (
        "make serve",
        "make test",
        "/api/divergences",
        "/api/documents",
        "/lineage",
        "/sparql",
        "/api/queries",
    ):
        assert needle in readme, needle
