// V8 flags for `baton import` (bin/baton.mjs starts the import with them; the benchmark
// bench/csv-import.ts too). The import writes batch after batch: without a bound V8 lets its
// heap grow to ~180 MB before collecting, and on the embedded database (PGlite's ~150 MB of
// WebAssembly in the same process) the peak passed 500 MB. With a 256 MB old generation and
// 4 MB semi-spaces (as `npm start` uses) it stayed near 400 MB, flat, at the same speed. The
// import holds at most a few MB of rows (batches are bounded by bytes): 256 MB leaves room.
export const IMPORT_NODE_FLAGS = ["--max-old-space-size=256", "--max-semi-space-size=4"];
