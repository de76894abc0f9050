// The reader thread's entry when Baton runs from its TypeScript sources (tests, `npm run
// import`, the benchmarks): a worker thread starts without its parent's module loader, so it
// registers tsx's before loading the reader. The compiled build runs dist/import-reader.js.
import { register } from "tsx/esm/api";

register();
await import("./read-worker.ts");
