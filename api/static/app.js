// policygraph page: four views over the REST API and /sparql, chosen by the URL hash
// (#/divergences/2030, #/lineage/{id}, #/document/{id}, #/sparql/{query}) so each is linkable.
// Plain ES module, no build step; third-party code is vendored under ./vendor/.
import cytoscape from "./vendor/cytoscape/cytoscape.esm.min.mjs";

// Relative URLs resolve against the page, so it also works behind a path prefix.
const url = (path) => new URL(path, document.baseURI).href;
const SPARQL_URL = url("sparql");
const FONT = getComputedStyle(document.documentElement).getPropertyValue("--font").trim() || "sans-serif";

// Completion stays on this page: these prefixes replace YASGUI's bundled list and the
// Linked Open Vocabularies look-ups, which would ask a server on the internet.
const LOCAL_PREFIXES = {
  pg: "https://w3id.org/policygraph/ontology#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  eli: "http://data.europa.eu/eli/ontology#",
  owl: "http://www.w3.org/2002/07/owl#",
  org: "http://www.w3.org/ns/org#",
  prov: "http://www.w3.org/ns/prov#",
  dcterms: "http://purl.org/dc/terms/",
};
const NEW_TAB_QUERY = `PREFIX pg: <${LOCAL_PREFIXES.pg}>
SELECT ?document ?number ?date WHERE {
  ?document pg:number ?number .
  OPTIONAL { ?document pg:date ?date }
}
ORDER BY ?date
LIMIT 50`;

// Labels of indicators, document types and levels (Vietnamese) and the unit each indicator is
// stated in, from the vocabulary in the graph.
const LABELS_QUERY = `PREFIX pg: <${LOCAL_PREFIXES.pg}>
PREFIX skos: <${LOCAL_PREFIXES.skos}>
PREFIX rdfs: <${LOCAL_PREFIXES.rdfs}>
SELECT DISTINCT ?kind ?key ?label WHERE {
  { ?c skos:inScheme pg:indicators ; pg:key ?key ; skos:prefLabel ?label .
    FILTER (lang(?label) = "vi") BIND ("indicator" AS ?kind) }
  UNION
  { ?c rdfs:subClassOf pg:Document ; pg:key ?key ; rdfs:label ?label .
    FILTER (lang(?label) = "vi") BIND ("type" AS ?kind) }
  UNION
  { ?c a pg:Level ; pg:key ?key ; rdfs:label ?label .
    FILTER (lang(?label) = "vi") BIND ("level" AS ?kind) }
  UNION
  { ?t pg:indicator/pg:key ?key ; pg:unit ?label . BIND ("unit" AS ?kind) }
}`;

