"""The ``policygraph`` command: a thin wrapper over the library.

Exit codes: 0 ok; 1 some files in a batch could not be read (the rest were ingested);
and each error class's own code (see policygraph.errors): 3 bad input, 4 not found,
5 bad query, 6 store unavailable; 2 a usage mistake.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from policygraph.errors import PolicyGraphError
from policygraph.settings import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="A knowledge graph over policy plans.")
err = Console(stderr=True, soft_wrap=True)  # one line per error, whatever the width

StoreOpt = Annotated[Path | None, typer.Option("--store", help="Store folder (POLICYGRAPH_STORE).")]


def _settings(store: Path | None) -> Settings:
    s = get_settings()
    return s.model_copy(update={"store": store}) if store else s


def _fail(exc: PolicyGraphError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", highlight=False)
    return typer.Exit(exc.exit_code)


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A document file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Read one document and print what it says."""
    from policygraph.loaders import read_path

    try:
        record = read_path(file)
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    data = record.to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    d = data["document"]
    place = d["jurisdiction"]["name"] or d["jurisdiction"]["within"]
    print(f"{d['type']} {d['number'] or '(no number)'} {d['date'] or ''} — {place}")
    for r in data["references"]:
        print(f"  {r['relation']:10} {r['type']} {r['number']} {r['date'] or ''}")
    for t in data["targets"]:
        figure = "" if t["value"] is None else f"{t['comparator']} {t['value']}{t['unit'] or ''}"
        print(f"  target {t['indicator']} {figure} by {t['year']}")
    for w in data["warnings"]:
        print(f"  warning: {w}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to read.")],
    store: StoreOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per file as it is settled.")] = False,
) -> None:
    """Read documents into the store; a bad file is reported and skipped, an unchanged one too.

    Each document is read in a worker process within POLICYGRAPH_DOC_TIMEOUT seconds and
    POLICYGRAPH_DOC_MEMORY_MB of memory (files over POLICYGRAPH_MAX_FILE_MB are not read) and
    written whole: a run stopped at any moment is completed by running it again.
    """
    from rich.markup import escape

    from policygraph.graph import Store
    from policygraph.ingest import Outcome, ingest_paths
    from policygraph.loaders import expand

    settings = _settings(store)
    try:
        with Store.open(settings.store) as db:
            files = expand(paths)
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("ingesting", total=len(files))

                def settled(outcome: Outcome) -> None:
                    progress.advance(task)
                    if verbose:
                        # Printed once the document is committed: what a log line says is there.
                        err.print(f"{outcome.status} {escape(outcome.source)}", highlight=False)

                report = ingest_paths(db, files, settings, on_outcome=settled)
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    err.print(
        f"ingested {len(report.ingested)} document(s) into {escape(str(settings.store))}; "
        f"{len(report.unchanged)} unchanged; {len(report.failed)} failed",
        highlight=False,
    )
    for outcome in report.failed:
        err.print(f"[red]error:[/red] {escape(str(outcome.error))}", highlight=False)
    if report.failed:
        raise typer.Exit(1)


def _print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
        Console().print(table)


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="A named question (see --list) or a .rq file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v, repeatable.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    store: StoreOpt = None,
) -> None:
    """Run a named question or a SPARQL file against the store."""
    from policygraph.graph import Store
    from policygraph.queries import from_text, get

    if fmt not in ("table", "json", "csv"):
        err.print("error: --format is table, json or csv")
        raise typer.Exit(2)
    raw: dict[str, str] = {}
    for p in param or []:
        key, sep, value = p.partition("=")
        if not sep:
            err.print(f"error: --param takes k=v, not {p!r}")
            raise typer.Exit(2)
        raw[key] = value
    try:
        path = Path(name)
        if name.endswith(".rq"):
            try:
                q = from_text(path.read_text(encoding="utf-8"), name=path.stem)
            except OSError as exc:
                raise PolicyGraphError(f"cannot read the query file ({exc.strerror})", source=name) from None
        else:
            q = get(name)
        bindings = q.bindings(raw)
        with Store.open(_settings(store).store) as db:
            rows = db.select(q.text, bindings=bindings)
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    _print_rows(rows, fmt)


@app.command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="graphml, gexf, cytoscape, dot, svg, d3, turtle, nquads or jsonld.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write; - for standard output.")],
    view: Annotated[str, typer.Option(help="all, lineage, jurisdiction, indicator or agency.")] = "all",
    focus: Annotated[
        str | None, typer.Option(help="Document id (lineage), place key, indicator key or agency key.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write the graph, or one view of it, as a file for Gephi, Cytoscape, Graphviz, D3 or RDF tools."""
    from policygraph.errors import StoreError
    from policygraph.graph import Store
    from policygraph.graph.export import export as export_view

    settings = _settings(store)
    try:
        if not settings.store.exists():  # opening would make an empty store and export nothing
            raise StoreError("no store here: run policygraph ingest first", source=str(settings.store))
        with Store.open(settings.store) as db:
            result = export_view(db, settings.base_iri, fmt, view, focus)
        if str(output) == "-":
            sys.stdout.buffer.write(result.data)
        else:
            try:
                output.write_bytes(result.data)
            except OSError as exc:
                raise PolicyGraphError(f"cannot write the file ({exc.strerror})", source=str(output)) from None
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    if str(output) != "-":
        err.print(f"wrote {output} ({len(result.data)} bytes, {result.media_type})", highlight=False)


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the SPARQL endpoint, the REST API and the docs."""
    import uvicorn

    from policygraph.api.app import create_app

    settings = _settings(store)
    try:
        application = create_app(settings)
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command("eval")
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="A gold file shaped like shared/gold/seeds.json.")],
    docs: Annotated[Path, typer.Option("--docs", help="Folder holding the gold's files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score extraction against a gold file: precision, recall and F1, and what was missed."""
    from policygraph.eval import evaluate

    try:
        result = evaluate(gold, docs)
    except PolicyGraphError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("document", "targets F1", "references F1", "tasks F1")
    for doc in result["documents"]:
        table.add_row(doc["file"], *(f"{doc[k]['f1']:.2f}" for k in ("targets", "references", "tasks")))
    table.add_row("overall", *(f"{result['overall'][k]['f1']:.2f}" for k in ("targets", "references", "tasks")))
    Console().print(table)
    for doc in result["documents"]:
        for kind in ("targets", "references", "tasks"):
            for miss in doc[kind]["misses"]:
                print(f"{doc['file']}: missed {kind[:-1]}: {miss}")
            for wrong in doc[kind]["wrong"]:
                print(f"{doc['file']}: wrong {kind[:-1]}: {wrong}")


if __name__ == "__main__":
    app()
