// `npm run db:diff -- --name add_x`: writes the migration that brings prisma/migrations up to
// prisma/schema.prisma, in Prisma's layout, without Prisma's native engine.
// `npm run db:diff -- --check`: exits 1 and prints the missing SQL when they differ.
// Exit codes follow diff(1): 0 in sync (or written), 1 drift found by --check, 2 trouble.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { MIGRATIONS_DIR } from "#src/db/migrator.ts";
import { diffMigrationsToSchema, MIGRATION_LOCKFILE } from "#src/db/schema-engine.ts";
import { PACKAGE_ROOT } from "#src/lib/package-root.ts";

const ROOT = PACKAGE_ROOT;
const SCHEMA_PATH = join(ROOT, "prisma", "schema.prisma");
const NAME_PATTERN = /^[a-z0-9_]{1,200}$/;

class UsageError extends Error {}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  const message = (error instanceof Error ? error.message : String(error))
    .split("\n")
    // Schema errors quote the offending lines under their "-->  file:line"; the location suffices.
    .filter((line) => !/^\s*\d*\s*\|/.test(line))
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
  const usage =
    error instanceof UsageError ? " Usage: npm run db:diff -- --name <name> | --check" : "";
  console.error(`db:diff: ${message}${usage}`);
  process.exitCode = 2;
}

async function run(args: string[]): Promise<number> {
  const { name, check } = parseOptions(args);
  const sql = await diffMigrationsToSchema({
    schemaPath: SCHEMA_PATH,
    migrationsDir: MIGRATIONS_DIR,
  });
  if (sql === "") {
    console.log(`No schema changes: the migrations already match ${shown(SCHEMA_PATH)}.`);
    return 0;
  }
  if (check) {
    console.error(
      `${shown(SCHEMA_PATH)} has changes no migration creates; create one with \`npm run db:diff -- --name <name>\`. Missing SQL:`,
    );
    console.log(sql);
    return 1;
  }
  for (const file of writeMigration(name, sql)) console.log(`Wrote ${shown(file)}`);
  return 0;
}

function parseOptions(args: string[]): { name: string; check: boolean } {
  let values: { name?: string; check?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { name: { type: "string" }, check: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const check = values.check ?? false;
  const name = values.name ?? "";
  if (check && values.name !== undefined) {
    throw new UsageError("--check writes nothing, so it takes no --name.");
  }
  if (!check && !NAME_PATTERN.test(name)) {
    throw new UsageError(
      values.name === undefined
        ? "--name is required: it names the migration folder."
        : `--name "${name}" must be 1 to 200 lowercase letters, digits or underscores.`,
    );
  }
  return { name, check };
}

/** Writes the migration (and the lockfile Prisma expects); returns the files written. */
function writeMigration(name: string, sql: string): string[] {
  const folder = `${utcTimestamp(new Date())}_${name}`;
  const latest = existingMigrations().at(-1);
  // Prisma applies migrations in name order; one sorting before the last would run out of turn.
  if (latest !== undefined && latest >= folder) {
    throw new Error(
      `the new migration ${folder} would sort before the existing ${latest}; wait a second or check the clock.`,
    );
  }
  const written: string[] = [];
  const lockfile = join(MIGRATIONS_DIR, "migration_lock.toml");
  mkdirSync(MIGRATIONS_DIR, { recursive: true });
  if (!existsSync(lockfile)) {
    writeFileSync(lockfile, MIGRATION_LOCKFILE);
    written.push(lockfile);
  }
  const dir = join(MIGRATIONS_DIR, folder);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, "migration.sql"), sql);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  written.push(join(dir, "migration.sql"));
  return written;
}

function existingMigrations(): string[] {
  if (!existsSync(MIGRATIONS_DIR)) return [];
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** yyyymmddHHMMss in UTC, the prefix Prisma gives migration folders. */
function utcTimestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

/** Paths as the project's docs write them, wherever the command runs from. */
function shown(path: string): string {
  return relative(ROOT, path);
}