const VERDICTS = {
  stricter: "stricter than national",
  looser: "looser than national",
  same: "same as national",
  no_baseline: "national plan sets none",
  incomparable: "not comparable",
};
const COMPARATORS = { ">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "=" };
const LEVEL_RANK = { central: 0, province: 1, district: 2, commune: 3 };

// The page's state; also window.policygraph, a handle for the browser console and the tests.
const state = {
  documents: [],
  byId: new Map(),
  labels: { indicator: {}, type: {}, level: {}, unit: {} },
  lastDoc: null,
  cy: null,
  lineage: null,
  queries: null,
  yasgui: null,
  exampleTabs: new Map(),
};
window.policygraph = state;

// ---------------------------------------------------------------- helpers

const $ = (selector, root = document) => root.querySelector(selector);

/** An element with attributes and children (strings become text, never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Replace an element's children; null and undefined are skipped (the DOM would print "null"). */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

async function getJSON(path) {
  const res = await fetch(url(path), { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message || `${res.status} ${res.statusText} (${path})`);
  return body;
}

async function sparqlSelect(query) {
  const res = await fetch(SPARQL_URL, {
    method: "POST",
    headers: { Accept: "application/sparql-results+json" },
    body: new URLSearchParams({ query }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message || `SPARQL ${res.status}`);
  return body.results.bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));
}

/** A document id inside an API path: ids have slashes, which the API routes take as they are. */
const docPath = (id) => `api/documents/${encodeURI(id)}`;

function showStatus(message, kind = "error") {
  const el = $("#status");
  el.textContent = message;
  el.className = kind;
  el.hidden = !message;
}

const typeLabel = (type) => state.labels.type[type] || (type ? type.replace(/_/g, " ") : "document");
const indicatorLabel = (key) => state.labels.indicator[key] || key;

/** "Kế hoạch 153/KH-UBND", or the type and jurisdiction when the document has no number. */
function docLabel(doc) {
  const d = { ...state.byId.get(doc.id), ...Object.fromEntries(Object.entries(doc).filter(([, v]) => v != null)) };
  if (d.number) return `${typeLabel(d.type)} ${d.number}`;
  return d.jurisdiction ? `${typeLabel(d.type)} — ${d.jurisdiction}` : typeLabel(d.type);
}

function figure(comparator, value, unit) {
  // A target stated without a figure (e.g. "at least once a year") has neither.
  if (value === null || value === undefined) return "stated";
  const n = Number(value);
  const shown = Number.isInteger(n) ? String(n) : String(value);
  // No-break spaces: a narrow cell wraps between the two figures, never inside one.
  return [COMPARATORS[comparator] ?? comparator, shown, unit].filter(Boolean).join("\u00a0");
}

/** Documents read from files first, by level and place; then those only cited, by date. */
function sortDocuments(docs) {
  const rank = (d) => [d.ingested ? 0 : 1, LEVEL_RANK[d.level] ?? 9, d.jurisdiction || "", d.date || ""];
  return [...docs].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) {
      if (ra[i] < rb[i]) return -1;
      if (ra[i] > rb[i]) return 1;
    }
    return 0;
  });
}

// ---------------------------------------------------------------- start-up data

async function loadDocuments() {
  const docs = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await getJSON(`api/documents?limit=1000&offset=${offset}`);
    docs.push(...page.items);
    if (docs.length >= page.total || page.items.length === 0) break;
  }
  state.documents = sortDocuments(docs);
  state.byId = new Map(docs.map((d) => [d.id, d]));
}

async function loadLabels() {
  try {
    for (const row of await sparqlSelect(LABELS_QUERY)) state.labels[row.kind][row.key] ??= row.label;
  } catch (err) {
    // Keys stand in for labels: the page still works.
    console.warn("labels not loaded:", err);
  }
}

function fillPickers() {
  for (const select of document.querySelectorAll(".doc-picker")) {
    select.replaceChildren();
    const groups = [
      ["Read from files", state.documents.filter((d) => d.ingested)],
      ["Only cited (no text)", state.documents.filter((d) => !d.ingested)],
    ];
    for (const [label, docs] of groups) {
      if (!docs.length) continue;
      const group = h("optgroup", { label });
      for (const d of docs) {
        const extra = [d.number && d.jurisdiction, d.date, d.source].filter(Boolean).join(" · ");
        group.append(h("option", { value: d.id, lang: "vi" }, docLabel(d) + (extra ? ` · ${extra}` : "")));
      }
      select.append(group);
    }
  }
}

function defaultDocument() {
  return state.lastDoc || state.documents.find((d) => d.ingested)?.id || state.documents[0]?.id || null;
}

// ---------------------------------------------------------------- divergences

function renderLegend(el, items) {
  el.replaceChildren(...items.map(([cls, text]) => h("li", {}, h("span", { class: `swatch ${cls}` }), text)));
}

