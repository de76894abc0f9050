#!/usr/bin/env node
// Generates the Prisma client into src/db/generated, offline.
// Prisma 7's CLI downloads its native schema engine before `generate` even though generation
// does not use it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the
// download. The variable is set for this child process only: set globally it would make
// `prisma migrate deploy` exit 0 while doing nothing.
// Without --force, generation is skipped when the client is newer than the schema.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const schema = join(root, "prisma", "schema.prisma");
const marker = join(root, "src", "db", "generated", "client.ts");
const force = process.argv.includes("--force");

if (!force && existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs) {
  process.exit(0);
}

const result = spawnSync(
  process.execPath,
  [join(root, "node_modules", "prisma", "build", "index.js"), "generate", "--schema", schema],
  {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  },
);
process.exit(result.status ?? 1);
