#!/usr/bin/env node
// Compiles Baton for production: `npm run build` bundles src/main.ts into dist/main.js, the
// command lines (src/cli/baton.ts, src/cli/db-migrate.ts) into dist/cli/ and the CSV import's
// reader thread into dist/import-reader.js, as ES modules for Node. `npm start` runs
// dist/main.js with plain `node`: no TypeScript loader in the process, which cost start time
// and memory on every start (docs/benchmarks.md, "Footprint").
// Packages stay external: node_modules load as usual (PGlite, Prisma's wasm and pino find their
// files where npm installed them). Only our own code, reached through the package.json
// `imports` (#src/*), is bundled; what is imported with `import()` becomes a chunk of its own,
// read when first used. Files that ship beside the code (prisma/migrations) are found from the
// package root (src/lib/package-root.ts), so `node dist/main.js` runs from the package root.
// It also makes the template a new embedded database starts from (src/db/pglite-template.ts):
// PGlite's initdb, once, here, instead of on a user's first start; kept across builds, remade
// when PGlite's version changes.
// `--if-stale` (npm's prestart) builds only when a source is newer than dist/main.js or the
// template is missing, so a start in a read-only image with a built dist/ writes nothing.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist");
const template = pgliteTemplatePath();

if (process.argv.includes("--if-stale") && !stale()) process.exit(0);

for (const output of [
  "main.js",
  "main.js.map",
  "import-reader.js",
  "import-reader.js.map",
  "cli",
  "chunks",
]) {
  rmSync(join(outdir, output), { recursive: true, force: true });
}
const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: {
    main: "src/main.ts",
    "cli/baton": "src/cli/baton.ts",
    "cli/db-migrate": "src/cli/db-migrate.ts",
    // The import's reader thread (src/import/read-in-worker.ts starts it from here).
    "import-reader": "src/import/read-worker.ts",
  },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20.19",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
process.stdout.write(
  `built dist/main.js, dist/cli/ and dist/import-reader.js in ${Date.now() - started} ms\n`,
);
if (!existsSync(template)) await makePgliteTemplate();

/** The name src/db/pglite-template.ts looks for: the installed PGlite's version. */
function pgliteTemplatePath() {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pkg = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8"));
  return join(outdir, "pglite-template", `pgdata-${pkg.version}`);
}

/**
 * A freshly initialised PGlite data folder, closed cleanly; older versions' removed. Made in a
 * folder beside it and renamed into place, so a build stopped halfway leaves no half template.
 */
async function makePgliteTemplate() {
  const begun = Date.now();
  const { PGlite } = await import("@electric-sql/pglite");
  rmSync(dirname(template), { recursive: true, force: true });
  const making = `${template}.making`;
  mkdirSync(making, { recursive: true });
  const pglite = await PGlite.create(making);
  await pglite.close();
  readableByAll(making);
  renameSync(making, template);
  process.stdout.write(`made the embedded database template in ${Date.now() - begun} ms\n`);
}

/**
 * PGlite writes some files owner-only (0600). The template is copied by whichever user runs
 * Baton, often not the one who built it (an image built as root, run as user 1000): everyone may
 * read it; the copy keeps the owner's write bit, so the new database's owner can write.
 */
function readableByAll(folder) {
  chmodSync(folder, statSync(folder).mode | 0o555);
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    chmodSync(path, statSync(path).mode | (entry.isDirectory() ? 0o555 : 0o444));
  }
}

/** True when the template or dist/main.js is missing, or a source, package.json or the lock is newer. */
function stale() {
  if (!existsSync(template)) return true;
  let built;
  try {
    built = statSync(join(outdir, "main.js")).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [join(root, "package.json"), join(root, "package-lock.json")];
  for (const entry of readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) inputs.push(join(entry.parentPath, entry.name));
  }
  return inputs.some((file) => {
    try {
      return statSync(file).mtimeMs > built;
    } catch {
      return false;
    }
  });
}