async function showDivergences(arg) {
  const year = /^\d{4}$/.test(arg) ? arg : "2030";
  const select = $("#div-year");
  if (![...select.options].some((o) => o.value === year)) select.append(h("option", { value: year }, year));
  select.value = year;
  if (arg !== year) history.replaceState(null, "", `#/divergences/${year}`);

  const token = routeCount;
  const rows = await getJSON(`api/divergences?year=${year}`);
  if (token !== routeCount) return; // the user has moved on
  renderLegend(
    $("#div-legend"),
    Object.entries(VERDICTS).map(([v, text]) => [`verdict-${v}`, text]),
  );

  const plans = new Map();
  const indicators = new Set();
  for (const r of rows) {
    indicators.add(r.indicator);
    if (!plans.has(r.document)) plans.set(r.document, { ...r, cells: new Map() });
    plans.get(r.document).cells.set(r.indicator, r);
  }
  // Indicators where plans differ from the national plan come first: the table's point.
  const differing = (key) => rows.filter((r) => r.indicator === key && r.verdict !== "same").length;
  const columns = [...indicators].sort(
    (a, b) =>
      Number(differing(b) > 0) - Number(differing(a) > 0) ||
      rows.filter((r) => r.indicator === b && ["stricter", "looser"].includes(r.verdict)).length -
        rows.filter((r) => r.indicator === a && ["stricter", "looser"].includes(r.verdict)).length ||
      indicatorLabel(a).localeCompare(indicatorLabel(b), "vi"),
  );
  const planRows = [...plans.values()].sort(
    (a, b) =>
      (LEVEL_RANK[a.level] ?? 9) - (LEVEL_RANK[b.level] ?? 9) ||
      (a.jurisdiction || "").localeCompare(b.jurisdiction || "", "vi"),
  );

  const table = $("#div-table");
  table.replaceChildren();
  $("#div-empty").hidden = rows.length > 0;
  if (!rows.length) return;
  table.append(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Plan"),
        columns.map((key) =>
          h(
            "th",
            { scope: "col", dataset: { indicator: key } },
            h("span", { lang: "vi" }, indicatorLabel(key)),
            h("span", { class: "key" }, key),
          ),
        ),
      ),
    ),
  );
  const body = h("tbody");
  for (const plan of planRows) {
    const district = plan.level && plan.level !== "province" && plan.level !== "central";
    const tr = h(
      "tr",
      { dataset: { document: plan.document } },
      h(
        "th",
        { scope: "row" },
        h("a", { href: `#/document/${plan.document}`, lang: "vi" }, plan.jurisdiction || plan.document),
        district && plan.within ? h("span", { class: "within", lang: "vi" }, `within ${plan.within}`) : null,
        h("span", { class: "level", lang: "vi" }, state.labels.level[plan.level] || plan.level || ""),
      ),
    );
    for (const key of columns) {
      const c = plan.cells.get(key);
      if (!c) {
        tr.append(h("td", { dataset: { indicator: key } }));
        continue;
      }
      const unit = state.labels.unit[key] || "";
      const mine = figure(c.comparator, c.value, unit);
      const national = c.baseline ? figure(c.baseline.comparator, c.baseline.value, unit) : "—";
      const verdict = c.verdict || "incomparable";
      tr.append(
        h(
          "td",
          {
            class: `verdict-${verdict}`,
            dataset: { indicator: key, verdict },
            title: `${VERDICTS[verdict] || verdict}: this plan ${mine}, national ${national}`,
          },
          `${mine} / ${national}`,
        ),
      );
    }
    body.append(tr);
  }
  table.append(body);
}

// ---------------------------------------------------------------- lineage

const LINEAGE_STYLE = [
  {
    selector: "node",
    style: {
      shape: "round-rectangle",
      width: 168,
      height: 50,
      "background-color": "#ffffff",
      "border-width": 1.5,
      "border-color": "#7b8796",
      label: "data(label)",
      "text-wrap": "wrap",
      "text-max-width": 158,
      "text-valign": "center",
      "text-halign": "center",
      "font-family": FONT,
      "font-size": 11.5,
      color: "#1d2430",
    },
  },
  { selector: "node[level = 'central']", style: { "background-color": "#fde8e4" } },
  { selector: "node[level = 'province']", style: { "background-color": "#e5effa" } },
  { selector: "node[level = 'district']", style: { "background-color": "#e6f5ea" } },
  { selector: "node[?cited]", style: { "border-style": "dashed" } },
  { selector: "node[?focus]", style: { "border-width": 4, "border-color": "#17324f", "font-weight": "bold" } },
  {
    selector: "edge",
    style: {
      width: 2,
      "line-color": "#8a96a8",
      "target-arrow-color": "#8a96a8",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(relation)",
      "font-family": FONT,
      "font-size": 10,
      color: "#5b6575",
      "text-background-color": "#ffffff",
      "text-background-opacity": 1,
      "text-background-padding": 2,
    },
  },
  { selector: "edge[relation = 'issues']", style: { "line-style": "dashed" } },
  { selector: "node:selected", style: { "border-color": "#e08a00", "border-width": 4 } },
  {
    selector: "edge:selected",
    style: { width: 4, "line-color": "#e08a00", "target-arrow-color": "#e08a00", color: "#8a4b00" },
  },
];

