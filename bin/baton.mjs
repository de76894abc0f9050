#!/usr/bin/env node
// The `baton` command (package.json "bin"). Runs the compiled command line (dist/, built by
// `npm run build` and by `npm start`) when it is there; otherwise loads tsx's loader in this
// process, as `node --import tsx` does, and runs the TypeScript entry.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/baton.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  await import("tsx");
  await import("../src/cli/baton.ts");
}
