// Runs once per `vitest run`: prepares a migrated template database that every test file
// copies, so no test pays for initdb and migrations (seconds each).
import type { TestProject } from "vitest/node";
import { prepareTemplate } from "#test/setup/test-database.ts";

export default async function setup(project: TestProject) {
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