function nodeData(doc, extra) {
  const d = { ...doc, ...state.byId.get(doc.id) };
  // Type on the first line; number, or the place when the document has none, on the second.
  const second = d.number || d.jurisdiction || "";
  return { id: d.id, label: `${typeLabel(d.type)}\n${second}`, level: d.level, cited: !d.ingested, ...extra };
}

/** Nodes and edges of the lineage; every arrow points from a document to what it carries out. */
function lineageElements(up, down) {
  const focus = up.document;
  const nodes = new Map([[focus.id, { ...nodeData(focus, { focus: true }), depth: 0 }]]);
  const edges = new Map();
  const add = (item, depth, source, target, citing) => {
    if (!nodes.has(item.id)) nodes.set(item.id, { ...nodeData(item), depth });
    const id = `${source} -> ${target} (${item.relation})`;
    if (!edges.has(id)) {
      edges.set(id, { id, source, target, relation: item.relation, text: item.text, citing, depth: Math.abs(depth) });
    }
  };
  // Up: `from` is the lower document, which names the ancestor `id`.
  for (const it of up.ancestors) add(it, -it.depth, it.from, it.id, it.from);
  // Down: `from` is the upper document and `id` the one that carries it out (and names it), so
  // the arrow is drawn id -> from to keep every arrow pointing up the cascade.
  for (const it of down.descendants) add(it, it.depth, it.id, it.from, it.id);
  return { focus: focus.id, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Rows by depth (ancestors above, descendants below), spread evenly in each row. */
function positions(nodes) {
  const rows = new Map();
  for (const n of nodes) {
    if (!rows.has(n.depth)) rows.set(n.depth, []);
    rows.get(n.depth).push(n);
  }
  const out = {};
  for (const [depth, row] of rows) {
    row.sort((a, b) => a.label.localeCompare(b.label, "vi"));
    row.forEach((n, i) => {
      out[n.id] = { x: (i - (row.length - 1) / 2) * 200, y: depth * 130 };
    });
  }
  return out;
}

function lineageDetail(content) {
  fill($("#lineage-detail"), content);
}

function selectEdge(edgeId) {
  const lin = state.lineage;
  const edge = lin.edges.find((e) => e.id === edgeId);
  if (!edge) return;
  state.cy.elements().unselect();
  state.cy.getElementById(edgeId).select();
  for (const tr of document.querySelectorAll("#lineage-hops tr.hop")) {
    tr.classList.toggle("selected", tr.dataset.edge === edgeId);
  }
  const citing = state.byId.get(edge.citing);
  lineageDetail([
    h("h4", {}, "Hop"),
    h(
      "p",
      { class: "hop-summary" },
      h("b", { lang: "vi" }, docLabel({ id: edge.source })),
      ` ${edge.relation} `,
      h("b", { lang: "vi" }, docLabel({ id: edge.target })),
    ),
    edge.text
      ? h("blockquote", { class: "sentence", lang: "vi" }, edge.text)
      : h("p", { class: "empty sentence" }, "No sentence is recorded for this hop."),
    h(
      "p",
      {},
      "Stated in ",
      citing?.ingested
        ? h("a", { href: `#/document/${edge.citing}`, lang: "vi" }, docLabel({ id: edge.citing }))
        : h("span", { lang: "vi" }, docLabel({ id: edge.citing })),
      ".",
    ),
  ]);
}

function selectNode(nodeId) {
  const d = state.byId.get(nodeId) || { id: nodeId };
  for (const tr of document.querySelectorAll("#lineage-hops tr.hop")) tr.classList.remove("selected");
  const row = (k, v) => (v ? [h("dt", {}, k), h("dd", { lang: "vi" }, v)] : []);
  lineageDetail([
    h("h4", { lang: "vi" }, docLabel(d)),
    h(
      "dl",
      {},
      row("Date", d.date),
      row("Jurisdiction", d.jurisdiction),
      row("Within", d.within),
      row("Source file", d.source),
      row("Title", d.title),
    ),
    h(
      "p",
      {},
      nodeId !== state.lineage.focus ? h("a", { href: `#/lineage/${nodeId}` }, "Lineage of this document") : null,
      nodeId !== state.lineage.focus && d.ingested ? " · " : null,
      d.ingested ? h("a", { href: `#/document/${nodeId}` }, "Read it") : h("span", { class: "empty" }, "Only cited: no text"),
    ),
  ]);
}

function ensureCytoscape() {
  if (state.cy) {
    state.cy.resize();
    return state.cy;
  }
  state.cy = cytoscape({
    container: $("#lineage-graph"),
    style: LINEAGE_STYLE,
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
  });
  state.cy.on("tap", "edge", (e) => selectEdge(e.target.id()));
  state.cy.on("tap", "node", (e) => selectNode(e.target.id()));
  return state.cy;
}

async function showLineage(arg) {
  const id = arg || defaultDocument();
  if (!id) return;
  if (!arg) history.replaceState(null, "", `#/lineage/${id}`);
  state.lastDoc = id;
  $("#lineage-doc").value = id;
  const token = routeCount;
  const [up, down] = await Promise.all([
    getJSON(`${docPath(id)}/lineage?direction=up`),
    getJSON(`${docPath(id)}/lineage?direction=down`),
  ]);
  if (token !== routeCount) return;
  const lin = lineageElements(up, down);
  state.lineage = lin;

  const cy = ensureCytoscape();
  cy.elements().remove();
  cy.add([
    ...lin.nodes.map((n) => ({ group: "nodes", data: n })),
    ...lin.edges.map((e) => ({ group: "edges", data: e })),
  ]);
  cy.layout({ name: "preset", positions: positions(lin.nodes), fit: false }).run();
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.4) {
    cy.zoom(1.4);
    cy.center();
  }

  renderLegend($("#lineage-legend"), [
    ["lvl-central", "central"],
    ["lvl-province", "province"],
    ["lvl-district", "district"],
    ["cited", "dashed: only cited, no text"],
  ]);
  for (const [cls, color] of [
    ["lvl-central", "#fde8e4"],
    ["lvl-province", "#e5effa"],
    ["lvl-district", "#e6f5ea"],
    ["cited", "#ffffff"],
  ]) {
    const sw = $(`#lineage-legend .${cls}`);
    sw.style.background = color;
    if (cls === "cited") sw.style.border = "1.5px dashed #7b8796";
  }

  const hops = $("#lineage-hops");
  hops.replaceChildren(
    h("thead", {}, h("tr", {}, ["From", "Relation", "To", "Depth", "Sentence"].map((t) => h("th", {}, t)))),
  );
  const body = h("tbody");
  const order = [...lin.edges].sort((a, b) => a.depth - b.depth);
  for (const e of order) {
    body.append(
      h(
        "tr",
        { class: "hop", dataset: { edge: e.id }, onclick: () => selectEdge(e.id) },
        h("td", { lang: "vi" }, docLabel({ id: e.source })),
        h("td", {}, e.relation),
        h("td", { lang: "vi" }, docLabel({ id: e.target })),
        h("td", {}, String(e.depth)),
        h("td", { class: "sentence", lang: "vi" }, h("span", {}, e.text || "—")),
      ),
    );
  }
  if (!order.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No hops: this document names nothing it carries out, and nothing names it.")));
  hops.append(body);
  lineageDetail([h("p", { class: "hint" }, "Click an arrow or a document in the graph.")]);
}

// ---------------------------------------------------------------- document

/**
 * A function from a server offset to a JS string index. The server counts code points;
 * JS strings index UTF-16 code units. They agree while the text is in the Basic Multilingual
 * Plane (Vietnamese in NFC is), else each astral character before an offset adds one unit.
 */
function offsetMapper(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const units = [];
  let u = 0;
  for (const ch of text) {
    units.push(u);
    u += ch.length;
  }
  units.push(u);
  return (i) => units[Math.max(0, Math.min(i, units.length - 1))];
}

function factEntries(doc) {
  const facts = [];
  (doc.targets || []).forEach((t, i) => facts.push({ key: `t${i}`, kind: "target", item: t, span: t.span }));
  (doc.tasks || []).forEach((t, i) => facts.push({ key: `k${i}`, kind: "task", item: t, span: t.span }));
  (doc.responsibilities || []).forEach((t, i) =>
    facts.push({ key: `a${i}`, kind: "responsibility", item: t, span: t.span }),
  );
  (doc.solution_items || []).forEach((t, i) => facts.push({ key: `s${i}`, kind: "solution", item: t, span: t.span }));
  // A reference named by the same words is listed once.
  const seen = new Set();
  (doc.references || []).forEach((r, i) => {
    const sig = JSON.stringify([r.id, r.relation, r.span]);
    if (seen.has(sig)) return;
    seen.add(sig);
    facts.push({ key: `r${i}`, kind: "reference", item: r, span: r.span });
  });
  return facts;
}

function factButton(fact) {
  const it = fact.item;
  let main;
  let sub;
  if (fact.kind === "target") {
    main = [
      h("span", { class: "figure" }, `${figure(it.comparator, it.value, it.unit)}${it.year ? ` · ${it.year}` : ""}`),
      " ",
      h("span", { lang: "vi" }, it.label || indicatorLabel(it.indicator)),
    ];
    sub = h("span", { class: "sub" }, h("span", { lang: "vi" }, indicatorLabel(it.indicator)), ` (${it.indicator})`);
  } else if (fact.kind === "reference") {
    main = [`${it.relation} `, h("b", { lang: "vi" }, docLabel(it))];
    sub = h("span", { class: "sub" }, it.date || "");
  } else if (fact.kind === "task") {
    main = [h("span", { lang: "vi" }, it.number != null ? h("b", {}, `${it.number}. `) : null, it.text || "")];
    const deadline = it.deadline && [it.deadline.text, it.deadline.date && `(${it.deadline.date})`].filter(Boolean).join(" ");
    const parts = [
      it.lead?.length ? `lead: ${it.lead.join(", ")}` : null,
      it.support?.length ? `support: ${it.support.join(", ")}` : null,
      deadline ? `by ${deadline}` : null,
    ].filter(Boolean);
    sub = h("span", { class: "sub", lang: "vi" }, parts.join(" · "));
  } else if (fact.kind === "responsibility") {
    main = [h("b", { lang: "vi" }, it.agency || "")];
    const duties = it.duties || [];
    sub = h("span", { class: "sub" }, `${duties.length} ${duties.length === 1 ? "duty" : "duties"}`);
  } else {
    main = [h("span", { lang: "vi" }, it.label ? h("b", {}, `${it.label} `) : null, it.text || "")];
    sub = null;
  }
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: `fact kind-${fact.kind}`, dataset: { fact: fact.key }, onclick: () => activateFact(fact.key) },
      main,
      sub,
      fact.span ? null : h("span", { class: "nospan" }, " (no source span)"),
    ),
  );
}

