"""Settings, read from ``POLICYGRAPH_…`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings.

    >>> Settings(store="/tmp/x").store
    PosixPath('/tmp/x')
    """

    model_config = SettingsConfigDict(env_prefix="POLICYGRAPH_")

    store: Path = Path("var/store")
    base_iri: str = "https://data.policygraph.org/"
    host: str = "127.0.0.1"
    port: int = 8000
    page_limit: int = 100
    max_page_limit: int = 1000
    # Each document is read in a worker process, stopped past these (policygraph.ingest).
    doc_timeout: float = 60.0  # seconds per document
    doc_memory_mb: int = 1024  # address space of a reader process
    max_file_mb: float = 50.0  # larger files (and uploads) are refused unread
    workers: int = 0  # reader processes; 0 means one per CPU
    # `Authorization: Bearer <token>` allows writes over HTTP; none configured refuses them all.
    write_token: str | None = None
    # The SPARQL endpoint (policygraph.api.sparql): a query past either limit ends in an error.
    query_timeout: float = 30.0  # seconds
    result_limit: int = 100_000  # solutions or triples
    allow_service: bool = False  # SERVICE and LOAD would fetch from other hosts


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
