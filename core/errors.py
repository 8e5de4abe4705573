"""One error type for everything a user can get wrong, with a few subclasses.

The CLI maps each class to an exit code and the API to an HTTP status, so a user mistake
never surfaces as a traceback.
"""

from __future__ import annotations


class PolicyGraphError(Exception):
    """Base of every error policygraph raises on purpose."""

    exit_code = 1
    http_status = 500
    code = "error"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class InputError(PolicyGraphError):
    """A document that cannot be read: empty, binary, unknown encoding or format."""

    exit_code = 3
    http_status = 422
    code = "bad_input"


class NotFoundError(PolicyGraphError):
    """A document, query or resource that does not exist."""

    exit_code = 4
    http_status = 404
    code = "not_found"


class QueryError(PolicyGraphError):
    """A SPARQL query or a query parameter that is malformed."""

    exit_code = 5
    http_status = 400
    code = "bad_query"


class StoreError(PolicyGraphError):
    """The store cannot be opened or written."""

    exit_code = 6
    http_status = 503
    code = "store_unavailable"
