// Runs once per `vitest run`: prepares a migrated template database that every test file
// copies, so no test pays for initdb and migrations (seconds each), and builds dist/ when a
// source changed, since the process tests run Baton as `npm start` does (node dist/main.js).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { prepareTemplate } from "#test/setup/test-database.ts";

export default async function setup(project: TestProject) {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const template = await prepareTemplate();
  project.provide("dbTemplate", template.descriptor);
  return async () => {
    await template.dispose();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dbTemplate: string;
  }
}
