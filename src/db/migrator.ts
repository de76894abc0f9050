// Applies prisma/migrations at runtime without Prisma's native engine, following Prisma's own
// bookkeeping rules exactly, so `prisma migrate deploy` and `prisma migrate status` keep working
// for users who have the engine. See docs/decisions/001-migrations-without-native-engine.md.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database, SqlSession } from "#src/db/database.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import { PACKAGE_ROOT } from "#src/lib/package-root.ts";
import type { Logger } from "#src/logger.ts";

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, "prisma", "migrations");

/** The advisory lock Prisma's migrate takes; sharing it keeps both tools from colliding. */
const PRISMA_MIGRATE_LOCK = 72707369;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Started but never finished: the database needs a human (see `prisma migrate resolve`). */
  failed: string[];
  /** Applied, but the file changed since. */
  modified: string[];
}

/** Reads the migration folders in the order Prisma applies them (by name). */
export function readMigrations(dir = MIGRATIONS_DIR): LocalMigration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export async function migrationStatus(
  db: Database,
  dir = MIGRATIONS_DIR,
): Promise<MigrationStatus> {
  return db.withSession(async (session) => statusOf(session, readMigrations(dir)));
}

/**
 * Applies pending migrations under Prisma's advisory lock, so replicas starting together apply
 * each migration once. Returns the names applied.
 */
export async function applyMigrations(
  db: Database,
  logger: Logger,
  dir = MIGRATIONS_DIR,
): Promise<string[]> {
  const migrations = readMigrations(dir);
  return db.withSession(async (session) => {
    await session.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    try {
      await session.exec(CREATE_TABLE);
      const status = await statusOf(session, migrations);
      if (status.failed.length > 0) {
        throw new FatalError(
          `Migration ${status.failed[0]} failed earlier and left the database in an unknown state. Fix the database by hand, then mark it with \`npx prisma migrate resolve --applied|--rolled-back ${status.failed[0]}\` (or delete its row from _prisma_migrations) and start again.`,
        );
      }
      for (const name of status.modified) {
        logger.warn({ migration: name }, "an applied migration was modified after it was applied");
      }
      const applied: string[] = [];
      for (const migration of migrations.filter((m) => status.pending.includes(m.name))) {
        await applyOne(session, migration);
        logger.info({ migration: migration.name }, "migration applied");
        applied.push(migration.name);
      }
      return applied;
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]);
    }
  });
}

async function applyOne(session: SqlSession, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  await session.query(
    `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count")
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  );
  try {
    await session.exec(migration.sql);
  } catch (error) {
    await session.query(`UPDATE "_prisma_migrations" SET "logs" = $2 WHERE "id" = $1`, [
      id,
      errorMessage(error),
    ]);
    throw new FatalError(
      `Migration ${migration.name} failed: ${errorMessage(error)}. The database was left as it was before this migration; fix the cause, then mark it with \`npx prisma migrate resolve --rolled-back ${migration.name}\` (or delete its row from _prisma_migrations) and start again.`,
      { cause: error },
    );
  }
  await session.query(
    `UPDATE "_prisma_migrations" SET "finished_at" = now(), "applied_steps_count" = 1 WHERE "id" = $1`,
    [id],
  );
}

async function statusOf(
  session: SqlSession,
  migrations: LocalMigration[],
): Promise<MigrationStatus> {
  const [{ exists } = { exists: false }] = await session.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`,
  );
  const rows = exists
    ? await session.query<AppliedRow>(
        `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at", "logs"
           FROM "_prisma_migrations" ORDER BY "started_at"`,
      )
    : [];
  const live = rows.filter((row) => row.rolled_back_at === null);
  const status: MigrationStatus = { applied: [], pending: [], failed: [], modified: [] };
  for (const migration of migrations) {
    const row = live.find((r) => r.migration_name === migration.name);
    if (!row) status.pending.push(migration.name);
    else if (row.finished_at === null) status.failed.push(migration.name);
    else {
      status.applied.push(migration.name);
      if (row.checksum !== migration.checksum) status.modified.push(migration.name);
    }
  }
  return status;
}
