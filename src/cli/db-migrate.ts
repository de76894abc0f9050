// `npm run db:migrate`: applies pending migrations without starting the app.
// `npm run db:status`: lists applied, pending and failed migrations.
import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "#src/config.ts";
import { openDatabase } from "#src/db/database.ts";
import { applyMigrations, migrationStatus } from "#src/db/migrator.ts";
import { FatalError } from "#src/errors.ts";
import { createLogger } from "#src/logger.ts";

if (existsSync(".env")) process.loadEnvFile(".env");

const statusOnly = process.argv.includes("--status");
try {
  const config = loadConfig(process.env, { requireSlack: false });
  const logger = createLogger(config.log);
  const db = await openDatabase(config.database, logger);
  try {
    if (statusOnly) {
      const status = await migrationStatus(db);
      console.log(`Database: ${db.kind} (${db.location})`);
      for (const name of status.applied) console.log(`  applied  ${name}`);
      for (const name of status.failed) console.log(`  FAILED   ${name}`);
      for (const name of status.pending) console.log(`  pending  ${name}`);
      process.exitCode = status.pending.length + status.failed.length > 0 ? 1 : 0;
    } else {
      const applied = await applyMigrations(db, logger);
      console.log(
        applied.length === 0
          ? `Database ${db.location} is up to date.`
          : `Applied ${applied.length} migration(s) to ${db.location}: ${applied.join(", ")}`,
      );
    }
  } finally {
    await db.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof FatalError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
