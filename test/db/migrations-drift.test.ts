// prisma/schema.prisma and prisma/migrations must describe the same database: a schema change
// without its migration would pass every test (the client is generated from the schema) and
// then fail in production. Each diff replays the migrations on a fresh in-memory PGlite.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "#src/db/migrator.ts";
import { diffMigrationsToSchema, SchemaEngineError } from "#src/db/schema-engine.ts";

const SCHEMA_PATH = fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url));
const DIFF_TIMEOUT = 60_000;

const scratch = mkdtempSync(join(tmpdir(), "baton-drift-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("migrations drift", () => {
  it(
    "prisma/migrations creates exactly what prisma/schema.prisma describes",
    async () => {
      const sql = await diffMigrationsToSchema({
        schemaPath: SCHEMA_PATH,
        migrationsDir: MIGRATIONS_DIR,
      });
      expect(sql, "run `npm run db:diff -- --name <name>` and commit the migration").toBe("");
    },
    DIFF_TIMEOUT,
  );

  it(
    "reports a model that no migration creates",
    async () => {
      const schemaPath = join(scratch, "schema.prisma");
      writeFileSync(
        schemaPath,
        `${readFileSync(SCHEMA_PATH, "utf8")}\nmodel DriftProbe {\n  id    Int    @id\n  label String\n}\n`,
      );
      const sql = await diffMigrationsToSchema({ schemaPath, migrationsDir: MIGRATIONS_DIR });
      expect(sql).toContain('CREATE TABLE "DriftProbe"');
      expect(sql).not.toContain('CREATE TABLE "Lead"');
      expect(sql).not.toContain("CREATE SCHEMA");
    },
    DIFF_TIMEOUT,
  );

  it(
    "stops at a migration that fails, with the database's own error",
    async () => {
      const migrationsDir = join(scratch, "migrations");
      cpSync(MIGRATIONS_DIR, migrationsDir, { recursive: true });
      const broken = join(migrationsDir, "99990101000000_broken");
      mkdirSync(broken);
      writeFileSync(
        join(broken, "migration.sql"),
        'ALTER TABLE "NoSuchTable" ADD COLUMN "x" INT;\n',
      );
      const diff = diffMigrationsToSchema({ schemaPath: SCHEMA_PATH, migrationsDir });
      await expect(diff).rejects.toThrow(SchemaEngineError);
      await expect(diff).rejects.toThrow(
        /99990101000000_broken[\s\S]*"NoSuchTable" does not exist/,
      );
      await expect(diff).rejects.not.toThrow(/External error/);
    },
    DIFF_TIMEOUT,
  );
});
