import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openPostgres } from "#src/db/database.ts";
import { applyMigrations, migrationStatus } from "#src/db/migrator.ts";
import { FatalError } from "#src/errors.ts";
import { createLogger } from "#src/logger.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { tempDir } from "#test/setup/temp-dir.ts";
import { testDatabaseUrl } from "#test/setup/test-database.ts";

const logger = createLogger({ level: "silent" });
const database = useTestDatabase();

function migrationsDir(migrations: Record<string, string>): string {
  const dir = tempDir("baton-migrations");
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function rows(name: string) {
  return database.current.withSession((s) =>
    s.query<{
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
    }>(
      `SELECT checksum, finished_at, applied_steps_count, logs FROM "_prisma_migrations" WHERE migration_name = $1`,
      [name],
    ),
  );
}

describe("applyMigrations", () => {
  it("applies pending migrations in name order with Prisma's bookkeeping, once", async () => {
    const first = 'CREATE TABLE "w_one" ("id" INT PRIMARY KEY);';
    // A DO block: a script split on ';' would break it.
    const second = `INSERT INTO "w_one" VALUES (1);
DO $$ BEGIN
  IF (SELECT count(*) FROM "w_one") <> 1 THEN RAISE EXCEPTION 'order'; END IF;
END $$;`;
    const dir = migrationsDir({ "20990101000002_two": second, "20990101000001_one": first });

    expect(await applyMigrations(database.current, logger, dir)).toEqual([
      "20990101000001_one",
      "20990101000002_two",
    ]);
    const [row] = await rows("20990101000001_one");
    expect(row?.checksum).toBe(createHash("sha256").update(first).digest("hex"));
    expect(row?.finished_at).not.toBeNull();
    expect(row?.applied_steps_count).toBe(1);

    expect(await applyMigrations(database.current, logger, dir)).toEqual([]);
    const status = await migrationStatus(database.current, dir);
    expect(status).toMatchObject({ pending: [], failed: [], modified: [] });
  });

  it("leaves a failing migration unapplied and refuses to go on until it is resolved", async () => {
    const dir = migrationsDir({
      "20990201000001_broken":
        'CREATE TABLE "w_half" ("id" INT);\nINSERT INTO "w_missing" VALUES (1);',
    });
    const failure = await applyMigrations(database.current, logger, dir).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FatalError);
    expect((failure as Error).message).toMatch(/20990201000001_broken failed: .*w_missing/);

    // Atomic: the table created before the failing statement is gone.
    const [exists] = await database.current.withSession((s) =>
      s.query<{ exists: boolean }>(`SELECT to_regclass('"w_half"') IS NOT NULL AS "exists"`),
    );
    expect(exists?.exists).toBe(false);
    const [row] = await rows("20990201000001_broken");
    expect(row?.finished_at).toBeNull();
    expect(row?.logs).toMatch(/w_missing/);

    const again = await applyMigrations(database.current, logger, dir).catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/failed earlier.*prisma migrate resolve/);
  });

  it("reports an applied migration whose file changed as modified", async () => {
    const dir = migrationsDir({ "20990301000001_m": 'CREATE TABLE "w_mod" ("id" INT);' });
    await applyMigrations(database.current, logger, dir);
    writeFileSync(join(dir, "20990301000001_m", "migration.sql"), "-- edited\nSELECT 1;");
    expect((await migrationStatus(database.current, dir)).modified).toEqual(["20990301000001_m"]);
  });

  it.runIf(testDatabaseUrl())(
    "lets two replicas migrate at once on PostgreSQL and applies each migration once",
    async () => {
      const dir = migrationsDir({
        "20990401000001_slow": 'SELECT pg_sleep(0.5); CREATE TABLE "w_race" ("id" INT);',
      });
      // A second process's connection pool on the same database.
      const [current] = await database.current.withSession((s) =>
        s.query<{ db: string }>("SELECT current_database() AS db"),
      );
      const url = new URL(testDatabaseUrl()!);
      url.pathname = `/${current?.db}`;
      const replica = await openPostgres(url.toString(), 2, logger);
      try {
        const results = await Promise.all([
          applyMigrations(database.current, logger, dir),
          applyMigrations(replica, logger, dir),
        ]);
        expect(results.flat()).toEqual(["20990401000001_slow"]);
        expect(await rows("20990401000001_slow")).toHaveLength(1);
      } finally {
        await replica.close();
      }
    },
  );
});
