#!/usr/bin/env node
// The `baton` command (package.json "bin"). Runs the compiled command line (dist/, built by
// `npm run build` and by `npm start`) when it is there; otherwise loads tsx's loader in this
// process, as `node --import tsx` does, and runs the TypeScript entry.
// `baton import` runs in a child process with the V8 flags that keep its memory flat
// (bin/node-flags.mjs): they can only be given when a process starts.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { IMPORT_NODE_FLAGS } from "./node-flags.mjs";

const command = process.argv[2];
const flagged = process.execArgv.some((flag) => flag.startsWith("--max-old-space-size"));
if (command === "import" && !flagged) {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...IMPORT_NODE_FLAGS,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  // Ctrl-C reaches both processes (one process group): the import writes the rows read so far
  // and exits 130; this one waits for it. A signal sent to this process alone is passed on.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (signal !== "SIGINT" || !process.stdin.isTTY) child.kill(signal);
    });
  }
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1);
  });
} else {
  const compiled = new URL("../dist/cli/baton.js", import.meta.url);
  if (existsSync(compiled)) {
    await import(compiled.href);
  } else {
    await import("tsx");
    await import("../src/cli/baton.ts");
  }
}
