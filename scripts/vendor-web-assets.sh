#!/usr/bin/env bash
# Vendor the web page's third-party assets into api/static/vendor/ from npm.
# Run by hand to upgrade them (CI does not run it): it installs the pinned packages in a
# temporary folder, copies their built files and licences, and leaves no node_modules behind.
# The copied files are committed, so the page works without npm or the network.
set -euo pipefail

YASGUI_VERSION=4.6.2
CYTOSCAPE_VERSION=3.34.4

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/api/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm init -y >/dev/null
# --ignore-scripts: only built files are wanted; nothing of the packages runs here.
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "@zazuko/yasgui@$YASGUI_VERSION" "cytoscape@$CYTOSCAPE_VERSION" >/dev/null

rm -rf "$dest/yasgui" "$dest/cytoscape"
mkdir -p "$dest/yasgui" "$dest/cytoscape"

# The source-map comment would make a browser's devtools ask for a file that is not shipped.
sed '/^\/\/# sourceMappingURL=/d' node_modules/@zazuko/yasgui/build/yasgui.min.js >"$dest/yasgui/yasgui.min.js"
sed '/sourceMappingURL=/d' node_modules/@zazuko/yasgui/build/yasgui.min.css >"$dest/yasgui/yasgui.min.css"
cp node_modules/cytoscape/dist/cytoscape.esm.min.mjs "$dest/cytoscape/"
cp node_modules/cytoscape/LICENSE "$dest/cytoscape/LICENSE"

# @zazuko/yasgui's npm package ships no LICENSE file: write the MIT licence its package.json
# names, with the author and contributors named there; then the licence of every package
# its bundle was built from (its npm dependency tree).
node - "$dest/yasgui" <<'EOF'
const fs = require("fs");
const path = require("path");
const out = process.argv[2];
const pkg = (name) => JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8"));
const yasgui = pkg("@zazuko/yasgui");
const holders = [yasgui.author, ...(yasgui.contributors || []).map((c) => c.name || c)].join(", ");
const mit = `MIT License

Copyright (c) ${holders}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
fs.writeFileSync(path.join(out, "LICENSE"),
  `${yasgui.name} ${yasgui.version} (${yasgui.homepage}) is licensed under the ${yasgui.license} License.\n` +
  "Its npm package ships no licence file; this is the licence its package.json names.\n\n" + mit);

// Every package in @zazuko/yasgui's dependency tree, with its licence text when it ships one.
const seen = new Map();
const walk = (name) => {
  if (seen.has(name)) return;
  const p = pkg(name);
  seen.set(name, p);
  for (const dep of Object.keys(p.dependencies || {})) walk(dep);
};
walk("@zazuko/yasgui");
let notices = "Third-party software in yasgui.min.js and yasgui.min.css (the npm dependency tree of " +
  `${yasgui.name} ${yasgui.version}).\n`;
for (const [name, p] of [...seen.entries()].sort()) {
  const dir = path.join("node_modules", name);
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const named = p.license || p.licenses;
  const license = typeof named === "string" ? named : named ? JSON.stringify(named) : "see the licence text below";
  notices += `\n${"=".repeat(78)}\n${name} ${p.version} — ${license}\n${p.homepage || ""}\n${"=".repeat(78)}\n\n`;
  notices += file ? fs.readFileSync(path.join(dir, file), "utf8").trim() + "\n" : `(no licence file in the package; licence: ${license})\n`;
}
fs.writeFileSync(path.join(out, "THIRD-PARTY-NOTICES.txt"), notices);
EOF

cat >"$dest/README.md" <<EOF
# Vendored assets

Copied from npm by \`scripts/vendor-web-assets.sh\`; do not edit by hand.

| package | version | files | licence |
| --- | --- | --- | --- |
| @zazuko/yasgui | $YASGUI_VERSION | yasgui/yasgui.min.js, yasgui/yasgui.min.css | MIT (yasgui/LICENSE, yasgui/THIRD-PARTY-NOTICES.txt) |
| cytoscape | $CYTOSCAPE_VERSION | cytoscape/cytoscape.esm.min.mjs | MIT (cytoscape/LICENSE) |
EOF
echo "vendored into $dest"
