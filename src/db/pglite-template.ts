// A new embedded database starts from a template: the data folder of a freshly initialised
// PGlite, made once by `npm run build` (scripts/build.mjs) in dist/pglite-template/, copied.
// PGlite's own initdb, run on the first start otherwise, takes 5-10 s and grows the WebAssembly
// memory to ~860 MB, which it keeps until the process ends; a copy (39 MB, ~1,000 files) then
// an open costs what a restart costs (docs/benchmarks.md, "Footprint"). PGlite's loadDataDir
// (a tarball) was tried first: unpacking through its file system took 3-4 s on a loaded machine.
// The template holds nothing of Baton (the migrations run on it as on any new database), so it
// depends only on PGlite's version, which names the folder: after an upgrade of PGlite without
// a rebuild, Baton runs initdb as before.
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PACKAGE_ROOT } from "#src/lib/package-root.ts";

/** The template for the installed PGlite (the same name scripts/build.mjs writes). */
export function pgliteTemplatePath(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pkg = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8"));
  return join(PACKAGE_ROOT, "dist", "pglite-template", `pgdata-${pkg.version}`);
}

/**
 * Fills a new (missing or empty) `pgdata` folder from the template, when one was built.
 * Returns whether it did; an existing database is never touched.
 */
export function copyTemplateInto(pgdata: string): boolean {
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) return false;
  const template = pgliteTemplatePath();
  if (!existsSync(join(template, "PG_VERSION"))) return false;
  cpSync(template, pgdata, { recursive: true });
  return true;
}
