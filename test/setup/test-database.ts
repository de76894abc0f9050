// A database per test file: an in-memory PGlite by default, or a fresh database on the
// PostgreSQL server named by TEST_DATABASE_URL. Both start from a template with every
// migration applied (made once per run by global-setup.ts).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type Database, openPostgres } from "#src/db/database.ts";
import { applyMigrations } from "#src/db/migrator.ts";
import { wrapPglite } from "#src/db/pglite.ts";
import { createLogger } from "#src/logger.ts";

const silent = createLogger({ level: "silent" });
// Names carry the creating process id so several runs (worktrees, CI) can share one server;
// a run drops only the leftovers of processes that are gone.
const TEMPLATE_DB = `baton_test_${process.pid}_template`;

interface PgliteTemplate {
  kind: "pglite";
  dumpFile: string;
}
interface PostgresTemplate {
  kind: "postgres";
  url: string;
  database: string;
}
type Template = PgliteTemplate | PostgresTemplate;

/** The server tests use, or undefined for PGlite. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim();
  return url ? url : undefined;
}

/** Builds the migrated template; returns a descriptor to hand to test files. */
export async function prepareTemplate(): Promise<{
  descriptor: string;
  dispose: () => Promise<void>;
}> {
  const url = testDatabaseUrl();
  if (url) {
    await withAdmin(url, async (admin) => {
      const { rows } = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'baton_test_%'",
      );
      for (const { datname } of rows) {
        const pid = Number(/^baton_test_(\d+)_/.exec(datname)?.[1]);
        if (Number.isInteger(pid) && processAlive(pid)) continue;
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
      await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
    });
    const db = await openPostgres(withDatabase(url, TEMPLATE_DB), 2, silent);
    try {
      await applyMigrations(db, silent);
    } finally {
      await db.close();
    }
    const template: PostgresTemplate = { kind: "postgres", url, database: TEMPLATE_DB };
    return {
      descriptor: JSON.stringify(template),
      dispose: () =>
        withAdmin(url, async (admin) => {
          await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
        }),
    };
  }

  const dir = mkdtempSync(join(tmpdir(), "baton-test-template-"));
  const pglite = await PGlite.create();
  const db = wrapPglite(pglite, "memory", () => pglite.close());
  try {
    await applyMigrations(db, silent);
    const dump = await pglite.dumpDataDir("none");
    const dumpFile = join(dir, "template.tar");
    writeFileSync(dumpFile, Buffer.from(await dump.arrayBuffer()));
    const template: PgliteTemplate = { kind: "pglite", dumpFile };
    return {
      descriptor: JSON.stringify(template),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  } finally {
    await db.close();
  }
}

/** A test file's database; `replica()` connects to it again, as another app instance would. */
export type TestDatabase = Database & { replica(): Promise<Database> };

/** Opens a fresh database for one test file from the template made by global-setup. */
export async function createTestDatabase(descriptor: string): Promise<TestDatabase> {
  const template = JSON.parse(descriptor) as Template;
  if (template.kind === "pglite") {
    const pglite = await PGlite.create({
      loadDataDir: new Blob([readFileSync(template.dumpFile)]),
    });
    const db = wrapPglite(pglite, "memory", () => pglite.close());
    // PGlite lives in this process: a second instance shares it (and must not close it).
    return { ...db, replica: async () => ({ ...db, close: async () => {} }) };
  }
  const name = `baton_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin(template.url, async (admin) => {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template.database}"`);
  });
  const url = withDatabase(template.url, name);
  const db = await openPostgres(url, 4, silent);
  return {
    ...db,
    replica: () => openPostgres(url, 4, silent),
    async close() {
      await db.close();
      await withAdmin(template.url, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
