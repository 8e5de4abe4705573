// Reads export files as their consumers do and prints what they saw, as JSON on stdout:
//   node read_exports.js gexf FILE…       graphology + graphology-gexf
//   node read_exports.js cytoscape FILE…  Cytoscape.js, headless
// For each file: {nodes, edges, labels (node labels), edgeIds (cytoscape), types (gexf: the
// JavaScript type of each node attribute seen)}. A file a reader refuses gives {error}.
'use strict';

const fs = require('fs');

function readGexf(text) {
  const Graph = require('graphology');
  const gexf = require('graphology-gexf');
  const graph = gexf.parse(Graph, text);
  const labels = [];
  const types = {};
  graph.forEachNode((_node, attrs) => {
    labels.push(attrs.label);
    for (const [name, value] of Object.entries(attrs)) {
      (types[name] = types[name] || new Set()).add(typeof value);
    }
  });
  const typeLists = Object.fromEntries(Object.entries(types).map(([k, v]) => [k, [...v].sort()]));
  return {nodes: graph.order, edges: graph.size, labels, types: typeLists, multi: graph.multi, graphType: graph.type};
}

function readCytoscape(text) {
  const cytoscape = require('cytoscape');
  const json = JSON.parse(text);
  const cy = cytoscape({elements: json.elements, headless: true});
  return {
    nodes: cy.nodes().length,
    edges: cy.edges().length,
    labels: cy.nodes().map((n) => n.data('label')),
    edgeIds: cy.edges().map((e) => e.id()),
    // An edge whose ends are not nodes would have been refused above; check ends anyway.
    dangling: cy.edges().filter((e) => e.source().empty() || e.target().empty()).length,
  };
}

const [mode, ...files] = process.argv.slice(2);
const readers = {gexf: readGexf, cytoscape: readCytoscape};
if (!readers[mode]) {
  console.error(`usage: node read_exports.js gexf|cytoscape FILE…`);
  process.exit(2);
}
const out = {};
for (const file of files) {
  try {
    out[file] = readers[mode](fs.readFileSync(file, 'utf8'));
  } catch (err) {
    out[file] = {error: String(err && err.stack || err)};
  }
}
process.stdout.write(JSON.stringify(out));
