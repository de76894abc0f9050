#!/usr/bin/env node
// The `baton` command (package.json "bin"). Loads tsx's loader in this process, as
// `node --import tsx` does, then runs the TypeScript entry.
import "tsx";

await import("../src/cli/baton.ts");
