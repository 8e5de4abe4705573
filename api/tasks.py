"""Tasks and agencies for apps: who must do what by when, across plans."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from policygraph.errors import NotFoundError
from policygraph.graph import Store, document_id, document_iri_from_id
from policygraph.loaders.fold import fold
from policygraph.queries import get, task_order

router = APIRouter(tags=["tasks"])


def all_tasks(store: Store, base: str, document: str | None = None) -> list[dict[str, Any]]:
    """Tasks with their agencies gathered from the one-row-per-agency query; all of them are
    read once per state of the store (do not change what it returns)."""
    if document is None:
        return store.memo(f"tasks {base}", lambda: _tasks(store, base, None))
    return _tasks(store, base, document)


def _tasks(store: Store, base: str, document: str | None) -> list[dict[str, Any]]:
    bound = {"document": document} if document else {}
    q = get("tasks")
    tasks: dict[str, dict[str, Any]] = {}
    for r in sorted(store.select(q.text, bindings=q.bindings(bound)), key=task_order):
        if r["task"] in tasks:
            continue  # the same document read from two files
        deadline = None
        if "kind" in r or "deadlineText" in r:
            deadline = {
                k: r.get(v)
                for k, v in (("kind", "kind"), ("date", "date"), ("text", "deadlineText"), ("condition", "condition"))
            }
        tasks[r["task"]] = {
            "id": r["task"][len(base) + len("eli/") :] if r["task"].startswith(base + "eli/") else r["task"],
            "document": document_id(r["document"], base),
            "jurisdiction": r.get("jurisdictionKey"),
            "number": r.get("number"),
            "text": r.get("text"),
            "source": r.get("source"),
            "lead": [],
            "support": [],
            "agencies": [],
            "deadline": deadline,
            "span": [r["spanStart"], r["spanEnd"]] if "spanStart" in r else None,
        }
    q = get("task_agencies")
    rows = store.select(q.text, bindings=q.bindings(bound))
    # Lead before support, then by name: the store's row order is not the text's either.
    for r in sorted(rows, key=lambda r: (r["task"], r["role"] != "lead", str(r.get("agencyName", "")), r["agency"])):
        t = tasks.get(r["task"])
        if t is None or not r.get("agencyName"):
            continue
        t[r["role"]].append(r["agencyName"])
        t["agencies"].append(
            {
                "id": r["agency"][len(base) + len("agency/") :],
                "name": r["agencyName"],
                "type": r.get("agencyType"),
                "jurisdiction": r.get("agencyJurisdiction"),
                "role": r["role"],
            }
        )
    return list(tasks.values())


def is_overdue(task: dict[str, Any], day: str) -> bool:
    """A fixed date before ``day``; recurring, from and conditional deadlines never are."""
    d = task.get("deadline") or {}
    return d.get("kind") == "date" and bool(d.get("date")) and str(d["date"]) < day


def _matches_agency(task: dict[str, Any], agency: str) -> bool:
    key = fold(agency)
    for a in task["agencies"]:
        if "/" in agency and a["id"] == agency:
            return True
        if "/" not in agency and (a["type"] == agency or key in fold(a["name"])):
            return True
    return False


@router.get("/api/tasks")
def list_tasks(
    request: Request,
    agency: Annotated[str | None, Query(description="An agency id, a type key (so_y_te) or part of a name.")] = None,
    jurisdiction: Annotated[str | None, Query(description="A jurisdiction key, e.g. vn-lai-chau.")] = None,
    document: Annotated[str | None, Query(description="A document id as in /api/documents.")] = None,
    overdue_on: Annotated[date | None, Query(description="Only tasks with a fixed deadline before this day.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Tasks across plans, filtered; overdue means a fixed date before ``overdue_on``."""
    store: Store = request.app.state.store
    base: str = request.app.state.settings.base_iri
    doc_iri = document_iri_from_id(document, base) if document else None
    tasks = all_tasks(store, base, doc_iri)
    if agency:
        tasks = [t for t in tasks if _matches_agency(t, agency)]
    if jurisdiction:
        tasks = [
            t
            for t in tasks
            if t["jurisdiction"]
            and (t["jurisdiction"] == jurisdiction or t["jurisdiction"].startswith(jurisdiction + "/"))
        ]
    if overdue_on:
        tasks = [t for t in tasks if is_overdue(t, overdue_on.isoformat())]
    return {"total": len(tasks), "limit": limit, "offset": offset, "items": tasks[offset : offset + limit]}


@router.get("/api/agencies/{agency_id:path}")
def get_agency(request: Request, agency_id: str) -> dict[str, Any]:
    """An agency (as placed in a jurisdiction, e.g. vn-lai-chau/so_y_te) and its tasks across plans."""
    if not re.fullmatch(r"[\w\-/]+", agency_id):
        raise NotFoundError(f"no agency with id {agency_id!r}")
    store: Store = request.app.state.store
    base: str = request.app.state.settings.base_iri
    # Only by id: a name or type (as /api/tasks?agency= takes) can match agencies of many places.
    tasks = [t for t in all_tasks(store, base) if any(a["id"] == agency_id for a in t["agencies"])]
    if not tasks:
        raise NotFoundError(f"no agency with id {agency_id!r} has tasks")
    first = next(a for a in tasks[0]["agencies"] if a["id"] == agency_id)
    return {
        "id": agency_id,
        "name": first["name"],
        "type": first["type"],
        "jurisdiction": first["jurisdiction"],
        "tasks": tasks,
    }