function renderSourceText(container, text, facts, pageStarts) {
  const at = offsetMapper(text);
  const spans = facts
    .filter((f) => Array.isArray(f.span))
    .map((f) => ({ f, start: at(f.span[0]), end: at(f.span[1]) }));
  const pages = new Map((pageStarts || []).map((p, i) => [at(p), i + 1]));
  const cuts = new Set([0, text.length, ...pages.keys()]);
  for (const s of spans) cuts.add(s.start).add(s.end);
  const sorted = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i < sorted.length - 1; i++) {
    const [a, b] = [sorted[i], sorted[i + 1]];
    if (pages.has(a)) frag.append(h("span", { class: "page", dataset: { page: pages.get(a) } }));
    if (a === b) continue;
    const covering = spans.filter((s) => s.start <= a && s.end >= b);
    const piece = text.slice(a, b);
    if (!covering.length) {
      frag.append(piece);
      continue;
    }
    // The narrowest fact over this piece gives the colour and answers a click: a target
    // inside a long solution paragraph stays visible as a target.
    const narrowest = covering.reduce((a, s) => (s.end - s.start < a.end - a.start ? s : a));
    frag.append(
      h(
        "mark",
        {
          class: `kind-${narrowest.f.kind}`,
          dataset: { facts: covering.map((s) => s.f.key).join(" ") },
          onclick: () => activateFact(narrowest.f.key),
        },
        piece,
      ),
    );
  }
  container.replaceChildren(frag);
}

