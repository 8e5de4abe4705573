"""The SPARQL 1.1 Protocol endpoint: queries for everyone, updates only with the write token.

**Dataset.** With no ``default-graph-uri`` or ``named-graph-uri``, the default graph is the
union of all graphs (every document graph and the vocabulary graph) and GRAPH sees every named
graph. A request that names either parameter gets exactly the dataset it names, as the
protocol says: the default graph is the merge of the ``default-graph-uri`` graphs (empty when
none is given) and GRAPH sees only the ``named-graph-uri`` graphs.

**Limits.** A query runs in a child process forked for it, which sees the store as it is at
that moment (copy-on-write) and is killed at the deadline (``POLICYGRAPH_QUERY_TIMEOUT``
seconds): pyoxigraph cannot cancel a running query, and a thread stuck in one aggregate or
sort over a cross product would run on for hours, holding a CPU, after its client had its
error. A process dies on SIGKILL whatever it is doing. The child first counts the solutions
(or triples), stopping past ``POLICYGRAPH_RESULT_LIMIT``, then evaluates again and lets
pyoxigraph serialise; both passes are inside the one deadline. Forking a process that has
threads can leave a lock held by another thread locked forever in the child; such a child
sleeps without using the CPU, so it is recognised (Linux ``/proc``), killed and forked again.
Where ``os.fork`` is missing, the query runs in a thread with a deadline check per row, and
the request is answered at the deadline even if the thread has to finish a blocking step.

**Safety.** SERVICE (a query fetching from other hosts) and LOAD are refused unless
``POLICYGRAPH_ALLOW_SERVICE`` is set; the check reads the query's keywords outside strings,
IRIs, comments and names. SPARQL Update runs only with ``Authorization: Bearer <token>``
matching ``POLICYGRAPH_WRITE_TOKEN``; without a configured token every update gets 403.
Relative IRIs resolve against the base IRI of the data (``POLICYGRAPH_BASE_IRI``).
"""

from __future__ import annotations

import hmac
import json
import os
import re
import select
import signal
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import parse_qs

import anyio
from fastapi import APIRouter, Request, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from starlette.concurrency import run_in_threadpool

from policygraph.errors import InputError, NotFoundError, PolicyGraphError, QueryError, StoreError
from policygraph.graph import Store
from policygraph.settings import Settings


class UpdateRefused(PolicyGraphError):
    """An update without the write token, or on a read-only endpoint."""

    http_status = 403
    code = "update_refused"


class NotAcceptable(PolicyGraphError):
    """No media type the client accepts can carry this result."""

    http_status = 406
    code = "not_acceptable"


class UnsupportedMediaType(PolicyGraphError):
    """A POST body that is neither a form nor a SPARQL query or update, or not UTF-8."""

    http_status = 415
    code = "unsupported_media_type"


class RequestTooLarge(PolicyGraphError):
    http_status = 413
    code = "request_too_large"


class ServiceRefused(QueryError):
    """SERVICE or LOAD, which would make the server fetch from other hosts."""

    code = "service_refused"


class TooManyResults(QueryError):
    """More solutions or triples than POLICYGRAPH_RESULT_LIMIT."""

    code = "too_many_results"


class QueryTimeout(PolicyGraphError):
    """The query ran past POLICYGRAPH_QUERY_TIMEOUT and was stopped."""

    http_status = 503
    code = "query_timeout"


class QueryFailed(PolicyGraphError):
    """The process running the query died without an answer."""

    http_status = 503
    code = "query_failed"


# Errors a query child reports, rebuilt by code in the server process.
_ERRORS: dict[str, type[PolicyGraphError]] = {
    cls.code: cls
    for cls in (
        QueryError,
        InputError,
        NotFoundError,
        StoreError,
        NotAcceptable,
        TooManyResults,
        ServiceRefused,
        QueryTimeout,
        QueryFailed,
    )
}

RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
)
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
)
# Plain JSON and XML are the SPARQL results formats under another name.
_WRITE_AS = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml"}
_DESCRIPTION_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
MAX_REQUEST_BYTES = 1 << 20

router = APIRouter()


# ------------------------------------------------------------------ content negotiation


