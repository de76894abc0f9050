// The database: reachable, and every migration in prisma/migrations applied (the migrator's own
// status, as `npm run db:status` reads it). Opens it the way Baton does and changes nothing: an
// embedded database that does not exist yet is not created.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Check, fail, pass, skip } from "#src/cli/doctor/checklist.ts";
import type { Config } from "#src/config.ts";
import { type Database, openDatabase } from "#src/db/database.ts";
import { migrationStatus } from "#src/db/migrator.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import { createLogger, scrub } from "#src/logger.ts";

type DatabaseConfig = Config["database"];

export async function checkDatabase(config: DatabaseConfig, opened?: Database): Promise<Check> {
  if (opened) return checkMigrations(opened, config.migrateOnStart);
  if (config.kind === "pglite") {
    const absent = embeddedAbsent(config.dataDir, config.migrateOnStart);
    if (absent) return absent;
  }
  let db: Database;
  try {
    db = await openDatabase(config, createLogger({ level: "silent" }));
  } catch (error) {
    const message = scrub(error instanceof FatalError ? error.message : errorMessage(error));
    return fail(
      `Database is not reachable: ${message.split(". ")[0]}`,
      config.kind === "postgres"
        ? "check DATABASE_URL (user, password, host, port and database), that the server is running and the database exists"
        : "check that DATA_DIR points at a folder Baton can write, or set DATABASE_URL to use PostgreSQL",
    );
  }
  try {
    return await checkMigrations(db, config.migrateOnStart);
  } finally {
    await db.close();
  }
}

/** No embedded database yet, or one held by a running Baton: nothing to open. */
function embeddedAbsent(dataDir: string, migrateOnStart: boolean): Check | undefined {
  if (!existsSync(join(dataDir, "pgdata", "PG_VERSION"))) {
    return migrateOnStart
      ? skip(
          `Database: skipped (no embedded database in ${dataDir} yet; Baton creates it at first start)`,
        )
      : fail(
          `Database: no embedded database in ${dataDir}, and MIGRATE_ON_START=false`,
          "run `npm run db:migrate` to create it, or check DATA_DIR",
        );
  }
  const pid = runningPid(join(dataDir, "baton.pid"));
  if (pid !== undefined) {
    return skip(
      `Database: skipped (Baton, pid ${pid}, has the embedded database in ${dataDir} open; only one process can; its /readyz reports the database and migrations)`,
    );
  }
  return undefined;
}

function runningPid(lockFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, "utf8").trim());
  } catch {
    return undefined; // no lock file: nobody has it open
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but another user's process.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

async function checkMigrations(db: Database, migrateOnStart: boolean): Promise<Check> {
  const where = `${db.kind === "postgres" ? "PostgreSQL" : "embedded"} database ${db.location}`;
  let status: Awaited<ReturnType<typeof migrationStatus>>;
  try {
    status = await migrationStatus(db);
  } catch (error) {
    return fail(
      `The ${where} did not answer: ${scrub(errorMessage(error))}`,
      "check that the database server is running and DATABASE_URL is right",
    );
  }
  if (status.failed.length > 0) {
    const name = status.failed[0];
    return fail(
      `The ${where} has a failed migration: ${name}`,
      `fix the database by hand, then mark it with \`npx prisma migrate resolve --applied|--rolled-back ${name}\` (or delete its row from _prisma_migrations) and run \`npm run db:migrate\``,
    );
  }
  if (status.pending.length > 0 && status.applied.length === 0 && migrateOnStart) {
    return skip(
      `Database: skipped (the ${where} is reachable and empty; Baton creates its tables at first start)`,
    );
  }
  if (status.pending.length > 0) {
    const n = status.pending.length;
    return fail(
      `The ${where} is reachable but ${n} migration${n === 1 ? " is" : "s are"} not applied: ${status.pending.join(", ")}`,
      migrateOnStart
        ? "run `npm run db:migrate`, or restart Baton (MIGRATE_ON_START=true applies them at start)"
        : "run `npm run db:migrate` (MIGRATE_ON_START=false: Baton does not migrate at start)",
    );
  }
  return pass(`The ${where} is reachable and migrated (${status.applied.length} migrations)`);
}
