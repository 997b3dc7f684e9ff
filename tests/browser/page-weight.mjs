// Prints what the site's page weighs: every file the page loads, raw and gzipped (level 9, as a CDN would
// compress it). A figure for the README, not a pass/fail test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const site = process.argv[2] ?? "site";
const files = ["index.html", "assets/app.css", "assets/app.js", "assets/qr.js", "assets/icon.svg", "config.json"];
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const bytes = readFileSync(join(site, file));
  const packed = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzipped += packed;
  console.log(`${file.padEnd(18)} ${String(bytes.length).padStart(7)} B  ${String(packed).padStart(6)} B gzipped`);
}
console.log(`${"page weight".padEnd(18)} ${String(raw).padStart(7)} B  ${String(gzipped).padStart(6)} B gzipped`);
