// Parse every ```mermaid block of the given Markdown files with mermaid's own parser.
//
// Usage: node tests/js/mermaid-parse.mjs FILE.md [FILE.md ...]
// Prints one JSON line per block ({file, block, ok, type, error}) and exits 1 if any block
// fails to parse, 2 on bad usage. mermaid needs a DOM (for DOMPurify); jsdom provides one,
// so no browser is involved.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node mermaid-parse.mjs FILE.md [FILE.md ...]");
  process.exit(2);
}

const { window } = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "Node", "DOMParser"]) {
  if (!(name in globalThis) || globalThis[name] === undefined) {
    Object.defineProperty(globalThis, name, { value: name === "window" ? window : window[name], configurable: true });
  }
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const fence = /```mermaid\n([\s\S]*?)```/g;
let failed = 0;
let blocks = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  let index = 0;
  for (const match of text.matchAll(fence)) {
    blocks += 1;
    try {
      const result = await mermaid.parse(match[1]);
      console.log(JSON.stringify({ file, block: index, ok: true, type: result.diagramType }));
    } catch (error) {
      failed += 1;
      console.log(JSON.stringify({ file, block: index, ok: false, error: String(error?.message ?? error) }));
    }
    index += 1;
  }
}
console.error(`${blocks} mermaid blocks, ${failed} failed to parse`);
process.exit(failed ? 1 : 0);