function activateFact(key) {
  for (const el of document.querySelectorAll("#view-document .active")) el.classList.remove("active");
  const button = $(`#document-facts [data-fact="${key}"]`);
  button?.classList.add("active");
  const marks = document.querySelectorAll(`#document-text mark[data-facts~="${key}"]`);
  marks.forEach((m) => m.classList.add("active"));
  if (marks.length) marks[0].scrollIntoView({ block: "center" });
  button?.scrollIntoView({ block: "nearest" });
}

async function showDocument(arg) {
  const id = arg || defaultDocument();
  if (!id) return;
  if (!arg) history.replaceState(null, "", `#/document/${id}`);
  state.lastDoc = id;
  $("#document-doc").value = id;
  const token = routeCount;
  const doc = await getJSON(docPath(id));
  const source = doc.ingested ? await getJSON(`${docPath(id)}/text`) : null;
  if (token !== routeCount) return;

  const meta = [doc.date, doc.jurisdiction, doc.within && `within ${doc.within}`, doc.source].filter(Boolean);
  fill(
    $("#document-head"),
    h("h3", { lang: "vi" }, docLabel(doc)),
    doc.title ? h("div", { class: "title", lang: "vi" }, doc.title) : null,
    h("div", { class: "meta" }, h("span", { lang: "vi" }, meta.join(" · ")), " · ", h("a", { href: `#/lineage/${id}` }, "Lineage")),
  );

  const facts = factEntries(doc);
  const list = $("#document-facts");
  list.replaceChildren();
  for (const [kind, title] of [
    ["target", "Targets"],
    ["task", "Tasks"],
    ["responsibility", "Responsibilities"],
    ["solution", "Solutions"],
    ["reference", "References"],
  ]) {
    const mine = facts.filter((f) => f.kind === kind);
    if (!mine.length) continue;
    list.append(h("h4", {}, `${title} (${mine.length})`), h("ol", {}, mine.map(factButton)));
  }
  if (!facts.length) list.append(h("p", { class: "empty" }, "No facts were read from this document."));

  const textEl = $("#document-text");
  if (source) {
    renderSourceText(textEl, source.text, facts, source.page_starts);
    textEl.scrollTop = 0;
  } else {
    textEl.replaceChildren(h("p", { class: "empty" }, "This document is only cited by others: policygraph has no text of it."));
  }
}