def _accepted(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.replace(" ", "").startswith("q="):
                try:
                    q = float(b.split("=", 1)[1])
                except ValueError:
                    q = 0.0
        if bits[0]:
            out.append((bits[0].lower(), q))
    return sorted(out, key=lambda mq: -mq[1])


def negotiate(accept: str | None, offered: tuple[str, ...]) -> str:
    """The first offered type the Accept header takes (by q); the first offered for */*.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
    'application/sparql-results+xml'
    >>> negotiate("text/*", RESULT_TYPES)
    'text/csv'
    """
    if not accept or not accept.strip():
        return offered[0]
    for media, q in _accepted(accept):
        if q <= 0:
            continue
        if media == "*/*" or media.endswith("/*"):
            prefix = media.split("/")[0]
            for o in offered:
                if media == "*/*" or o.startswith(prefix + "/"):
                    return o
        if media in offered:
            return media
    raise NotAcceptable(f"cannot answer in any of: {accept}; offered: {', '.join(offered)}")


def _content_type(media: str) -> str:
    # RDF/XML declares its encoding in the document; the others are UTF-8 text.
    return media if media == "application/rdf+xml" else media + "; charset=utf-8"


# ------------------------------------------------------------------ what a query asks for

_TOKENS = re.compile(
    r"""
    (?P<skip>
        \#[^\n\r]*                                              # comment
      | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''                      # long strings
      | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'                                   # strings
      | "(?:[^"\\\n\r]|\\.)*"
      | <[^<>"{}|^`\\\x00-\x20]*>                               # IRI
      | [?$][^\s{}()\[\],;.<>'"\#=!&|+*/^?$]*                   # variable
      | @[A-Za-z]+(?:-[A-Za-z0-9]+)*                            # language tag
      | [^\s{}()\[\],;<>'"\#=!&|+*/^:?$@]*:[^\s{}()\[\],;<>'"\#=!&|+*/^]*  # prefixed name, _:b
    )
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(sparql: str) -> set[str]:
    """The bare words of a query or update, upper-cased: its keywords (and ``a``, true, false).

    Strings, IRIs, comments, variables and prefixed names are skipped, so a ``?service``
    variable or a ``"SERVICE"`` literal is not mistaken for the keyword.

    >>> sorted(keywords('SELECT ?service { ?s ex:service "SERVICE" } # SERVICE'))
    ['SELECT']
    >>> 'SERVICE' in keywords('SELECT * { ?s ?p ?o .service <http://e/> { ?a ?b ?c } }')
    True
    """
    return {m.group("word").upper() for m in _TOKENS.finditer(sparql) if m.group("word")}


def _refuse_outbound(sparql: str, *, update: bool) -> None:
    words = keywords(sparql)
    if "SERVICE" in words:
        raise ServiceRefused(
            "SERVICE is refused: this endpoint does not query other hosts (POLICYGRAPH_ALLOW_SERVICE enables it)"
        )
    if update and "LOAD" in words:
        raise ServiceRefused("LOAD is refused: this endpoint does not fetch from other hosts")


_SAFE_BASE = re.compile(r"^https?://[^\s<>\"{}|^`\\]+$")


def _with_base(sparql: str, base: str) -> tuple[str, int]:
    """The query behind a ``BASE`` line on its first line, and that line's length.

    A query's own BASE comes later and wins; a relative IRI otherwise resolves against the
    data's base IRI (the protocol lets the service choose it).
    """
    sparql = sparql.lstrip("\ufeff")
    if not _SAFE_BASE.match(base):
        return sparql, 0
    head = f"BASE <{base}> "
    return head + sparql, len(head)


def _unshift(message: str, shift: int) -> str:
    """Parser positions on line 1 as the user wrote them, before the BASE we put in front."""
    if not shift:
        return message
    return re.sub(r"\b1:(\d+)", lambda m: f"1:{max(int(m.group(1)) - shift, 1)}", message)


# ------------------------------------------------------------------ evaluating


@dataclass(frozen=True)
class Job:
    """One query with everything needed to answer it."""

    query: str
    accept: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    limit: int
    timeout: float
    shift: int = 0


def evaluate(store: Store, job: Job, deadline: float | None = None) -> tuple[bytes, str]:
    """Run ``job``: (body, content type). Counts the results first, then serialises.

    ``deadline`` (time.monotonic) is checked between rows; the forked child needs none.
    """

    def run() -> Any:
        try:
            return store.query(job.query, default_graph=job.default_graphs, named_graphs=job.named_graphs)
        except QueryError as exc:
            raise QueryError(_unshift(exc.message, job.shift)) from None

    result = run()
    kind = type(result).__name__  # only graph/ imports pyoxigraph
    media = negotiate(job.accept, GRAPH_TYPES if kind == "QueryTriples" else RESULT_TYPES)
    if kind != "QueryBoolean":
        what = "triples" if kind == "QueryTriples" else "solutions"
        count = 0
        try:
            for _ in result:
                count += 1
                if count > job.limit:
                    raise TooManyResults(
                        f"the query gives more than {job.limit} {what} (POLICYGRAPH_RESULT_LIMIT): "
                        "add a LIMIT or narrow it"
                    )
                if deadline is not None and not count % 64 and time.monotonic() > deadline:
                    raise QueryTimeout(_timeout_message(job.timeout))
        except (RuntimeError, OSError) as exc:  # evaluation errors surface while rows are read
            raise QueryError(str(exc)) from exc
        result = run()
    try:
        body = Store.serialize_results(result, _WRITE_AS.get(media, media))
    except (RuntimeError, OSError) as exc:
        raise QueryError(str(exc)) from exc
    return body, _content_type(media)


def _timeout_message(timeout: float) -> str:
    return f"the query ran past the time limit of {timeout:g} s (POLICYGRAPH_QUERY_TIMEOUT) and was stopped"


_CAN_FORK = hasattr(os, "fork")
# At most this many query processes at once; a request waits for a slot within its deadline.
# They run niced (see _child), so even when all are busy the server itself keeps its CPU.
_SLOTS = threading.BoundedSemaphore(max(4, 2 * (os.cpu_count() or 2)))
_STUCK = object()


async def run_query(store: Store, job: Job) -> tuple[bytes, str]:
    """Answer ``job`` within its time limit, in a child process where there is fork."""
    if _CAN_FORK:
        return await run_in_threadpool(_run_forked, store, job)
    deadline = time.monotonic() + job.timeout
    try:
        with anyio.fail_after(job.timeout):
            return await anyio.to_thread.run_sync(evaluate, store, job, deadline, abandon_on_cancel=True)
    except TimeoutError:
        raise QueryTimeout(_timeout_message(job.timeout)) from None


def _run_forked(store: Store, job: Job) -> tuple[bytes, str]:
    deadline = time.monotonic() + job.timeout
    if not _SLOTS.acquire(timeout=job.timeout):
        raise QueryTimeout(_timeout_message(job.timeout) + " while waiting for other queries to finish")
    try:
        for _attempt in range(3):
            outcome = _fork_once(store, job, deadline)
            if outcome is not _STUCK:
                return outcome  # type: ignore[return-value]
        raise QueryFailed("the query process hung three times; try again")
    finally:
        _SLOTS.release()


def _fork_once(store: Store, job: Job, deadline: float) -> object:
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "fork() in a multi-threaded process"
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        _child(store, job, write_end, deadline)
    os.close(write_end)
    chunks: list[bytes] = []
    last_cpu: int | None = None
    alive = True
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(_timeout_message(job.timeout))
            ready, _, _ = select.select([read_end], [], [], min(left, 0.25))
            if ready:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            elif not chunks:
                cpu = _sleeping_cpu(pid)
                if cpu is not None and cpu == last_cpu:
                    return _STUCK  # asleep, no CPU used since the last look: a lock it will never get
                last_cpu = cpu
        os.waitpid(pid, 0)
        alive = False
    finally:
        os.close(read_end)
        if alive:
            _kill(pid)
    return _answer(b"".join(chunks))


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _sleeping_cpu(pid: int) -> int | None:
    """CPU ticks used by ``pid`` if it is asleep (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] != b"S":
        return None
    return int(fields[11]) + int(fields[12])


def _answer(raw: bytes) -> tuple[bytes, str]:
    head, sep, body = raw.partition(b"\n")
    try:
        header = json.loads(head) if sep else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise QueryFailed("the query process ended without an answer")
    if header.get("ok"):
        return body, str(header["media"])
    error = _ERRORS.get(str(header.get("code")), QueryFailed)(str(header.get("message")))
    raise error


def _child(store: Store, job: Job, fd: int, deadline: float) -> NoReturn:
    """The forked child: answer on ``fd`` and exit without running any of the server's code."""
    status = 0
    try:
        try:
            # The server's handlers (and its signal wake-up fd) must not act for the child.
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
                signal.signal(sig, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
        except (ValueError, OSError):
            pass
        # Below the server in the scheduler: a runaway query must not slow down the answers
        # to other requests, only to other queries.
        os.nice(10)
        # Dies by SIGALRM on its own soon after the deadline, should the server be gone.
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.0) + 1.0)
        try:
            body, media = evaluate(store, job)
            header: dict[str, Any] = {"ok": True, "media": media}
        except PolicyGraphError as exc:
            body, header = b"", {"ok": False, "code": exc.code, "message": exc.message}
        except Exception as exc:  # noqa: BLE001 - whatever it is, the server gets one line
            body, header = b"", {"ok": False, "code": QueryFailed.code, "message": f"the query failed: {exc}"}
        data = memoryview(json.dumps(header).encode() + b"\n" + body)
        while data:
            data = data[os.write(fd, data) :]
    except BaseException:  # noqa: BLE001
        status = 1
    finally:
        os._exit(status)


# ------------------------------------------------------------------ the protocol


def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _params(request: Request) -> dict[str, list[str]]:
    """The protocol's parameters from the URL and, for POST, the body."""
    try:
        params = parse_qs(request.url.query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise QueryError("the URL's parameters are not UTF-8") from None
    if request.method != "POST":
        return params
    ctype, _, rest = request.headers.get("content-type", "").partition(";")
    ctype = ctype.strip().lower()
    charset = next(
        (
            v.strip().strip('"').lower()
            for k, _, v in (p.partition("=") for p in rest.split(";"))
            if k.strip() == "charset"
        ),
        "utf-8",
    )
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"send the body as UTF-8, not {charset}")
    body = await request.body()
    if len(body) > MAX_REQUEST_BYTES:
        raise RequestTooLarge(f"the request body is over {MAX_REQUEST_BYTES} bytes")
    try:
        if ctype == "application/x-www-form-urlencoded":
            for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict").items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            params.setdefault("query", []).append(body.decode("utf-8"))
        elif ctype == "application/sparql-update":
            params.setdefault("update", []).append(body.decode("utf-8"))
        else:
            raise UnsupportedMediaType(
                "POST a query as application/sparql-query or application/x-www-form-urlencoded, "
                f"an update as application/sparql-update, not {ctype or 'a body without a content type'}"
            )
    except UnicodeDecodeError:
        raise UnsupportedMediaType("the body is not UTF-8") from None
    return params


def _one(params: dict[str, list[str]], name: str) -> str:
    values = params[name]
    if len(values) != 1:
        raise QueryError(f"give exactly one '{name}' parameter, not {len(values)}")
    if not values[0].strip():
        raise QueryError(f"the '{name}' parameter is empty")
    return values[0]


async def _sparql(request: Request) -> Response:
    params = await _params(request)
    settings = _settings(request)
    if "query" in params and "update" in params:
        raise QueryError("give either 'query' or 'update', not both")
    if "update" in params:
        if request.method != "POST":
            raise QueryError("SPARQL Update must be sent by POST")
        return await _update(request, settings, params)
    if "query" not in params:
        if request.method == "POST":
            raise QueryError("no 'query' parameter")
        return _service_description(request, settings)
    text, shift = _with_base(_one(params, "query"), settings.base_iri)
    if not settings.allow_service:
        _refuse_outbound(text, update=False)
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    protocol_dataset = bool(default_graphs or named_graphs)
    job = Job(
        query=text,
        accept=request.headers.get("accept"),
        default_graphs=default_graphs if protocol_dataset else None,
        named_graphs=named_graphs if protocol_dataset else None,
        limit=settings.result_limit,
        timeout=settings.query_timeout,
        shift=shift,
    )
    body, media = await run_query(request.app.state.store, job)
    return Response(content=body, media_type=media, headers={"Vary": "Accept"})


async def _update(request: Request, settings: Settings, params: dict[str, list[str]]) -> Response:
    token = settings.write_token
    if not token:
        raise UpdateRefused("this endpoint is read-only: SPARQL Update is refused (no POLICYGRAPH_WRITE_TOKEN is set)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise UpdateRefused("SPARQL Update needs the header 'Authorization: Bearer <write token>'")
    if "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise QueryError("using-graph-uri and using-named-graph-uri are not supported: use USING or WITH in the update")
    text, shift = _with_base(_one(params, "update"), settings.base_iri)
    if not settings.allow_service:
        _refuse_outbound(text, update=True)
    store: Store = request.app.state.store
    try:
        # Updates come from the token holder alone, so they are not time-limited.
        await run_in_threadpool(store.update, text)
    except QueryError as exc:
        raise QueryError(_unshift(exc.message, shift)) from None
    return Response(status_code=204)


_SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
_FORMATS = Namespace("http://www.w3.org/ns/formats/")


def _service_description(request: Request, settings: Settings) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint (a GET with no query)."""
    media = negotiate(request.headers.get("accept"), tuple(_DESCRIPTION_TYPES))
    endpoint = URIRef(str(request.url.replace(query="", fragment="")))
    g = Graph()
    g.bind("sd", _SD)
    g.bind("formats", _FORMATS)
    g.add((endpoint, RDF.type, _SD.Service))
    g.add((endpoint, _SD.endpoint, endpoint))
    g.add((endpoint, _SD.supportedLanguage, _SD.SPARQL11Query))
    if settings.write_token:
        g.add((endpoint, _SD.supportedLanguage, _SD.SPARQL11Update))
    g.add((endpoint, _SD.feature, _SD.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV"):
        g.add((endpoint, _SD.resultFormat, _FORMATS[name]))
    for name in ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG"):
        g.add((endpoint, _SD.resultFormat, _FORMATS[name]))
    dataset, default = BNode(), BNode()
    g.add((endpoint, _SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, _SD.Dataset))
    g.add((dataset, _SD.defaultGraph, default))
    g.add((default, RDF.type, _SD.Graph))
    g.add((default, RDFS.comment, Literal("the union of all graphs, unless the request names its dataset")))
    body = g.serialize(format=_DESCRIPTION_TYPES[media], encoding="utf-8")
    return Response(content=body, media_type=_content_type(media), headers={"Vary": "Accept"})


# ------------------------------------------------------------------ OpenAPI

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "source"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "source": {"type": ["string", "null"]},
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT and ASK results (SPARQL JSON, XML, CSV, TSV), CONSTRUCT and DESCRIBE graphs "
        "(Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads, TriG), chosen by the Accept header; "
        "a GET without a query gives the service description.",
        "content": {t: {"schema": {"type": "string"}} for t in dict.fromkeys(RESULT_TYPES + GRAPH_TYPES)},
    },
    400: _error("Malformed query (the parser's message), SERVICE refused, too many results, bad parameters"),
    403: _error("SPARQL Update without the write token"),
    406: _error("No acceptable media type for this kind of result"),
    413: _error("Request body over 1 MiB"),
    415: _error("POST body neither a form nor application/sparql-query nor application/sparql-update, or not UTF-8"),
    503: _error("The query ran past the time limit and was stopped"),
}

_GRAPH_PARAM_SCHEMA = {"type": "array", "items": {"type": "string"}}
_DATASET_PARAMS = [
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": True,
        "schema": _GRAPH_PARAM_SCHEMA,
        "description": "A graph of the default graph (repeatable). Without this and named-graph-uri, "
        "the default graph is the union of all graphs.",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": True,
        "schema": _GRAPH_PARAM_SCHEMA,
        "description": "A graph GRAPH may see (repeatable). Without this and default-graph-uri, every named graph.",
    },
]

_DESCRIPTION = """SPARQL 1.1 Protocol. **The default graph is the union of all graphs** (every
document's graph and the vocabulary graph) unless the request names `default-graph-uri` or
`named-graph-uri`, which then define the dataset exactly as the protocol says. Results follow
the Accept header. Queries stop after POLICYGRAPH_QUERY_TIMEOUT seconds (503) or past
POLICYGRAPH_RESULT_LIMIT rows (400); SERVICE is refused. Updates need
`Authorization: Bearer <POLICYGRAPH_WRITE_TOKEN>` and are refused (403) otherwise."""


@router.get(
    "/sparql",
    tags=["SPARQL"],
    summary="SPARQL 1.1 query (GET)",
    description=_DESCRIPTION,
    responses=_RESPONSES,
    openapi_extra={
        "parameters": [
            {
                "name": "query",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "The SPARQL query; without it, the service description.",
            },
            *_DATASET_PARAMS,
        ]
    },
)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via GET."""
    return await _sparql(request)


@router.post(
    "/sparql",
    tags=["SPARQL"],
    summary="SPARQL 1.1 query or update (POST)",
    description=_DESCRIPTION,
    responses={**_RESPONSES, 204: {"description": "The update was applied"}},
    openapi_extra={
        "parameters": _DATASET_PARAMS,
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "update": {"type": "string"},
                            "default-graph-uri": _GRAPH_PARAM_SCHEMA,
                            "named-graph-uri": _GRAPH_PARAM_SCHEMA,
                        },
                    }
                },
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/sparql-update": {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via POST (form or direct), or an update with the write token."""
    return await _sparql(request)