// ---------------------------------------------------------------- SPARQL

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = h("script", { src: url(src) });
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function loadStyle(href) {
  return new Promise((resolve, reject) => {
    const l = h("link", { rel: "stylesheet", href: url(href) });
    l.onload = resolve;
    l.onerror = () => reject(new Error(`could not load ${href}`));
    document.head.append(l);
  });
}

async function initYasgui() {
  // YASGUI is large: it loads the first time this view opens.
  const [queries] = await Promise.all([
    getJSON("api/queries"),
    loadScript("static/web/vendor/yasgui/yasgui.min.js"),
    loadStyle("static/web/vendor/yasgui/yasgui.min.css"),
  ]);
  state.queries = queries;
  const Yasgui = window.Yasgui;
  const Yasqe = Yasgui.Yasqe;
  // Only local completers: prefixes from LOCAL_PREFIXES and the query's own variables. The
  // built-in "class" and "property" completers ask lov.linkeddata.es on the internet.
  Yasqe.forkAutocompleter(
    "prefixes",
    {
      name: "localPrefixes",
      persistenceId: null,
      get: () => Object.entries(LOCAL_PREFIXES).map(([p, iri]) => `${p}: <${iri}>`).sort(),
    },
    false,
  );
  Yasqe.defaults.autocompleters = ["localPrefixes", "variables"];
  Yasqe.defaults.value = NEW_TAB_QUERY;
  // Short enough that the results show below it on a laptop screen.
  Yasqe.defaults.editorHeight = "260px";
  Yasgui.defaults.yasqe = Yasqe.defaults;

  state.yasgui = new Yasgui($("#yasgui"), {
    // No persistence: each visit starts from the examples the server has now.
    persistenceId: null,
    autoAddOnInit: false,
    // The hash routes this page; YASGUI must not read or clear it.
    populateFromUrl: false,
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: SPARQL_URL, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: SPARQL_URL }] },
  });
  state.yasgui.on("tabSelect", (_y, tabId) => {
    const name = [...state.exampleTabs].find(([, t]) => t === tabId)?.[0];
    describeExample(name);
  });
  $("#sparql-endpoint").textContent = SPARQL_URL;

  $("#sparql-examples").replaceChildren(
    ...queries.map((q) =>
      h(
        "button",
        { type: "button", dataset: { query: q.name }, onclick: () => (location.hash = `#/sparql/${q.name}`) },
        h("b", {}, q.name),
        h("span", {}, q.title),
      ),
    ),
  );
}

function describeExample(name) {
  const q = state.queries?.find((x) => x.name === name);
  for (const b of document.querySelectorAll("#sparql-examples button")) {
    b.setAttribute("aria-current", String(b.dataset.query === name));
  }
  const about = $("#sparql-about");
  if (!q) {
    about.replaceChildren();
    return;
  }
  // The description is the query's header comment, which the editor shows already.
  const params = q.params.map((p) => h("code", {}, `?${p.name}`));
  const bound = `api/queries/${q.name}?${q.params.map((p) => `${p.name}=…`).join("&")}`;
  fill(
    about,
    h("h4", {}, q.title),
    params.length
      ? h("p", {}, "Unbound here: ", params.flatMap((p, i) => (i ? [", ", p] : [p])), ". With values: ", h("code", {}, `/${bound}`))
      : null,
  );
}

function openExample(name) {
  const q = state.queries.find((x) => x.name === name) || state.queries[0];
  if (!q) return;
  const y = state.yasgui;
  const known = state.exampleTabs.get(q.name);
  if (known && y.getTab(known)) {
    y.selectTabId(known);
  } else {
    const tab = y.addTab(true, { name: q.name, yasqe: { value: q.sparql }, requestConfig: { endpoint: SPARQL_URL } });
    state.exampleTabs.set(q.name, tab.getId());
  }
  describeExample(q.name);
  if (name !== q.name) history.replaceState(null, "", `#/sparql/${q.name}`);
}

async function showSparql(arg) {
  if (!state.yasgui) await initYasgui();
  openExample(arg || state.queries[0]?.name);
  state.yasgui.getTab()?.getYasqe()?.refresh();
}

// ---------------------------------------------------------------- routing

const VIEWS = { divergences: showDivergences, lineage: showLineage, document: showDocument, sparql: showSparql };
let routeCount = 0;

function parseHash() {
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [view, ...rest] = path.split("/");
  return VIEWS[view] ? { view, arg: rest.join("/") } : { view: "divergences", arg: "" };
}

async function route() {
  const mine = ++routeCount;
  const { view, arg } = parseHash();
  showStatus("");
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `view-${view}`;
  }
  for (const a of document.querySelectorAll(".top nav a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const section = $(`#view-${view}`);
  delete section.dataset.ready;
  document.body.dataset.view = view;
  try {
    await ready;
    await VIEWS[view](arg);
    // data-ready names what the view shows once drawn (tests and scripts wait on it).
    if (mine === routeCount) section.dataset.ready = parseHash().arg || "-";
  } catch (err) {
    console.error(err);
    if (mine === routeCount) showStatus(err.message || String(err));
  }
}

const ready = Promise.all([loadDocuments(), loadLabels()]).then(fillPickers);
$("#div-year").addEventListener("change", (e) => (location.hash = `#/divergences/${e.target.value}`));
$("#lineage-doc").addEventListener("change", (e) => (location.hash = `#/lineage/${e.target.value}`));
$("#document-doc").addEventListener("change", (e) => (location.hash = `#/document/${e.target.value}`));
window.addEventListener("hashchange", route);
window.addEventListener("resize", () => state.cy?.resize());
route();
